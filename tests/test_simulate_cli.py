"""`ivr-ci simulate`, `ivr-ci test` and the validate-flow IVR501 hook, end to end."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema

from ivr_ci.config import load_schema
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "simulate"
FAILING = REPO / "tests" / "fixtures" / "simulate-failing" / "main-ivr.paths.yaml"
MAIN = str(FIXTURES / "main-ivr.yaml")
WORLD = ["--open", "Acme Hours=open", "--at", "2026-11-23T10:00"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ivr_ci", *args], capture_output=True, text=True,
                          cwd=cwd or REPO)


def test_simulate_text_trace_has_file_line_steps_and_the_outcome():
    r = run("simulate", MAIN, "--keys", "2,2", "--set", "Flow.vip=true", *WORLD)
    assert r.returncode == 0, r.stderr
    assert 'outcome: transfer to queue "Support VIP"' in r.stdout
    assert f"[{MAIN}:" in r.stdout and "Good morning." in r.stdout


def test_simulate_json_matches_the_documented_schema():
    r = run("simulate", MAIN, "--keys", "3", "--format", "json", *WORLD,
            "--data-action", "Billing API/Get Balance=success", "--set", "Task.balance=5")
    assert r.returncode == 0, r.stderr
    trace = json.loads(r.stdout)
    jsonschema.Draft202012Validator(load_schema("trace.schema.json")).validate(trace)
    assert trace["outcome"]["target"] == {"type": "queue", "name": "Collections"}
    assert "Your balance is 5 dollars." in trace["heard"]
    assert all(step["line"] > 0 for step in trace["steps"])
    undecided = json.loads(run("simulate", MAIN, "--keys", "3", "--format", "json", *WORLD).stdout)
    jsonschema.Draft202012Validator(load_schema("trace.schema.json")).validate(undecided)
    assert undecided["outcome"]["kind"] == "cannot-decide"


def test_simulate_exit_codes():
    assert run("simulate", MAIN, "--keys", "3", *WORLD).returncode == 1  # cannot decide
    for bad in (["--keys", "x"], ["--open", "Acme Hours=maybe"], ["--at", "tomorrow"], ["--set", "novalue"]):
        r = run("simulate", MAIN, *bad)
        assert r.returncode == 2 and "Traceback" not in r.stderr, (bad, r.stderr)
        assert bad[0] in r.stderr
    r = run("simulate", "nope.yaml")
    assert r.returncode == 2 and "no such flow file" in r.stderr


def test_paths_files_pass_and_report_coverage():
    r = run("test", str(FIXTURES), "--coverage", "--min-coverage", "100")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 failed" in r.stdout and "coverage: 100.0%" in r.stdout


def test_failing_cases_fail_for_their_reason_with_the_trace():
    r = run("test", str(FAILING), "--format", "json")
    assert r.returncode == 1
    report = json.loads(r.stdout)
    cases = {c["name"]: c for c in report["files"][0]["cases"]}
    assert not any(c["passed"] for c in cases.values())
    assert cases["wrong queue"]["failures"] == ['expected transfer to queue "Support", got transfer to queue "Sales"']
    assert "got disconnect" in cases["wrong outcome"]["failures"][0]
    assert '--data-action "Billing API/Get Balance=success"' in cases["undeclared data action"]["failures"][0]
    assert "not heard in that order" in cases["prompts out of order"]["failures"][0]
    schema = jsonschema.Draft202012Validator(load_schema("trace.schema.json"))
    for case in cases.values():
        schema.validate(case["trace"])
    text = run("test", str(FAILING)).stdout
    assert f"FAIL  wrong queue  [{FAILING}:4]" in text and "outcome: transfer to queue" in text


def test_coverage_lists_what_no_case_reaches(tmp_path):
    shutil.copy(MAIN, tmp_path / "main-ivr.yaml")
    (tmp_path / "main-ivr.paths.yaml").write_text(
        "cases:\n  - name: sales\n    keys: '1'\n    schedules: {'*': open}\n    at: 2026-11-23T10:00\n"
        "    expect: {queue: Sales}\n")
    r = run("test", str(tmp_path), "--min-coverage", "100")
    assert r.returncode == 1, r.stdout
    assert "coverage: 20.0%" in r.stdout and "(2/10)" in r.stdout
    assert 'choice "Billing" (key 3) of menu "Main Menu"' in r.stdout
    assert 'menu "Support Menu"' in r.stdout and "below the minimum of 100%" in r.stdout
    assert run("test", str(tmp_path), "--coverage").returncode == 0  # reporting alone does not fail


def test_invalid_paths_file_is_exit_2_with_file_and_line(tmp_path):
    shutil.copy(MAIN, tmp_path / "main-ivr.yaml")
    bad = tmp_path / "main-ivr.paths.yaml"
    bad.write_text("cases:\n  - name: a\n    keys: '1,x'\n    expect: {queue: Sales}\n"
                   "  - name: b\n    expect: {outcome: sideways}\n  - name: c\n    colour: red\n"
                   "    expect: {queue: Sales, flow: Other}\n")
    r = run("test", str(bad))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{bad}:3: keys:" in r.stderr
    assert f"{bad}:6:" in r.stderr and "sideways" in r.stderr
    assert f"{bad}:8:" in r.stderr and "colour" in r.stderr


def test_validate_flow_runs_sibling_paths_files_as_ivr501(tmp_path):
    shutil.copy(MAIN, tmp_path / "main-ivr.yaml")
    text = FAILING.read_text().replace("flow: ../simulate/main-ivr.yaml", "flow: main-ivr.yaml")
    (tmp_path / "main-ivr.paths.yaml").write_text(text)
    r = run("validate-flow", str(tmp_path / "main-ivr.yaml"), "--format", "json")
    assert r.returncode == 1
    findings = [f for f in json.loads(r.stdout)["findings"] if f["rule"] == "IVR501"]
    assert [f["line"] for f in findings] == [4, 10, 16, 22]
    assert all(f["severity"] == "error" and f["path"].endswith("main-ivr.paths.yaml") for f in findings)
    cfg = tmp_path / ".ivr-ci.yaml"
    cfg.write_text("validate:\n  paths-files: false\n")
    off = run("validate-flow", str(tmp_path / "main-ivr.yaml"), "--config", str(cfg))
    assert "IVR501" not in off.stdout
    ok = run("validate-flow", str(FIXTURES))
    assert ok.returncode == 0, ok.stdout


def test_simulate_and_test_do_not_import_requests():
    code = ("import sys, json; from ivr_ci.cli import main; "
            f"main(['simulate', {MAIN!r}, '--keys', '1']); main(['test', {str(FIXTURES)!r}]); "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('requests', 'urllib3'))))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]"


def test_out_of_range_times_and_non_text_variable_names_are_clean_errors(tmp_path):
    for bad in (["--at", "9999-12-31T23:59-05:00"], ["--at", "0001-01-01T00:00+01:00"],
                ["--at", "9999-12-31T23:59+00:00", "--open", "Acme Hours=mon-fri 08:00-18:00 Pacific/Kiritimati"]):
        r = run("simulate", MAIN, *bad)
        assert r.returncode == 2 and "Traceback" not in r.stderr, (bad, r.stderr)
        assert "--at:" in r.stderr and "year from 1900 to 9000" in r.stderr
    shutil.copy(MAIN, tmp_path / "main-ivr.yaml")
    bad = tmp_path / "main-ivr.paths.yaml"
    bad.write_text("cases:\n  - name: a\n    keys: '1'\n    at: '9999-12-31T23:59:59-14:00'\n"
                   "    variables: {Flow.region: east, 5: x}\n    expect: {queue: Sales}\n")
    r = run("test", str(bad))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{bad}:4: at:" in r.stderr and f"{bad}:5: variables: 5 is not a variable name" in r.stderr


def test_weekly_hours_may_end_at_24_00():
    r = run("simulate", MAIN, "--keys", "1", "--at", "2026-11-27T23:59:30",
            "--open", "Acme Hours=fri-mon 00:00-24:00 UTC")
    assert r.returncode in (0, 1) and "Traceback" not in r.stderr, r.stderr
    assert "'Acme Hours' is open" in r.stdout
