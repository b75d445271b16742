"""audit-report against the emulator: every event classified, drift found, metrics per release."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest
import requests

from ivr_ci.audit.run import ReportOptions, run_report
from ivr_ci.cli import main
from tests.audit_helpers import OPS_CLIENT, USERS, api_client, build_history
from tests.promote_helpers import CLIENT, ENV_VARS, release_files, write_project


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in ENV_VARS.items():
        monkeypatch.setenv(k, v)
    for name in ("GITHUB_SHA", "IVR_CI_API_BASE", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def history(tmp_path, emulator_factory, monkeypatch):
    h = build_history(tmp_path, emulator_factory)
    monkeypatch.chdir(tmp_path)
    return h


def _options(h, **kw):
    kw.setdefault("timeline_limit", 1000)
    return ReportOptions(env="dev", since="1d", config=str(h.project / ".ivr-ci.yaml"), progress=False, now=h.end,
                         **kw)


def test_every_event_is_classified_as_the_scenario_made_it(history):
    run = run_report(_options(history, fmt="json", out=str(history.project / "report.json")))
    data = json.loads((history.project / "report.json").read_text())
    events = [e for f in data["flows"] for e in f["timeline"]]
    assert len(events) == data["summary"]["changes"] > 20
    assert all(f["timelineShown"] == f["events"] for f in data["flows"])  # nothing truncated at this size
    for event in events:
        kind, run_id = history.expected(event)
        assert (event["class"], event["deployment"]) == (kind, run_id), event
    by_actor = {e["actor"] for e in events if e["class"] == "out-of-band"}
    assert set(USERS) <= by_actor and f"OAuth client {OPS_CLIENT[0]}" in by_actor
    reasons = {e["reason"] for e in events if e["class"] == "out-of-band"}
    assert any("not the pipeline's client" in r for r in reasons)
    assert any("published version 1.0" in r for r in reasons)
    assert any("no deployment of this flow" in r for r in reasons)
    # the headline: exactly the out-of-band publishes, most recent first
    headline = data["outOfBandPublishes"]
    oob_publishes = [e for e in events if e["class"] == "out-of-band" and e["action"] == "Publish"]
    assert sorted(e["id"] for e in headline) == sorted(e["id"] for e in oob_publishes)
    assert len(headline) == data["summary"]["outOfBandPublishes"] == 5
    assert [e["time"] for e in headline] == sorted((e["time"] for e in headline), reverse=True)
    assert data["summary"]["reads"] == 1  # the audited export is not an out-of-band change
    assert run.exit_code == 0  # informational without --fail-on


def test_content_drift_names_the_flows_and_what_changed(history):
    run = run_report(_options(history, fmt="json", out=str(history.project / "r.json")))
    drift = {i.name: i for i in run.report.drift.items}
    assert {n for n, i in drift.items() if i.drifted} == {"DEV IVR 02", "DEV IVR 03"}
    assert drift["DEV IVR 01"].status == drift["DEV Common Greeting"].status == "in-sync"
    assert drift["DEV IVR 02"].version == "1.0"  # the hand rollback is what the org runs
    greeting = [c for c in drift["DEV IVR 02"].changes if c.kind == "prompt-changed"]
    assert greeting and "release v2" in greeting[0].old and "release v1" in greeting[0].new
    assert [(c.old, c.new) for c in drift["DEV IVR 03"].changes if c.kind == "description-changed"] == \
        [("Line 3", "Jane again")]


def test_release_metrics_match_the_analytics_api(history):
    run = run_report(_options(history, fmt="md", out=str(history.project / "r.md")))
    releases = run.report.releases
    assert [r.deployment.run_id for r in releases] == [e["runId"] for e in history.entries()]
    with api_client(history.base_url) as ci:
        for rel in releases:
            assert rel.after is not None and len(rel.flows) == 4
            for f in rel.flows:
                raw = ci.flow_aggregates(rel.after.interval, metrics=["nFlow", "tFlowDisconnect"], flow_ids=[f.flow_id])
                stats = {m["metric"]: m["stats"]["count"] for g in raw for d in g["data"] for m in d["metrics"]}
                assert f.after is not None
                assert (f.after.entries, f.after.disconnects) == (stats.get("nFlow", 0), stats.get("tFlowDisconnect", 0))
    text = (history.project / "r.md").read_text()
    assert text.index("Out-of-band publishes (5)") < text.index("Content drift (2 of 4") < text.index("Release outcomes")


def test_fail_on_and_exit_codes(history, capsys):
    args = ["audit-report", "--env", "dev", "--since", "1d", "--quiet", "--out", str(history.project / "r.md")]
    assert main(args) == 0
    assert main([*args, "--fail-on", "drift"]) == 1
    assert main([*args, "--fail-on", "out-of-band"]) == 1
    assert main([*args, "--fail-on", "sideways"]) == 2
    assert "unknown value 'sideways'" in capsys.readouterr().err


def test_csv_streams_every_change_event(history):
    out = history.project / "events.csv"
    run = run_report(_options(history, fmt="csv", out=str(out), timeline_limit=2))
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == run.report.totals.changes  # all of them, although timelines keep 2 per flow
    assert {r["class"] for r in rows} == {"pipeline", "out-of-band"}
    assert all(len(f.timeline) <= 2 for f in run.report.flows)


def test_clean_history_passes_fail_on(tmp_path, emulator_factory, monkeypatch):
    from tests.audit_helpers import audit_seed
    from tests.promote_helpers import Runner

    emu = emulator_factory(seed=audit_seed())
    config = write_project(tmp_path, release_files(2, "v1"), emu.base_url)
    assert Runner(config, emu.base_url).apply().ok
    monkeypatch.chdir(tmp_path)
    code = main(["audit-report", "--env", "dev", "--quiet", "--fail-on", "drift,out-of-band",
                 "--out", str(tmp_path / "r.json"), "--format", "json"])
    data = json.loads((tmp_path / "r.json").read_text())
    assert code == 0, data["summary"]
    assert data["summary"]["pipeline"] > 0 and data["summary"]["outOfBand"] == 0


def test_no_flow_paths_and_no_ledger_still_report(tmp_path, emulator_factory, monkeypatch):
    """The pre-commit hook runs `ivr-ci audit-report --env X` with no paths."""
    from tests.audit_helpers import audit_seed

    emu = emulator_factory(seed=audit_seed())
    requests.post(f"{emu.base_url}/__admin/audits", timeout=10, json={"records": [
        {"action": "Publish", "entityId": "f-1", "entityName": "Legacy IVR", "clientId": CLIENT[0]}]})
    (tmp_path / ".ivr-ci.yaml").write_text(f"""\
