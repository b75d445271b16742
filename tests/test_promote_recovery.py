"""`promote` survives its own death: a real `ivr-ci promote --apply` process is SIGKILLed at a
deterministic point (an emulator fault holds the request that marks the point; the test kills
once the emulator saw it), then `--recover` or a plain `--apply` must bring every flow to one
release, read back through the API, with the interrupted run in the ledger."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
import requests

from ivr_ci.cli import main
from ivr_ci.promote import journal as J
from ivr_ci.promote.ledger import read_ledger
from tests import promote_helpers as H
from tests.conftest import REPO

OLD = H.release_files(3, "v1")
NEW = {**H.release_files(3, "v2"), "ivr04.yaml": H.ivr_flow(4, "v2")}  # 4 updates + 1 create
HOLD_MS = 20000  # a held request never returns before the kill (the test kills within milliseconds)


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in H.ENV_VARS.items():
        monkeypatch.setenv(k, v)
    for k in ("IVR_CI_API_BASE", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "GITHUB_SHA"):
        monkeypatch.delenv(k, raising=False)


def _hold(reader: H.OrgReader, path: str, method: str, nth: int) -> None:
    """The nth matching request is held (latency) and then dropped (reset): it never happens."""
    for kind in ("latency", "reset"):
        reader.admin("faults", {"kind": kind, "path": path, "method": method, "nth": nth, "times": 1,
                                **({"ms": HOLD_MS} if kind == "latency" else {})})


def _fired(reader: H.OrgReader) -> bool:
    faults = requests.get(f"{reader.base}/__admin/faults", timeout=10).json()["faults"]
    return any(f["kind"] == "latency" and f["fired"] for f in faults)


class Apply:
    """A real `ivr-ci promote --apply` process; stderr collected line by line."""

    def __init__(self, config: Any, cwd: Any) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        cmd = [sys.executable, "-m", "ivr_ci", "promote", "--config", str(config), "--env", "dev", "--apply",
               "--poll-interval", "0.02", "--concurrency", "1"]
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def kill_when(self, ready: Any, what: str) -> None:
        deadline = time.monotonic() + 60
        while not ready():
            assert self.proc.poll() is None, f"promote ended before {what}:\n{''.join(self.lines)}"
            assert time.monotonic() < deadline, f"never reached {what}:\n{''.join(self.lines)}"
            time.sleep(0.005)
        self.proc.send_signal(signal.SIGKILL)
        assert self.proc.wait(timeout=30) == -signal.SIGKILL


def _kill_after_first_publish(reader: H.OrgReader, proc: Apply) -> None:
    # callee first: the module publishes, then the next import job's registration is held
    proc.kill_when(lambda: _fired(reader), "the second import job")


def _kill_during_import_job(reader: H.OrgReader, proc: Apply) -> None:
    # jobs take 3 s (jobLatencyMs): the second flow's job is uploaded and Started when polled
    proc.kill_when(lambda: any("[2/5]" in ln and "importing" in ln for ln in proc.lines), "the second job")


def _kill_during_rollback(reader: H.OrgReader, proc: Apply) -> None:
    # the third job fails -> rollback (callers first); the second restore's registration is held
    proc.kill_when(lambda: _fired(reader), "the second restore")


KILL_POINTS = {
    "after-first-publish": (lambda r: _hold(r, "/api/v2/flows/jobs", "POST", 2), _kill_after_first_publish, {}),
    "during-import-job": (lambda r: None, _kill_during_import_job, {"jobLatencyMs": 3000}),
    "during-rollback": (lambda r: (r.admin("faults", {"kind": "job_failure", "nth": 3}),
                                   _hold(r, "/api/v2/flows/jobs", "POST", 5)), _kill_during_rollback, {}),
}


def _states(reader: H.OrgReader) -> dict[str, str]:
    """Each flow of the release: 'old', 'new' or 'absent' (read back through the API)."""
    now = reader.published()
    old, new = H.rendered(OLD), H.rendered(NEW)
    out = {}
    for name in new:
        if name not in now:
            out[name] = "absent"
        elif H.same_flow(now[name], new[name]):
            out[name] = "new"
        else:
            out[name] = "old" if name in old and H.same_flow(now[name], old[name]) else "other"
    return out


@pytest.fixture
def webhook() -> Any:
    from tests.test_promote_notify import Webhook

    hook = Webhook()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


@pytest.fixture
def killed(request, tmp_path, emulator_factory, webhook):
    """A promote killed at the point named by the test's parameter; returns the context."""
    arm, kill, settings = KILL_POINTS[request.param]
    emu = emulator_factory(seed=H.seed(H.rendered(OLD), **settings))
    reader = H.OrgReader(emu.base_url)
    config = H.write_project(tmp_path, NEW, emu.base_url, env_extra=f"    notify: {webhook.url}\n")
    arm(reader)
    proc = Apply(config, tmp_path)
    kill(reader, proc)
    reader.clear_faults()
    journals = J.open_journals(str(tmp_path / "locks" / "journal"), "dev")
    assert len(journals) == 1, proc.lines
    assert read_ledger(str(tmp_path / "ledger.jsonl")) == []  # the run died before writing its entry
    return emu, reader, config, journals[0], proc


