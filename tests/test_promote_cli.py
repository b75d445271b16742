"""`ivr-ci promote` as users and CI run it: exit codes, outputs, windows, requires:, notify,
SIGTERM mid-run (a real subprocess), and the composite action."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ivr_ci.cli import main
from ivr_ci.promote.ledger import read_ledger
from tests import promote_helpers as H
from tests.action_harness import run_action
from tests.conftest import REPO

OLD = H.release_files(2, "v1")
NEW = H.release_files(2, "v2")


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in H.ENV_VARS.items():
        monkeypatch.setenv(k, v)
    for k in ("IVR_CI_API_BASE", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "GITHUB_SHA"):
        monkeypatch.delenv(k, raising=False)


def _project(tmp_path, emulator_factory, env_extra: str = "", **settings):
    emu = emulator_factory(seed=H.seed(H.rendered(OLD), **settings))
    config = H.write_project(tmp_path, NEW, emu.base_url, env_extra=env_extra)
    return emu, config, H.OrgReader(emu.base_url)


def _cli(config, *args: str) -> int:
    return main(["promote", "--config", str(config), "--env", "dev", "--poll-interval", "0.02", *args])


def test_plan_sets_outputs_and_summary_then_apply_with_that_hash(tmp_path, emulator_factory, monkeypatch, capsys):
    emu, config, reader = _project(tmp_path, emulator_factory)
    out, summary = tmp_path / "out.txt", tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_OUTPUT", str(out))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert _cli(config, "--plan", "--format", "json", "--markdown-file", str(tmp_path / "plan.md")) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["summary"] == {"create": 0, "update": 3, "unchanged": 0, "locked": 0, "errors": 0}
    assert "plan-hash<<" in out.read_text() and plan["planHash"] in out.read_text()
    md = (tmp_path / "plan.md").read_text()
    assert plan["planHash"] in md and "| 1 |" in md and "DEV Common Greeting" in md
    assert "ivr-ci promote plan" in summary.read_text()

    assert _cli(config, "--apply", "--plan-hash", "0" * 64) == 1  # a stale hash: refused
    assert "plan changed since it was reviewed" in capsys.readouterr().err
    assert H.org_state(reader, H.rendered(OLD), H.rendered(NEW)) == "old"
    assert _cli(config, "--apply", "--plan-hash", plan["planHash"]) == 0
    assert H.org_state(reader, H.rendered(OLD), H.rendered(NEW)) == "new"
    entry = json.loads(out.read_text().split("ledger-entry<<")[1].split("\n")[1])
    assert entry["outcome"] == "success" and entry["planHash"] == plan["planHash"]


def test_render_errors_stop_before_any_request_with_file_and_line(tmp_path, emulator_factory, capsys):
    emu, config, reader = _project(tmp_path, emulator_factory)
    bad = tmp_path / "flows" / "ivr01.yaml"
    bad.write_text(bad.read_text().replace("{{queue}}", "{{queue_name}}"))
    emu.recorder.clear()
    assert _cli(config, "--plan") == 1
    err = capsys.readouterr().err
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1) if "queue_name" in t)
    assert f"ivr01.yaml:{line}:" in err and "unknown substitution key 'queue_name'" in err
    assert "Traceback" not in err and emu.exchanges == []


def test_bad_environment_config_is_exit_2_with_line(tmp_path, emulator_factory, capsys):
    emu, config, reader = _project(tmp_path, emulator_factory,
                                   env_extra="    window: {timezone: Mars/Olympus, slots: [{days: [mon], "
                                             "start: '01:00', end: '02:00'}]}\n")
    assert _cli(config, "--plan") == 2
    err = capsys.readouterr().err
    assert "unknown time zone 'Mars/Olympus'" in err and ".ivr-ci.yaml:" in err


def _closed_window() -> str:
    """A one-hour window that is certainly not open now (UTC)."""
    now = datetime.now(timezone.utc) + timedelta(hours=3)
    day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][now.weekday()]
    return (f"    window: {{timezone: UTC, slots: [{{days: [{day}], start: '{now:%H}:00', "
            f"end: '{(now + timedelta(hours=1)):%H}:00'}}]}}\n")


def test_maintenance_window_refuses_unless_overridden_and_the_reason_is_recorded(tmp_path, emulator_factory,
                                                                                 capsys):
    emu, config, reader = _project(tmp_path, emulator_factory, env_extra=_closed_window())
    assert _cli(config, "--apply") == 1
    assert "outside its maintenance window" in capsys.readouterr().err
    assert H.org_state(reader, H.rendered(OLD), H.rendered(NEW)) == "old"
    assert _cli(config, "--apply", "--override-window", "INC-42 outage fix") == 0
    assert read_ledger(str(tmp_path / "ledger.jsonl"))[-1]["windowOverride"] == "INC-42 outage fix"


def test_requires_checks_the_ledger_for_the_same_release(tmp_path, emulator_factory, capsys):
    dev = emulator_factory(seed=H.seed(H.rendered(OLD)))
    prod = emulator_factory(seed=H.seed(H.rendered(OLD)))
    extra = (f"  prod:\n    api_base: {prod.base_url}\n    client_id_env: PT_CLIENT_ID\n"
             "    client_secret_env: PT_CLIENT_SECRET\n    rate_limit: 6000\n    requires: dev\n"
             "    substitutions: {prefix: \"DEV \", queue: Support}\n")
    config = H.write_project(tmp_path, NEW, dev.base_url, env_extra=extra)
    args = ["promote", "--config", str(config), "--poll-interval", "0.02", "--apply"]
    assert main([*args, "--env", "prod"]) == 1
    assert "requires this release to be deployed to 'dev' first" in capsys.readouterr().err
    assert main([*args, "--env", "dev"]) == 0
    assert main([*args, "--env", "prod"]) == 0
    # a new commit is a new release: prod waits for dev again
    (tmp_path / "flows" / "ivr01.yaml").write_text(H.ivr_flow(1, "v3"))
    assert main([*args, "--env", "prod"]) == 1


class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []
    fail_first = 0

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if _Hook.fail_first > 0:
            _Hook.fail_first -= 1
            self.send_response(503)
        else:
            _Hook.received.append(body)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_notify_after_success_retries_and_never_fails_the_deploy(tmp_path, emulator_factory, capsys, monkeypatch):
    monkeypatch.setattr("ivr_ci.promote.notify.BACKOFF", 0.01)
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    _Hook.received, _Hook.fail_first = [], 1
    try:
        url = f"http://127.0.0.1:{hook.server_address[1]}/change?token=s3cret"
        emu, config, reader = _project(tmp_path, emulator_factory, env_extra=f"    notify: {url}\n")
        assert _cli(config, "--apply") == 0
        (payload,) = _Hook.received
        assert payload["outcome"] == "success" and payload["environment"] == "dev"
        assert len(payload["flows"]) == 3 and payload["event"] == "ivr-ci.deploy"
        err = capsys.readouterr().err
        assert "notified" in err and "s3cret" not in err
    finally:
        hook.shutdown()
        hook.server_close()
    # webhook down: still a successful deploy, with the failure reported
    (tmp_path / "flows" / "ivr01.yaml").write_text(H.ivr_flow(1, "v3"))
    assert _cli(config, "--apply") == 0
    assert "notification to" in capsys.readouterr().err


def test_sigterm_mid_run_rolls_back_and_rerun_converges(tmp_path, emulator_factory):
    emu, config, reader = _project(tmp_path, emulator_factory, jobLatencyMs=600)
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "ivr_ci", "promote", "--config", str(config), "--env", "dev", "--apply",
           "--poll-interval", "0.05", "--concurrency", "1"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    assert proc.stderr is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # SIGTERM once one flow is out and the next job is in flight
        line = proc.stderr.readline()
        lines.append(line)
        if "[2/3]" in line and "uploading" in line:
            proc.send_signal(signal.SIGTERM)
            break
    out, err = proc.communicate(timeout=120)
    text = "".join(lines) + err
    assert proc.returncode == 1, text
    assert "SIGTERM received" in text and "rolling back" in text and "Traceback" not in text
    entry = read_ledger(str(tmp_path / "ledger.jsonl"))[-1]
    assert entry["outcome"] == "rolled-back" and entry["rollback"]["verified"] is True
    assert {f["status"] for f in entry["flows"]} >= {"rolled-back", "skipped"}
    assert H.org_state(reader, H.rendered(OLD), H.rendered(NEW)) == "old"
    assert not [n for n in os.listdir(tmp_path / "locks") if n.endswith(".lock")]  # released
    assert _cli(config, "--apply") == 0
    assert H.org_state(reader, H.rendered(OLD), H.rendered(NEW)) == "new"


def test_a_second_promote_waits_for_the_lock_holder(tmp_path, emulator_factory, capsys):
    from ivr_ci.promote.lock import acquire

    emu, config, reader = _project(tmp_path, emulator_factory)
    with acquire(str(tmp_path / "locks"), "dev", "other-run", ttl=60, info={"actor": "alice"}):
        assert _cli(config, "--apply") == 1
        assert "another promote to 'dev' is running: run other-run by alice" in capsys.readouterr().err
    assert H.org_state(reader, H.rendered(OLD), H.rendered(NEW)) == "old"
    assert _cli(config, "--apply") == 0


def test_composite_action_plan_then_apply(tmp_path, emulator_factory, fake_github):
    emu, config, reader = _project(tmp_path, emulator_factory)
    fake_github.add_token("ghs_harnessToken", "github-actions[bot]", "Bot")
    secrets = {"client-id": H.CLIENT[0], "client-secret": H.CLIENT[1]}
    env = {k: "" for k in H.ENV_VARS}  # credentials only through the inputs
    plan = run_action(REPO / "entrypoints" / "promote", inputs={"environment": "dev", **secrets},
                      workspace=tmp_path, env=env, github_api_url=fake_github.base_url)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert len(plan.outputs["plan-hash"]) == 64
    assert json.loads(plan.outputs["changed-flows"]) == ["DEV Common Greeting", "DEV IVR 01", "DEV IVR 02"]
    assert f"::add-mask::{H.CLIENT[1]}" in plan.stdout and H.CLIENT[1] not in plan.summary
    comments = [c for c in fake_github.comments(7) if "ivr-ci promote plan" in c["body"]]
    assert len(comments) == 1 and plan.outputs["plan-hash"] in comments[0]["body"]

    apply = run_action(REPO / "entrypoints" / "promote", workspace=tmp_path, env=env,
                       inputs={"environment": "dev", "mode": "apply", "plan-hash": plan.outputs["plan-hash"],
                               **secrets}, github_api_url=fake_github.base_url, event_name="push")
    assert apply.returncode == 0, apply.stdout + apply.stderr
    assert json.loads(apply.outputs["ledger-entry"])["outcome"] == "success"
    assert "DEV IVR 02" in apply.summary
    assert H.org_state(reader, H.rendered(OLD), H.rendered(NEW)) == "new"


def test_validate_flow_online_lists_every_missing_object_at_its_line(tmp_path, emulator_factory, capsys):
    emu, config, reader = _project(tmp_path, emulator_factory)
    flow = tmp_path / "flows" / "ivr02.yaml"
    flow.write_text(flow.read_text().replace('"{{queue}}"', "Nowhere").replace(
        "tts: Press 1 for support.", "exp: ToAudio(Prompt.Missing_Prompt)"))
    code = main(["validate-flow", "--config", str(config), "--env", "dev", "--online", "--format", "json",
                 str(tmp_path / "flows")])
    found = json.loads(capsys.readouterr().out)["findings"]
    online = [f for f in found if f["rule"] == "promote-preflight"]
    lines = flow.read_text().splitlines()
    assert code == 1
    assert {(f["path"].rsplit("/", 1)[-1], f["line"]) for f in online if f["severity"] == "error"} == {
        ("ivr02.yaml", next(i for i, t in enumerate(lines, 1) if "ToAudio(Prompt.Missing" in t)),
        ("ivr02.yaml", next(i for i, t in enumerate(lines, 1) if "Nowhere" in t) - 2)}
    assert main(["validate-flow", "--config", str(config), "--online"]) == 2
    assert "--online needs --env" in capsys.readouterr().err