environments:
  dev: {{api_base: "{emu.base_url}", client_id_env: PT_CLIENT_ID, client_secret_env: PT_CLIENT_SECRET}}
""")
    monkeypatch.chdir(tmp_path)
    buf = io.StringIO()
    monkeypatch.setattr("sys.stdout", buf)
    assert main(["audit-report", "--env", "dev", "--quiet"]) == 0
    text = buf.getvalue()
    assert "Content drift: not checked" in text and "no flow files" in text
    assert "no deployment ledger" in text and "Legacy IVR" in text


def test_bad_input_is_a_clean_usage_error(tmp_path, monkeypatch, capsys):
    (tmp_path / ".ivr-ci.yaml").write_text("environments: {}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["audit-report", "--env", "nope"]) == 2
    assert "unknown environment 'nope'" in capsys.readouterr().err
    assert main(["audit-report", "--env", "dev", "--since", "7 parsecs"]) == 2
    assert "--since" in capsys.readouterr().err
    assert main(["audit-report", "--env", "dev", "--since", "1d", "--from", "2026-01-01"]) == 2
    assert "not both" in capsys.readouterr().err


def test_huge_durations_are_usage_errors_naming_the_option(tmp_path, monkeypatch, capsys):
    write_project(tmp_path, {}, "http://127.0.0.1:9")  # never reached: the options are checked first
    monkeypatch.chdir(tmp_path)
    for option, value in [("--since", "99999999999999999999w"), ("--since", "999999w"),
                          ("--metrics-window", "99999999999999w")]:
        assert main(["audit-report", "--env", "dev", option, value]) == 2
        err = capsys.readouterr().err
        assert f"{option}: the duration must be more than 0 and at most 36500d" in err and "Traceback" not in err


def test_windows_the_realtime_api_refuses_fall_back_to_the_async_query(tmp_path, emulator_factory, monkeypatch,
                                                                        capsys):
    from tests.audit_helpers import audit_seed

    data = audit_seed()
    data["settings"] = {"realtimeAuditDays": 2, "auditQueryPolls": 3}  # a shorter horizon than documented
    emu = emulator_factory(seed=data)
    requests.post(f"{emu.base_url}/__admin/audits", timeout=10,
                  json={"generate": {"count": 700, "days": 10, "seed": 7}}).raise_for_status()
    (tmp_path / ".ivr-ci.yaml").write_text(f"""\
environments:
  dev: {{api_base: "{emu.base_url}", client_id_env: PT_CLIENT_ID, client_secret_env: PT_CLIENT_SECRET}}
""")
    monkeypatch.chdir(tmp_path)
    assert main(["audit-report", "--env", "dev", "--since", "10d", "--format", "json", "--out", "r.json",
                 "--no-drift"]) == 0
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["summary"]["records"] == 700  # every record, although realtime refused most windows
    assert [q["mode"] for q in data["queries"]] == ["realtime", "realtime"]
    err = capsys.readouterr().err
    assert "audit-report: 700 audit records read" in err and "window 2/2, realtime" in err


def test_a_flow_that_cannot_be_exported_is_an_error_not_in_sync(tmp_path, emulator_factory, monkeypatch):
    from ivr_ci.audit.aggregate import Aggregator
    from ivr_ci.audit.deployments import LedgerIndex
    from ivr_ci.audit.drift import ERROR, check_drift
    from ivr_ci.audit.report import AuditReport
    from ivr_ci.audit.run import exit_code
    from ivr_ci.audit.timerange import TimeRange
    from ivr_ci.config import load_config
    from ivr_ci.promote.session import prepare
    from tests.audit_helpers import audit_seed
    from tests.promote_helpers import Runner

    emu = emulator_factory(seed=audit_seed())
    config = write_project(tmp_path, release_files(1, "v1", module=False), emu.base_url)
    assert Runner(config, emu.base_url).apply().ok
    requests.post(f"{emu.base_url}/__admin/faults", timeout=10, json={
        "kind": "error", "path": "/api/v2/flows/export/jobs", "method": "POST", "status": 503, "always": True})
    monkeypatch.chdir(tmp_path)
    release = prepare(load_config(str(config)), "dev", [], [], offline_checks=False).release
    with api_client(emu.base_url) as client:
        drift = check_drift(client, release)
    assert [(i.name, i.status) for i in drift.items] == [("DEV IVR 01", ERROR)]
    assert drift.items[0].message.startswith("export failed:")
    rng = TimeRange(datetime.now(timezone.utc) - timedelta(days=1), datetime.now(timezone.utc))
    report = AuditReport("dev", rng, rng.end, [], Aggregator(LedgerIndex([], set())), [], drift)
    assert exit_code(report, []) == 1  # the report is incomplete: never "clean"
