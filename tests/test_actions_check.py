"""The lint-menu and validate-flow composite actions, executed step by step by the harness."""

from __future__ import annotations

import json
import shutil

from tests.action_harness import run_action
from tests.conftest import REPO

BAD = """\
inboundCall:
  name: Bad <script>
  startUpRef: "/inboundCall/menus/menu[m]"
  menus:
    - menu:
        name: Main
        refId: m
        choices:
          - menuDisconnect: {name: A, dtmf: digit_1}
          - menuDisconnect: {name: B, dtmf: digit_1}
"""


def _workspace(tmp_path, text: str):
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "main.yaml").write_text(text)
    return tmp_path


def test_lint_menu_action_annotates_writes_sarif_and_summary_and_fails(tmp_path):
    ws = _workspace(tmp_path, BAD)
    sarif_path = tmp_path / "out" / "lint.sarif"
    result = run_action(REPO / "entrypoints" / "lint-menu",
                        inputs={"paths": "flows", "sarif-file": str(sarif_path)}, workspace=ws)
    assert result.returncode == 1
    assert result.outputs["errors"] == "1"
    errors = result.annotations("error")
    assert any("IVR101" in a and "line=10" in a for a in errors), result.stdout
    assert result.outputs["sarif-file"] == str(sarif_path)
    sarif = json.loads(sarif_path.read_text())
    assert "IVR101" in {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert "IVR101" in result.summary and "<script>" not in result.summary


def test_fail_on_never_keeps_the_step_green_but_reports(tmp_path):
    ws = _workspace(tmp_path, BAD)
    result = run_action(REPO / "entrypoints" / "lint-menu", inputs={"paths": "flows", "fail-on": "never"},
                        workspace=ws)
    assert result.returncode == 0
    assert result.outputs["errors"] == "1"


def test_validate_flow_action_passes_on_the_bundled_example(tmp_path):
    ws = tmp_path / "repo"
    shutil.copytree(REPO / "examples", ws)
    result = run_action(REPO / "entrypoints" / "validate-flow", inputs={"environment": "dev"}, workspace=ws)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.outputs["errors"] == "0"
    assert "validate-flow" in result.summary


def test_bad_config_fails_the_step_with_exit_2(tmp_path):
    ws = _workspace(tmp_path, BAD)
    (ws / ".ivr-ci.yaml").write_text("lint:\n  nonsense: 1\n")
    result = run_action(REPO / "entrypoints" / "lint-menu", inputs={"paths": "flows", "fail-on": "never"},
                        workspace=ws)
    assert result.returncode == 2


def test_root_action_runs_the_chosen_stage(tmp_path):
    ws = _workspace(tmp_path, BAD)
    result = run_action(REPO, inputs={"stage": "lint-menu", "paths": "flows", "fail-on": "never"}, workspace=ws)
    assert result.returncode == 0
    assert result.outputs["errors"] == "1"
    assert any("IVR101" in a for a in result.annotations("error"))


def test_root_action_rejects_an_unknown_stage(tmp_path):
    result = run_action(REPO, inputs={"stage": "deploy-everything"}, workspace=tmp_path)
    assert result.returncode == 2
    assert any("unknown ivr-ci stage" in a for a in result.annotations("error"))