def _cli(config: Any, *args: str) -> int:
    return main(["promote", "--config", str(config), "--env", "dev", "--poll-interval", "0.02", *args])


def _half_deployed(reader: H.OrgReader, journal: J.Journal) -> None:
    states = _states(reader)
    # the module always published before the kill; a job may still be finishing server-side
    assert states["DEV Common Greeting"] == "new", states
    assert any(e["event"] == "published" for e in journal.events)


@pytest.mark.parametrize("killed", list(KILL_POINTS), indirect=True)
def test_kill_then_plan_warns_and_recover_restores_every_flow(killed, capsys):
    emu, reader, config, journal, proc = killed
    _half_deployed(reader, journal)

    assert _cli(config, "--plan", "--format", "json") == 1  # never a normal plan over a half-deployed org
    captured = capsys.readouterr()
    plan = json.loads(captured.out)
    assert [r["runId"] for r in plan["interruptedRuns"]] == [journal.run_id]
    assert "DID NOT FINISH" in captured.err and journal.run_id in captured.err
    assert "DEV Common Greeting (commonModule): NEW release" in captured.err
    assert "--recover" in captured.err

    assert _cli(config, "--recover") == 0
    err = capsys.readouterr().err
    assert "broke the stale deploy lock of run " + journal.run_id in err and "is gone" in err
    assert set(_states(reader).values()) <= {"old", "absent"}
    assert _states(reader)["DEV IVR 04"] == "absent"  # the flow the run created is gone again
    (entry,) = read_ledger(str(tmp_path_of(config) / "ledger.jsonl"))
    assert entry["runId"] == journal.run_id and entry["outcome"] == "interrupted"
    assert entry["recoveredBy"] and entry["rollback"]["verified"] is True
    assert entry["brokeStaleLock"]["runId"] == journal.run_id
    assert J.open_journals(str(tmp_path_of(config) / "locks" / "journal"), "dev") == []

    assert _cli(config, "--recover") == 0  # idempotent: nothing left to do
    assert "nothing to recover" in capsys.readouterr().err
    assert _cli(config, "--apply") == 0
    assert set(_states(reader).values()) == {"new"}


@pytest.mark.parametrize("killed", list(KILL_POINTS), indirect=True)
def test_kill_then_plain_apply_recovers_first_then_applies(killed, webhook, capsys):
    emu, reader, config, journal, proc = killed
    assert _cli(config, "--apply") == 0
    err = capsys.readouterr().err
    assert "DID NOT FINISH" in err and journal.run_id in err and "recovers it first" in err
    assert f"recovered run {journal.run_id}" in err
    assert set(_states(reader).values()) == {"new"}
    first, second = read_ledger(str(tmp_path_of(config) / "ledger.jsonl"))
    assert (first["runId"], first["outcome"]) == (journal.run_id, "interrupted")
    assert second["outcome"] == "success" and first["recoveredBy"] == second["runId"]
    # change management heard of both: the interrupted run (once recovered) and the new deploy
    assert [p["outcome"] for p in webhook.received] == ["interrupted", "success"]
    assert first["notification"]["delivered"] is True


