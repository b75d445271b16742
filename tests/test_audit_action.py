"""entrypoints/audit-report/action.yml, run the way the Actions runner would (tests/action_harness.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr_ci.audit.run import ReportOptions, run_report
from tests.action_harness import lint_action, load_action, run_action
from tests.audit_helpers import build_history
from tests.promote_helpers import CLIENT, ENV_VARS

ACTION = Path(__file__).resolve().parent.parent / "entrypoints" / "audit-report"


def test_action_follows_the_conventions():
    action, _ = load_action(ACTION)
    assert lint_action(action) == []
    uses = [s["uses"] for s in action["runs"]["steps"] if "uses" in s]
    assert uses == ["actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065",
                    "actions/cache@5a3ec84eff668545956fd18022155c47e93e2684"]


@pytest.mark.slow
def test_action_reports_into_the_job_summary_and_fails_on_out_of_band(tmp_path, emulator_factory, monkeypatch):
    for k, v in ENV_VARS.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("IVR_CI_API_BASE", raising=False)
    build_history(tmp_path, emulator_factory)
    monkeypatch.chdir(tmp_path)
    expected = run_report(ReportOptions(env="dev", since="1d", fmt="json", out=str(tmp_path / "expected.json"),
                                        progress=False)).report
    for k in ENV_VARS:  # credentials reach the action only as inputs (from secrets)
        monkeypatch.delenv(k)

    result = run_action(ACTION, {"environment": "dev", "since": "1d", "format": "html", "fail-on": "out-of-band",
                                 "out": "reports/audit.html", "client-id": CLIENT[0], "client-secret": CLIENT[1]},
                        workspace=tmp_path)

    assert result.returncode == 1, result.stderr  # out-of-band changes were found
    assert result.summary.startswith("# Audit report: dev")
    assert f"Out-of-band publishes ({expected.totals.out_of_band_publishes})" in result.summary
    assert result.outputs["out-of-band-publishes"] == str(expected.totals.out_of_band_publishes)
    assert result.outputs["drifted"] == str(len(expected.drift.drifted)) == "2"
    assert result.outputs["report"] == "reports/audit.html"
    assert (tmp_path / "reports" / "audit.html").read_text().startswith("<!DOCTYPE html>")
    assert f"::add-mask::{CLIENT[1]}" in result.stdout
    assert CLIENT[1] not in result.summary and CLIENT[1] not in result.stderr


def test_action_without_environment_is_a_usage_error(tmp_path):
    result = run_action(ACTION, {"environment": ""}, workspace=tmp_path)
    assert result.returncode == 2 and "'environment' input is required" in result.stdout
