"""The offline parts of promote: settings, rendering, overlays, ordering, windows, plan hash,
ledger and the deploy lock. No emulator needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from ivr_ci.config import load_config
from ivr_ci.errors import ConfigError, OperationFailed
from ivr_ci.flow import load_flow_text
from ivr_ci.promote import ledger as L
from ivr_ci.promote.lock import LockBusy, acquire, read_lock
from ivr_ci.promote.ordering import CycleError, dependencies, group_problems, topological_order
from ivr_ci.promote.overlay import apply_overlay, load_overlay
from ivr_ci.promote.plan import Plan, PlanFlow, source_hash
from ivr_ci.promote.render import render_flow
from ivr_ci.promote.settings import Slot, Window, environment_settings
from ivr_ci.promote.window import is_open, next_opening
from tests.promote_helpers import ivr_flow, module_flow


def _config(tmp_path, text: str):
    path = tmp_path / ".ivr-ci.yaml"
    path.write_text(textwrap.dedent(text))
    return load_config(str(path))


# ---- configuration ---------------------------------------------------------------------------
def test_environment_schema_reports_every_bad_key_with_its_line(tmp_path):
    with pytest.raises(ConfigError) as err:
        _config(tmp_path, """\
            environments:
              prod:
                client_id_env: PROD_ID
                substitutions: {ok: 1, "": x}
                window: {timezone: UTC, slots: [{days: [mon], start: "25:00", end: "10:00"}]}
                notify: ftp://example.com
                colour: blue
            promotion:
              groups: [[Only One]]
              concurency: 2
            """)
    text = str(err.value)
    assert "required property" not in text and "needs one of" not in text  # offline environments are valid
    for expected in (":5: environments/prod/window/slots/0/start", ":6: environments/prod/notify",
                     "environments/prod: unknown key 'colour'", ":9: promotion/groups/0",
                     "promotion: unknown key 'concurency'"):
        assert expected in text, text


def test_requires_must_name_a_known_environment_without_a_loop(tmp_path):
    base = "    client_id_env: A\n    client_secret_env: B\n    region: mypurecloud.ie\n"
    cfg = _config(tmp_path, f"environments:\n  a:\n{base}    requires: b\n  b:\n{base}    requires: a\n")
    with pytest.raises(ConfigError, match=r":11: environments/b/requires: the chain loops: a -> b -> a"):
        environment_settings(cfg, "a")
    cfg = _config(tmp_path, f"environments:\n  a:\n{base}    requires: staging\n")
    with pytest.raises(ConfigError, match="unknown environment 'staging'"):
        environment_settings(cfg, "a")


def test_options_file_substitutions_and_map_override(tmp_path):
    (tmp_path / "opts.yaml").write_text("substitutions: {queue: From Options, lang: en-gb}\n")
    cfg = _config(tmp_path, """\
        environments:
          dev: {region: mypurecloud.ie, client_id_env: A, client_secret_env: B,
                options_file: opts.yaml, substitutions: {queue: From Map, flag: true}}
        """)
    assert environment_settings(cfg, "dev").substitutions == {"queue": "From Map", "lang": "en-gb", "flag": "true"}


# ---- rendering -------------------------------------------------------------------------------
def test_render_replaces_tight_placeholders_and_reports_the_rest_at_their_position():
    text = 'inboundCall:\n  name: "{{name}}"\n  division: {{ division }}\n  description: {{missing}}\n'
    rendered, problems = render_flow("f.yaml", text, {"name": "Main", "division": "Home"}, "prod")
    assert rendered is None
    assert [(p.line, p.col) for p in problems] == [(3, 13), (4, 16)]
    assert "spaces inside the braces" in problems[0].message
    assert "unknown substitution key 'missing' for environment 'prod'" in problems[1].message
    ok, problems = render_flow("f.yaml", text.replace("{{ division }}", "{{division}}").replace("{{missing}}", "x"),
                               {"name": "Main", "division": "Home"}, "prod")
    assert problems == [] and ok is not None
    assert ok.name == "Main" and ok.doc.flow.division == "Home" and ok.used_keys == ["division", "name"]
    assert ok.source_sha256 != ok.sha256


def test_render_rejects_multiline_values():
    _, problems = render_flow("f.yaml", "inboundCall:\n  name: {{n}}\n", {"n": "a\nb"}, "dev")
    assert problems and "spans several lines" in problems[0].message


def test_every_corpus_flow_renders_to_a_loadable_flow(corpus):
    """Real flows with every placeholder given a plain value: no render problem, valid YAML."""
    import re

    for path in corpus:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        keys = {m.group(1) for m in re.finditer(r"\{\{([^{}\n]*)\}\}", text)}
        if any(k != k.strip() or not k for k in keys):
            continue
        values = {k: f"Value {k}" for k in keys}
        rendered, problems = render_flow(str(path), text, values, "test")
        assert problems == [], (path.name, problems)
        assert rendered is not None and rendered.doc.flow is not None, path.name
        assert not [p for p in rendered.doc.problems if p.rule_id == "IVR001"], path.name
        assert "{{" not in rendered.text


# ---- menu overlay ----------------------------------------------------------------------------
OVERLAY_FLOW = ivr_flow(1, "v1", module=False) + """\
  tasks:
    - task:
        name: Holiday Info
        refId: Holiday_1
        actions:
          - disconnect:
              name: Bye