def tmp_path_of(config: Any) -> Any:
    return config.parent


def test_rollback_that_fails_once_is_reported_with_its_cause_and_retried(tmp_path, emulator_factory, capsys):
    """503 on every import job once two flows are out: the deploy fails and so does its rollback.
    The output keeps the restores' own HTTP error, lists every flow's version and what it should
    be, names the retry command; the retry (--recover) restores everything."""
    emu = emulator_factory(seed=H.seed(H.rendered(OLD)))
    reader = H.OrgReader(emu.base_url)
    config = H.write_project(tmp_path, NEW, emu.base_url)
    runner = H.Runner(config, emu.base_url)
    seen = {"n": 0}

    def hook(label: str, stage: str, detail: str) -> None:
        if stage == "published" and label != "release":
            seen["n"] += 1
            if seen["n"] == 2:
                reader.admin("faults", {"kind": "error", "status": 503, "path": "/api/v2/flows/jobs", "method": "POST",
                                        "always": True})

    result = runner.apply(workers=1, hook=hook)
    assert result.entry.outcome == "rollback-failed"
    report = runner.output.getvalue()
    restored = [r for r in result.entry.rollback if r.action == "restored"]
    # each flow keeps its own first error: the restore's HTTP 503, or why it was not attempted
    assert restored and all("503" in (r.error or "") or "not attempted" in (r.error or "") for r in restored), \
        [r.error for r in restored]
    assert any("503" in (r.error or "") for r in restored)
    assert not any((r.error or "").startswith("published configuration differs") for r in restored)
    assert all(r.published_version and r.expected for r in restored)
    for r in restored:
        assert f"{r.name} ({r.type}): NOT RESTORED; published now: {r.published_version}" in report
    assert "ivr-ci promote --env dev --recover" in report
    (entry,) = read_ledger(str(tmp_path / "ledger.jsonl"))
    assert entry["outcome"] == "rollback-failed"
    assert any("503" in f["error"] for f in entry["rollback"]["flows"])

    reader.clear_faults()  # the API is back
    assert _cli(config, "--plan") == 1
    assert "its ROLLBACK FAILED" in capsys.readouterr().err
    assert _cli(config, "--recover") == 0
    assert set(_states(reader).values()) <= {"old", "absent"}
    last = read_ledger(str(tmp_path / "ledger.jsonl"))[-1]
    assert last["outcome"] == "rolled-back" and last["recovers"] == result.entry.run_id
    assert _cli(config, "--recover") == 0 and "nothing to recover" in capsys.readouterr().err
    assert _cli(config, "--apply") == 0
    assert set(_states(reader).values()) == {"new"}


def test_failed_rollback_then_plain_apply_recovers_and_applies(tmp_path, emulator_factory, capsys):
    emu = emulator_factory(seed=H.seed(H.rendered(OLD)))
    reader = H.OrgReader(emu.base_url)
    config = H.write_project(tmp_path, NEW, emu.base_url)
    runner = H.Runner(config, emu.base_url)
    spec = {"kind": "error", "status": 503, "path": "/api/v2/flows/jobs", "method": "POST", "always": True}
    published = {"n": 0}

    def hook(label: str, stage: str, detail: str) -> None:
        if stage == "published" and label != "release":
            published["n"] += 1
            if published["n"] == 2:
                reader.admin("faults", spec)

    assert runner.apply(workers=1, hook=hook).entry.outcome == "rollback-failed"
    reader.clear_faults()
    assert _cli(config, "--apply") == 0
    assert "recovers it first" in capsys.readouterr().err
    assert set(_states(reader).values()) == {"new"}
    outcomes = [e["outcome"] for e in read_ledger(str(tmp_path / "ledger.jsonl"))]
    assert outcomes == ["rollback-failed", "rolled-back", "success"]
