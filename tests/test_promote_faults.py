"""Every fault the emulator can inject, at each step of an apply: afterwards the org's published
flows are all-new or all-previous (checked by exporting them), never a mix; the ledger says
which; and re-running the apply converges on the new release."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from ivr_ci.promote.ledger import read_ledger
from tests import promote_helpers as H

OLD = {k: v for k, v in H.release_files(3, "v1").items()}
NEW = {**H.release_files(3, "v2"), **{"ivr04.yaml": H.ivr_flow(4, "v2")}}  # 4 updates + 1 create


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in H.ENV_VARS.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("IVR_CI_API_BASE", raising=False)


@pytest.fixture
def org(tmp_path, emulator_factory):
    emu = emulator_factory(seed=H.seed(H.rendered(OLD)))
    runner = H.Runner(H.write_project(tmp_path, NEW, emu.base_url), emu.base_url)
    return runner, H.OrgReader(emu.base_url), tmp_path


def _after_published(reader: H.OrgReader, count: int, action: Callable[[], None]) -> Callable[..., None]:
    """A progress hook: run `action` once `count` flows have published; clear every fault as
    soon as the release fails, so the rollback runs against a healthy org."""
    seen = {"published": 0, "fired": False}
    lock = threading.Lock()

    def hook(label: str, stage: str, detail: str) -> None:
        with lock:
            if stage == "published" and not label.startswith("release"):
                seen["published"] += 1
                if seen["published"] == count and not seen["fired"]:
                    seen["fired"] = True
                    action()
            if label == "release" and stage == "failed":
                reader.clear_faults()

    return hook


def _fault(reader: H.OrgReader, **spec: Any) -> Callable[[], None]:
    return lambda: reader.admin("faults", spec)


def _check(result, reader, expected: str, tmp_path) -> None:
    fired = sum(f["fired"] for f in reader.s.get(f"{reader.base}/__admin/faults").json()["faults"])
    reader.clear_faults()  # the reader must see the org, not the faults
    result.fired = fired
    state = H.org_state(reader, H.rendered(OLD), H.rendered(NEW))
    assert state == expected, result.entry.summary
    entry = read_ledger(str(tmp_path / "ledger.jsonl"))[-1]
    if expected == "new":
        assert result.ok and entry["outcome"] == "success"
    else:
        assert not result.ok and entry["outcome"] == "rolled-back", entry["summary"]
        assert entry["rollback"]["verified"] is True
        # the flow this run would have created is gone again, the others were restored
        actions = {r["name"]: r["action"] for r in entry["rollback"]["flows"]}
        assert all(a == ("deleted" if n == "DEV IVR 04" else "restored") for n, a in actions.items())


def _rerun_converges(runner: H.Runner, reader: H.OrgReader, **opts: Any) -> None:
    reader.clear_faults()
    again = runner.apply(**opts)
    assert again.ok, again.entry.summary
    assert H.org_state(reader, H.rendered(OLD), H.rendered(NEW)) == "new"


# ---- faults the client absorbs: the deploy succeeds ------------------------------------------
@pytest.mark.parametrize("spec", [
    pytest.param({"kind": "throttle", "path": "/api/v2/*", "rate": 0.4, "times": 25, "retryAfter": 0},
                 id="429-storm"),
    pytest.param({"kind": "error", "status": 503, "path": "/api/v2/flows/jobs*", "rate": 0.3, "times": 4},
                 id="transient-5xx-on-jobs"),
    pytest.param({"kind": "reset", "path": "/api/v2/flows/jobs/*", "method": "GET", "nth": 2, "times": 1},
                 id="connection-reset-on-poll"),
    pytest.param({"kind": "reset", "path": "/__upload/*", "nth": 2, "times": 1}, id="connection-reset-on-upload"),
    pytest.param({"kind": "error", "status": 500, "path": "/__upload/*", "nth": 3, "times": 1},
                 id="transient-5xx-on-upload"),
    pytest.param({"kind": "error", "status": 503, "path": "/api/v2/flows/export/jobs*", "nth": 1, "times": 2},
                 id="transient-5xx-on-export"),
    pytest.param({"kind": "token_expiry", "path": "/api/v2/flows/jobs*", "nth": 4}, id="token-expiry-mid-run"),
])
def test_transient_faults_are_absorbed(org, spec):
    runner, reader, tmp_path = org
    reader.admin("faults", spec)
    result = runner.apply(workers=2)
    _check(result, reader, "new", tmp_path)
    assert result.fired >= 1


def test_token_expiry_refreshes_the_token(org):
    runner, reader, tmp_path = org
    reader.admin("faults", {"kind": "token_expiry", "path": "/api/v2/flows/jobs*", "nth": 3})
    result = runner.apply(workers=2)
    _check(result, reader, "new", tmp_path)
    assert result.entry.api["unauthorized_refreshes"] >= 1


# ---- faults that fail the deploy mid-way: everything is rolled back ----------------------------
MID_RUN = {
    "5xx-on-register": {"kind": "error", "status": 503, "path": "/api/v2/flows/jobs", "method": "POST",
                        "always": True},
    "5xx-on-upload": {"kind": "error", "status": 500, "path": "/__upload/*", "always": True},
    "5xx-on-poll": {"kind": "error", "status": 503, "path": "/api/v2/flows/jobs/*", "method": "GET", "always": True},
    "reset-on-upload": {"kind": "reset", "path": "/__upload/*", "always": True},
    "429-beyond-budget": {"kind": "throttle", "path": "/api/v2/flows/jobs", "method": "POST", "always": True,
                          "retryAfter": 4},
}


@pytest.mark.parametrize("name", list(MID_RUN))
def test_fault_mid_run_rolls_everything_back(org, name):
    runner, reader, tmp_path = org
    hook = _after_published(reader, 2, _fault(reader, **MID_RUN[name]))
    result = runner.apply(workers=2, hook=hook)
    _check(result, reader, "old", tmp_path)
    _rerun_converges(runner, reader)


def test_5xx_on_verification_export_rolls_back(org):
    runner, reader, tmp_path = org
    spec = {"kind": "error", "status": 500, "path": "/api/v2/flows/export/jobs", "method": "POST", "always": True}
    hook = _after_published(reader, 5, _fault(reader, **spec))  # all published; verification fails
    result = runner.apply(workers=2, hook=hook)
    _check(result, reader, "old", tmp_path)
    assert "verification failed" in result.entry.summary
    _rerun_converges(runner, reader)


@pytest.mark.parametrize("k", [1, 3, 5])
def test_job_failure_on_kth_of_n(org, k):
    runner, reader, tmp_path = org
    reader.admin("faults", {"kind": "job_failure", "nth": k, "message": "Archy failed: injected (exit code: 1)"})
    result = runner.apply(workers=2)
    _check(result, reader, "old", tmp_path)
    failed = [f for f in result.entry.flows if f.status == "failed"]
    assert len(failed) == 1 and "import job" in (failed[0].error or "")
    _rerun_converges(runner, reader)


def test_lock_by_a_user_mid_run_fails_and_is_never_unlocked_silently(org):
    runner, reader, tmp_path = org
    # the module deploys first; lock the last IVR once two flows are out
    hook = _after_published(reader, 2, lambda: reader.admin("lock", {"flow": "DEV IVR 03", "user": "Jane Doe"}))
    result = runner.apply(workers=1, hook=hook)
    _check(result, reader, "old", tmp_path)
    locked = {f["name"]: f.get("lockedUser", {}).get("name") for f in reader.flows()}
    assert locked["DEV IVR 03"] == "Jane Doe"
    with pytest.raises(Exception, match="locked by user Jane Doe"):
        runner.apply()
    _rerun_converges(runner, reader, force_unlock=True)


def test_stop_signal_mid_run_rolls_back(org):
    runner, reader, tmp_path = org
    stop = threading.Event()
    hook = _after_published(reader, 2, stop.set)
    result = runner.apply(workers=1, hook=hook, stop=stop)
    _check(result, reader, "old", tmp_path)
    assert "interrupted" in result.entry.summary
    assert any(f.status == "skipped" for f in result.entry.flows)
    _rerun_converges(runner, reader)


def test_rollback_that_cannot_complete_is_reported_not_hidden(org):
    """A fault that outlives the deploy (the API stays down): the entry says rollback-failed."""
    runner, reader, tmp_path = org
    spec = {"kind": "error", "status": 503, "path": "/api/v2/flows/jobs*", "always": True}
    seen = {"n": 0}

    def hook(label: str, stage: str, detail: str) -> None:
        if stage == "published" and label != "release":
            seen["n"] += 1
            if seen["n"] == 2:
                reader.admin("faults", spec)

    result = runner.apply(workers=1, hook=hook)
    assert not result.ok and result.entry.outcome == "rollback-failed"
    assert "ROLLBACK INCOMPLETE" in result.entry.summary
    assert any(not r.ok for r in result.entry.rollback)
    _rerun_converges(runner, reader)
