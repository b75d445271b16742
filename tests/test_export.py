"""ivr-ci export against the emulator: parameterised files, promote --plan no-op, re-export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from ivr_ci.cli import main
from tests.promote_helpers import ENV_VARS, Runner, ivr_flow, release_files, rendered, seed, write_project


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in ENV_VARS.items():
        monkeypatch.setenv(k, v)
    for name in ("GITHUB_SHA", "IVR_CI_API_BASE", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)


def _export_project(root: Path, base_url: str, substitutions: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / ".ivr-ci.yaml").write_text(f"""\
flows: [exported]
environments:
  dev:
    api_base: {base_url}
    client_id_env: PT_CLIENT_ID
    client_secret_env: PT_CLIENT_SECRET
    substitutions: {substitutions}
promotion:
  ledger: ledger.jsonl
  lock-dir: locks
""")
    return root


def _plan(root: Path, capsys) -> dict:
    capsys.readouterr()
    code = main(["promote", "--env", "dev", "--plan", "--format", "json", "--config", str(root / ".ivr-ci.yaml")])
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)["summary"]


def test_export_then_plan_is_a_no_op(tmp_path, emulator_factory, capsys, monkeypatch):
    # the org: the pipeline's release plus a flow somebody built by hand in Architect
    hand_made = rendered({"x.yaml": ivr_flow(4, "v1", module=False)})
    emu = emulator_factory(seed=seed(hand_made))
    repo = write_project(tmp_path / "repo", release_files(3, "v1"), emu.base_url)
    assert Runner(repo, emu.base_url).apply().ok
    root = _export_project(tmp_path / "new", emu.base_url, '{prefix: "DEV ", queue: Support}')
    monkeypatch.chdir(root)

    assert main(["export", "--env", "dev"]) == 0
    out = capsys.readouterr().out
    files = sorted(p.name for p in (root / "exported").glob("*.yaml"))
    assert files == ["common-greeting.yaml", "ivr-01.yaml", "ivr-02.yaml", "ivr-03.yaml", "ivr-04.yaml"]
    text = (root / "exported" / "ivr-04.yaml").read_text()
    assert "{{prefix}}IVR 04" in text and "{{queue}}" in text and "DEV " not in text
    assert "export: 5 created, 0 updated, 0 unchanged, 0 failed" in out

    summary = _plan(root, capsys)
    assert (summary["create"], summary["update"], summary["unchanged"]) == (0, 0, 5)


def test_reexport_updates_in_place_and_shows_what_changed(tmp_path, emulator_factory, capsys, monkeypatch):
    emu = emulator_factory(seed=seed(rendered(release_files(2, "v1"))))
    root = _export_project(tmp_path, emu.base_url, '{prefix: "DEV ", queue: Support}')
    monkeypatch.chdir(root)
    assert main(["export", "--env", "dev", "--flows", "*IVR*"]) == 0
    names = sorted(p.name for p in (root / "exported").glob("*.yaml"))
    assert names == ["ivr-01.yaml", "ivr-02.yaml"]  # --flows left the module out
    # a hand-tidied file that still renders to the same flow survives a re-export untouched
    ivr2 = root / "exported" / "ivr-02.yaml"
    tidy = "# owned by the IVR team\n" + ivr2.read_text()
    ivr2.write_text(tidy)
    requests.post(f"{emu.base_url}/__admin/ui-edit", timeout=10,
                  json={"flow": "DEV IVR 01", "user": "Jane Doe", "description": "Edited in Architect"})
    capsys.readouterr()

    assert main(["export", "--env", "dev", "--flows", "*IVR*"]) == 0
    out = capsys.readouterr().out
    assert "updated    " in out and "description changed" in out and "unchanged  " in out
    assert "description: Edited in Architect" in (root / "exported" / "ivr-01.yaml").read_text()
    assert ivr2.read_text() == tidy
    assert sorted(p.name for p in (root / "exported").glob("*.yaml")) == names  # in place, no new files


def test_ambiguous_and_generic_values_are_reported_not_guessed(tmp_path, emulator_factory, capsys, monkeypatch):
    emu = emulator_factory(seed=seed(rendered(release_files(1, "v1", module=False))))
    root = _export_project(tmp_path, emu.base_url, '{prefix: "DEV ", queue: Support, team: Support, digit: "1"}')
    monkeypatch.chdir(root)
    assert main(["export", "--env", "dev", "--out", "mine"]) == 0
    out = capsys.readouterr().out
    text = (root / "mine" / "ivr-01.yaml").read_text()
    lines = text.splitlines()
    line = next(i for i, t in enumerate(lines, 1) if t.strip() in ("name: Support", 'name: "Support"')
                and lines[i - 2].strip() == "lit:")
    # reported where it stands (file:line), not guessed
    assert (f"mine/ivr-01.yaml:{line}: targetQueue 'Support': 'Support' is the value of queue, team, "
            "so which one is meant cannot be told; left as is") in out
    assert "{{digit}}" not in text  # too generic: '1' is never a reference here
    assert "name: Support" in text and "{{prefix}}IVR 01" in text


def test_export_of_unknown_environment_is_a_usage_error(tmp_path, monkeypatch, capsys):
    (tmp_path / ".ivr-ci.yaml").write_text("environments: {}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["export", "--env", "prod"]) == 2
    assert "unknown environment 'prod'" in capsys.readouterr().err


def test_many_flows_are_exported_in_batched_jobs(tmp_path, emulator_factory, monkeypatch, capsys):
    emu = emulator_factory(seed=seed(rendered(release_files(22, "v1"))))
    root = _export_project(tmp_path, emu.base_url, '{prefix: "DEV ", queue: Support}')
    monkeypatch.chdir(root)
    assert main(["export", "--env", "dev", "--jobs", "3"]) == 0
    assert len(list((root / "exported").glob("*.yaml"))) == 23
    jobs = [x for x in emu.exchanges if x["method"] == "POST" and x["path"] == "/api/v2/flows/export/jobs"]
    assert len(jobs) == 3  # 10 flows per export job
    assert sorted(len(x["requestBody"]["flows"]) for x in jobs) == [3, 10, 10]
    summary = _plan(root, capsys)
    assert (summary["create"], summary["update"], summary["unchanged"]) == (0, 0, 23)


def test_a_failing_export_is_reported_and_nothing_is_written(tmp_path, emulator_factory):
    from ivr_ci.audit.export import FAILED, run_export, summary_lines
    from tests.audit_helpers import api_client

    fault = {"kind": "error", "path": "/api/v2/flows/export/jobs", "method": "POST", "status": 503, "always": True}
    emu = emulator_factory(seed=seed(rendered(release_files(1, "v1", module=False))), faults=[fault])
    with api_client(emu.base_url) as client:
        result = run_export(client, {"prefix": "DEV "}, str(tmp_path / "out"), [])
    assert [f.status for f in result.files] == [FAILED]
    assert "failed     DEV IVR 01 (inboundCall v1.0): export failed: " in summary_lines(result)[0]
    assert not (tmp_path / "out").exists()
