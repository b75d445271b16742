"""promote plan/apply against the emulator: happy paths, no-op, ordering, locks, refusals."""

from __future__ import annotations

import io
import json
import threading

import pytest

from ivr_ci.promote.apply import ApplyOptions, Refused, apply_release
from ivr_ci.promote.ledger import read_ledger
from ivr_ci.promote.overlay import load_overlay
from ivr_ci.promote.planner import compute_plan
from ivr_ci.promote.poller import AdaptivePoller
from tests.promote_helpers import (
    CLIENT,
    ENV_VARS,
    OrgReader,
    Runner,
    ivr_flow,
    org_state,
    release_files,
    rendered,
    seed,
    write_project,
)


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in ENV_VARS.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("GITHUB_SHA", raising=False)
    monkeypatch.delenv("IVR_CI_API_BASE", raising=False)


def _setup(tmp_path, emulator_factory, old: dict[str, str], new: dict[str, str], **settings):
    emu = emulator_factory(seed=seed(rendered(old), **settings))
    config = write_project(tmp_path, new, emu.base_url)
    return emu, Runner(config, emu.base_url), OrgReader(emu.base_url)


def test_one_flow_happy_path_then_noop(tmp_path, emulator_factory):
    old = {"ivr01.yaml": ivr_flow(1, "v1", module=False)}
    new = {"ivr01.yaml": ivr_flow(1, "v2", module=False)}
    emu, runner, reader = _setup(tmp_path, emulator_factory, old, new)
    before = {f["name"]: f["publishedVersion"]["id"] for f in reader.flows()}

    result = runner.apply()

    assert result.ok and result.entry.outcome == "success"
    assert org_state(reader, rendered(old), rendered(new)) == "new"
    (rec,) = result.entry.flows
    assert rec.previous_version == before["DEV IVR 01"] and rec.new_version not in (None, rec.previous_version)
    stages = [s for label, s, _ in runner.events if label == "DEV IVR 01 (inboundCall)"]
    assert stages[:3] == ["queued", "uploading", "importing"] and stages[-1] == "published"

    versions = {f["name"]: f["publishedVersion"]["id"] for f in reader.flows()}
    again = runner.apply()  # no-op: nothing is published, the ledger says so
    assert again.ok and again.entry.outcome == "unchanged" and not again.plan.changed
    assert {f["name"]: f["publishedVersion"]["id"] for f in reader.flows()} == versions
    entries = read_ledger(str(tmp_path / "ledger.jsonl"))
    assert [e["outcome"] for e in entries] == ["success", "unchanged"]
    # the deploying OAuth client is recorded (audit-report matches audit events on it), never its secret
    assert entries[0]["clientId"] == CLIENT[0]
    assert "secret" not in (tmp_path / "ledger.jsonl").read_text()


def test_twenty_flows_created_and_updated_callee_first(tmp_path, emulator_factory):
    old = {k: v for k, v in release_files(20, "v1").items() if k < "ivr11" or k == "module.yaml"}  # 10 IVRs + module
    new = release_files(20, "v2")
    emu, runner, reader = _setup(tmp_path, emulator_factory, old, new)

    plan = runner.plan()
    assert {f.action for f in plan.flows} == {"update", "create"}
    assert sum(f.action == "create" for f in plan.flows) == 10
    module = next(f for f in plan.flows if f.type == "commonModule")
    assert module.order == 1 and all(f.order > 1 for f in plan.flows if f is not module)
    assert all("DEV Common Greeting (commonModule)" in f.depends_on for f in plan.flows if f is not module)

    result = runner.apply(workers=6)
    assert result.ok, result.entry.summary
    assert org_state(reader, rendered(old), rendered(new)) == "new"
    # the module was published before any caller's upload started
    order = [(label, s) for label, s, _ in runner.events]
    module_done = order.index(("DEV Common Greeting (commonModule)", "published"))
    first_caller = min(i for i, (label, s) in enumerate(order) if s == "uploading" and "IVR" in label)
    assert module_done < first_caller
    assert result.entry.api["requests"] < 8 * len(new)  # batched listings/exports, adaptive polls


def test_plan_reports_missing_objects_with_positions_and_empty_queues(tmp_path, emulator_factory):
    bad = ivr_flow(1, "v1", module=False).replace('name: "{{queue}}"', 'name: "Nowhere"')
    bad = bad.replace("  settingsErrorHandling:", """  tasks:
    - task:
        name: Extra
        refId: Extra_1
        actions:
          - transferToAcd:
              name: Empty queue
              targetQueue:
                lit:
                  name: Empty
          - playAudio:
              name: Prompt
              audio:
                exp: ToAudio(Prompt.NoSuchPrompt)
  settingsErrorHandling:""")
    emu, runner, reader = _setup(tmp_path, emulator_factory, {}, {"ivr01.yaml": bad})
    plan = runner.plan()
    errors = {(f.line, f.message) for f in plan.errors}
    text = bad.splitlines()
    queue_line = next(i for i, ln in enumerate(text, 1) if "Nowhere" in ln) - 1  # the `lit:` key's line
    assert any("queue 'Nowhere' does not exist" in m for _, m in errors)
    assert any("user prompt 'NoSuchPrompt' does not exist" in m for _, m in errors)
    assert any(line in (queue_line, queue_line - 1, queue_line - 2) for line, m in errors if "Nowhere" in m)
    warnings = [f.message for f in plan.findings if f.severity.value == "warning"]
    assert any("queue 'Empty' has no members" in w for w in warnings)
    with pytest.raises(Refused, match="does not exist"):
        runner.apply()
    assert reader.flows() == []  # refused before any change