"""


def test_overlay_replaces_and_adds_digits_and_keeps_the_rest_byte_for_byte(tmp_path):
    (tmp_path / "ov.yaml").write_text(textwrap.dedent("""\
        flow: "{{prefix}}IVR 01"
        menu: Main Menu
        choices:
          1: {prompt: "Sales moved", target: {queue: Sales}}
          5: {prompt: Prompt.Holidays, target: {task: Holiday Info}}
          "#": {name: Goodbye, prompt: Bye, target: {disconnect: true}}
        """))
    overlay = load_overlay(str(tmp_path / "ov.yaml"))
    text, notes = apply_overlay(OVERLAY_FLOW, overlay, "ivr01.yaml")
    assert any("replaces choice 'Support' on digit 1" in n for n in notes)
    before_menu = OVERLAY_FLOW.split("        choices:")[0]
    assert text.startswith(before_menu)
    rendered, problems = render_flow("ivr01.yaml", text, {"prefix": "DEV ", "queue": "Support"}, "dev")
    assert problems == []
    menu = rendered.doc.flow.menus[0]
    by_digit = {c.digit: c for c in menu.choices}
    assert sorted(by_digit) == ["#", "1", "5"]
    assert by_digit["1"].kind == "menuTransferToAcd" and by_digit["1"].raw["targetQueue"]["lit"]["name"] == "Sales"
    assert by_digit["5"].kind == "menuTask" and by_digit["5"].raw["task"]["actions"][1]["jumpToTask"][
        "targetTaskRef"] == "/inboundCall/tasks/task[Holiday_1]"
    assert by_digit["#"].name == "Goodbye"
    refs = {(r.kind, r.name) for r in rendered.doc.flow.org_references()}
    assert ("queue", "Sales") in refs and ("prompt", "Holidays") in refs


def test_overlay_schema_and_semantic_errors_are_clear(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("flow: X\nmenu: Main Menu\nchoices:\n  '12': {prompt: hi, target: {queue: A, task: B}}\n")
    with pytest.raises(ConfigError) as err:
        load_overlay(str(bad))
    assert f"{bad}:4:" in str(err.value)
    ok = tmp_path / "ok.yaml"
    ok.write_text("flow: X\nmenu: Nope\nchoices:\n  2: {prompt: hi, target: {task: Missing}}\n")
    with pytest.raises(ConfigError, match="has no menu 'Nope'"):
        apply_overlay(OVERLAY_FLOW, load_overlay(str(ok)), "ivr01.yaml")
    ok.write_text("flow: X\nmenu: Main Menu\nchoices:\n  2: {prompt: hi, target: {task: Missing}}\n")
    with pytest.raises(ConfigError, match="no task 'Missing' in the flow .known: Holiday Info"):
        apply_overlay(OVERLAY_FLOW, load_overlay(str(ok)), "ivr01.yaml")


# ---- ordering --------------------------------------------------------------------------------
def _flow(text: str):
    doc = load_flow_text(text.replace("{{prefix}}", "").replace("{{queue}}", "Q"))
    assert doc.flow is not None
    return doc.flow


def test_callees_deploy_before_callers_and_cycles_are_named():
    flows = [_flow(ivr_flow(2, "v")), _flow(module_flow("v")), _flow(ivr_flow(1, "v"))]
    deps = dependencies(flows)
    order = topological_order([(f.type, str(f.name)) for f in flows], deps)
    assert order[0] == ("commonModule", "Common Greeting")
    a = _flow(module_flow("v").replace("Common Greeting", "A").replace("    - endTask:", """\
    - callCommonModule:
        name: call
        commonModule:
          B:
            ver_latestPublished: {inputs: {}, outputs: {}}
    - endTask:"""))
    b = _flow(module_flow("v").replace("Common Greeting", "B").replace("    - endTask:", """\
    - callCommonModule:
        name: call
        commonModule:
          A:
            ver_latestPublished: {inputs: {}, outputs: {}}
    - endTask:"""))
    with pytest.raises(CycleError, match=r"A \(commonModule\) -> B \(commonModule\) -> A \(commonModule\)"):
        topological_order([("commonModule", "A"), ("commonModule", "B")], dependencies([a, b]))


def test_groups_must_be_promoted_whole():
    problems = group_problems([["Main IVR", "Mobile"], ["X", "Y"]], {"Main IVR", "X", "Y"}, {"Main IVR", "X", "Y"})
    assert problems == ["promotion group [Main IVR, Mobile] must deploy together: Main IVR selected without "
                        "Mobile (Mobile not found in the flow files)"]


# ---- maintenance windows ---------------------------------------------------------------------
def test_windows_cover_overnight_slots_and_follow_local_time_across_dst():
    w = Window("Europe/Berlin", (Slot(("fri",), "22:00", "02:00"), Slot(("tue",), "06:00", "08:00")))
    berlin = ZoneInfo("Europe/Berlin")
    assert is_open(w, datetime(2026, 3, 6, 23, 0, tzinfo=berlin))  # Friday night
    assert is_open(w, datetime(2026, 3, 7, 1, 59, tzinfo=berlin))  # Saturday, before 02:00
    assert not is_open(w, datetime(2026, 3, 7, 2, 0, tzinfo=berlin))
    assert not is_open(w, datetime(2026, 3, 5, 23, 0, tzinfo=berlin))  # Thursday
    # 06:30 local on the Tuesdays before and after the DST change (UTC offsets differ)
    assert is_open(w, datetime(2026, 3, 24, 5, 30, tzinfo=timezone.utc))
    assert is_open(w, datetime(2026, 3, 31, 4, 30, tzinfo=timezone.utc))
    assert not is_open(w, datetime(2026, 3, 24, 4, 30, tzinfo=timezone.utc))  # 05:30 CET
    assert not is_open(w, datetime(2026, 3, 31, 6, 30, tzinfo=timezone.utc))  # 08:30 CEST (07:30 in winter)
    nxt = next_opening(w, datetime(2026, 3, 9, 12, 0, tzinfo=berlin))
    assert nxt is not None and (nxt.weekday(), nxt.hour, nxt.minute) == (1, 6, 0)


# ---- plan hash -------------------------------------------------------------------------------
def _pf(name: str, sha: str, version: str | None, src: str = "s") -> PlanFlow:
    return PlanFlow(name, "inboundCall", f"{name}.yaml", "update", sha, src, "id-" + name, version)


def test_plan_hash_covers_content_and_target_versions_not_order():
    a = Plan("prod", None, "sha1", [_pf("A", "1", "3.0"), _pf("B", "2", "1.0")])
    same = Plan("prod", None, "sha2", [_pf("B", "2", "1.0"), _pf("A", "1", "3.0")])
    assert a.hash == same.hash  # order and commit do not matter, content does
    assert a.hash != Plan("prod", None, "sha1", [_pf("A", "1", "4.0"), _pf("B", "2", "1.0")]).hash
    assert a.hash != Plan("prod", None, "sha1", [_pf("A", "9", "3.0"), _pf("B", "2", "1.0")]).hash
    assert a.hash != Plan("dev", None, "sha1", [_pf("A", "1", "3.0"), _pf("B", "2", "1.0")]).hash
    assert a.source_hash == Plan("dev", None, None, [_pf("A", "7", None), _pf("B", "8", None)]).source_hash
    assert source_hash(["x", "y"]) == source_hash(["y", "x"])


# ---- ledger ----------------------------------------------------------------------------------
def test_ledger_appends_lines_and_reports_corruption_with_line(tmp_path):
    path = str(tmp_path / "l" / "ledger.jsonl")
    e1 = L.LedgerEntry("dev", "a" * 64, "b" * 64, "sha")
    L.append_entry(path, e1)
    L.append_entry(path, L.LedgerEntry("prod", "c" * 64, "b" * 64, "sha", outcome=L.ROLLED_BACK))
    entries = L.read_ledger(path)
    assert [e["environment"] for e in entries] == ["dev", "prod"] and entries[0]["runId"] == e1.run_id
    assert L.requires_problem(path, "prod", "dev", "b" * 64) is None
    assert "requires this release" in L.requires_problem(path, "prod", "dev", "d" * 64)
    with open(path, "a") as fh:
        fh.write("{not json\n")
    with pytest.raises(ConfigError, match=r"ledger.jsonl:3: ledger line is not JSON"):
        L.read_ledger(path)


# ---- deploy lock -----------------------------------------------------------------------------
def test_lock_is_exclusive_names_the_holder_and_stale_locks_are_broken(tmp_path):
    d = str(tmp_path)
    lock = acquire(d, "prod", "run-1", ttl=60, info={"actor": "alice"})
    with pytest.raises(LockBusy, match="run run-1 by alice"):
        acquire(d, "prod", "run-2", ttl=60, info={"actor": "bob"})
    acquire(d, "dev", "run-3", ttl=60, info={}).release()  # other environments are independent
    lock.release()
    assert read_lock(os.path.join(d, "prod.lock")) is None
    # expired lock of a run on another host: broken, and the breaker says so
    with open(os.path.join(d, "prod.lock"), "w") as fh:
        json.dump({"runId": "old", "host": "elsewhere", "pid": 1, "expiresAtEpoch": 1.0}, fh)
    fresh = acquire(d, "prod", "run-4", ttl=60, info={})
    assert "run old: expired" in read_lock(os.path.join(d, "prod.lock"))["brokeStaleLock"]
    fresh.release()
    # a dead process on this host: stale at once, even before it expires
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    import socket
    import time
    with open(os.path.join(d, "prod.lock"), "w") as fh:
        json.dump({"runId": "crashed", "host": socket.gethostname(), "pid": int(dead.stdout),
                   "expiresAtEpoch": time.time() + 3600}, fh)
    acquire(d, "prod", "run-5", ttl=60, info={}).release()


def test_cycle_and_lock_errors_are_operation_failures():
    assert issubclass(CycleError, OperationFailed) and issubclass(LockBusy, OperationFailed)


def test_the_documented_workflow_applies_once_per_environment_and_is_clean():
    import re
    import shutil

    import yaml

    from tests.conftest import REPO

    text = (REPO / "docs" / "promote.md").read_text()
    workflow = "name: IVR flows\n" + re.search(r"```yaml\nname: IVR flows\n(.*?)```", text, re.S).group(1)
    data = yaml.safe_load(workflow)
    apply = data["jobs"]["apply"]
    assert apply["concurrency"] == {"group": "ivr-ci-promote-prod", "cancel-in-progress": False}
    assert apply["steps"][1]["with"]["plan-hash"] == "${{ needs.plan-on-merge.outputs.plan-hash }}"
    for job in data["jobs"].values():
        for step in job["steps"]:
            assert "${{" not in step.get("run", "")
    exe = shutil.which("zizmor")
    if exe:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:  # zizmor wants a .github/workflows layout
            path = os.path.join(tmp, ".github", "workflows")
            os.makedirs(path)
            with open(os.path.join(path, "ivr.yml"), "w") as fh:
                fh.write(workflow)
            r = subprocess.run([exe, "--offline", "--no-progress", os.path.join(path, "ivr.yml")],
                               capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr


def test_offline_checks_run_for_the_environment_and_catch_what_only_rendering_breaks(tmp_path):
    from ivr_ci.promote.session import prepare

    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "ivr01.yaml").write_text(ivr_flow(1, "v1", module=False).replace(
        "  description: Line 1", "  description: {{desc}}"))
    (tmp_path / ".ivr-ci.yaml").write_text(
        "flows: [flows]\nenvironments:\n  dev:\n    region: mypurecloud.ie\n    client_id_env: A\n"
        "    client_secret_env: B\n    substitutions: {prefix: 'DEV ', queue: Support, desc: 'Sales: EMEA'}\n")
    session = prepare(load_config(str(tmp_path / ".ivr-ci.yaml")), "dev", [], [])
    rules = {(f.rule_id, f.line) for f in session.findings}
    assert ("IVR001", 3) in rules  # `description: Sales: EMEA` is not YAML once substituted
    assert not any(f.rule_id == "IVR402" for f in session.findings)  # every value is used