def test_plan_hash_pins_the_reviewed_plan(tmp_path, emulator_factory):
    old = {"ivr01.yaml": ivr_flow(1, "v1", module=False)}
    new = {"ivr01.yaml": ivr_flow(1, "v2", module=False)}
    emu, runner, reader = _setup(tmp_path, emulator_factory, old, new)
    reviewed = runner.plan().hash
    assert runner.plan().hash == reviewed  # deterministic
    # someone publishes the flow in Architect after the review: the target version moved
    reader.admin("ui-edit", {"flow": "DEV IVR 01", "user": "Jane Doe", "description": "hotfix"})
    with pytest.raises(Refused, match="plan changed since it was reviewed"):
        runner.apply(plan_hash=reviewed)
    fresh = runner.plan().hash
    assert fresh != reviewed
    assert runner.apply(plan_hash=fresh).ok


def test_locked_flow_is_reported_refused_and_only_force_unlock_discards_it(tmp_path, emulator_factory):
    old = {"ivr01.yaml": ivr_flow(1, "v1", module=False), "ivr02.yaml": ivr_flow(2, "v1", module=False)}
    new = {"ivr01.yaml": ivr_flow(1, "v2", module=False), "ivr02.yaml": ivr_flow(2, "v2", module=False)}
    emu, runner, reader = _setup(tmp_path, emulator_factory, old, new)
    reader.admin("lock", {"flow": "DEV IVR 02", "user": "Jane Doe"})

    plan = runner.plan()
    locked = {f.name: f.lock for f in plan.flows if f.lock}
    assert locked["DEV IVR 02"].kind == "user" and locked["DEV IVR 02"].name == "Jane Doe"
    assert locked["DEV IVR 02"].since  # when the draft was saved
    with pytest.raises(Refused, match="locked by user Jane Doe"):
        runner.apply()
    assert org_state(reader, rendered(old), rendered(new)) == "old"

    result = runner.apply(force_unlock=True)
    assert result.ok
    rec = next(r for r in result.entry.flows if r.name == "DEV IVR 02")
    assert rec.discarded_draft_of and "Jane Doe" in rec.discarded_draft_of
    assert org_state(reader, rendered(old), rendered(new)) == "new"
    assert not any(f.get("lockedUser") for f in reader.flows())


def test_ledger_entries_validate_against_the_schema(tmp_path, emulator_factory):
    import jsonschema

    from ivr_ci.config import load_schema

    old = {"ivr01.yaml": ivr_flow(1, "v1", module=False)}
    new = {"ivr01.yaml": ivr_flow(1, "v2", module=False)}
    emu, runner, reader = _setup(tmp_path, emulator_factory, old, new)
    runner.apply()
    runner.apply()
    schema = load_schema("ledger.schema.json")
    lines = (tmp_path / "ledger.jsonl").read_text().splitlines()
    assert len(lines) == 2
    for line in lines:
        jsonschema.validate(json.loads(line), schema)


def test_menu_overlay_is_checked_online_and_deployed(tmp_path, emulator_factory):
    old = {"ivr01.yaml": ivr_flow(1, "v1", module=False)}
    emu, runner, reader = _setup(tmp_path, emulator_factory, old, old)
    overlay = tmp_path / "holiday.yaml"
    overlay.write_text('flow: "{{prefix}}IVR 01"\nmenu: Main Menu\nchoices:\n'
                       '  5: {prompt: "Holiday hours.", target: {queue: "No Such Queue"}}\n')
    session = runner.session([load_overlay(str(overlay))])
    with runner.client(session) as client:
        plan = compute_plan(client, session.release, git_sha=None)
    assert [f.action for f in plan.flows] == ["update"]  # the overlay is a change
    assert any("queue 'No Such Queue' does not exist" in f.message for f in plan.errors)

    overlay.write_text(overlay.read_text().replace("No Such Queue", "{{queue}}"))
    session = runner.session([load_overlay(str(overlay))])
    with runner.client(session) as client:
        result = apply_release(client, session.release, session.env, session.promotion,
                               ApplyOptions(poller=AdaptivePoller(initial=0.02)), git_sha=None,
                               stop=threading.Event(), stream=io.StringIO())
    assert result.ok
    published = reader.published()["DEV IVR 01"]
    assert "Overlay 5" in published and "digit_5" in published and "Holiday hours." in published
