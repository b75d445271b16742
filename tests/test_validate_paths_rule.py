"""IVR501 goes through the rule engine like every rule: severity and disable from the config,
inline and whole-file suppression, the context/target split of a pre-commit run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ivr_ci.cli import main
from tests.conftest import REPO

FIXTURES = REPO / "tests" / "fixtures" / "simulate"
FAILING = REPO / "tests" / "fixtures" / "simulate-failing" / "main-ivr.paths.yaml"
CASE_LINES = [4, 10, 16, 22]  # the `- name:` line of each failing case


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(FIXTURES / "main-ivr.yaml", tmp_path / "main-ivr.yaml")
    text = FAILING.read_text().replace("flow: ../simulate/main-ivr.yaml", "flow: main-ivr.yaml")
    (tmp_path / "main-ivr.paths.yaml").write_text(text)
    return tmp_path


def ivr501(project: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, list[dict]]:
    code = main(["validate-flow", str(project / "main-ivr.yaml"), "--format", "json", *extra])
    findings = json.loads(capsys.readouterr().out)["findings"]
    return code, [f for f in findings if f["rule"] == "IVR501"]


def edit_case_lines(path: Path, edits: dict[int, str]) -> None:
    """Append a comment to the given (1-based) lines."""
    lines = path.read_text().splitlines()
    for number, comment in edits.items():
        lines[number - 1] += f"  {comment}"
    path.write_text("\n".join(lines) + "\n")


def test_every_failing_case_is_an_error_at_its_line(project, capsys):
    code, found = ivr501(project, capsys)
    assert code == 1 and [f["line"] for f in found] == CASE_LINES
    assert {f["severity"] for f in found} == {"error"}
    assert all(f["path"] == str(project / "main-ivr.paths.yaml") for f in found)


def test_inline_disable_on_the_case_line_or_the_line_above(project, capsys):
    paths = project / "main-ivr.paths.yaml"
    edit_case_lines(paths, {4: "# ivr-ci: disable=IVR501", 9: "# ivr-ci: disable=IVR110,IVR501"})
    code, found = ivr501(project, capsys)
    assert [f["line"] for f in found] == [16, 22] and code == 1


def test_disable_file_in_the_paths_file(project, capsys):
    paths = project / "main-ivr.paths.yaml"
    paths.write_text("# ivr-ci: disable-file=IVR501\n" + paths.read_text())
    code, found = ivr501(project, capsys)
    assert found == [] and code == 0


def test_disable_file_in_the_flow_covers_its_paths_file(project, capsys):
    flow = project / "main-ivr.yaml"
    flow.write_text("# ivr-ci: disable-file=IVR501\n" + flow.read_text())
    code, found = ivr501(project, capsys)
    assert found == [] and code == 0


def test_another_rules_disable_does_not_silence_it(project, capsys):
    paths = project / "main-ivr.paths.yaml"
    paths.write_text("# ivr-ci: disable-file=IVR110\n" + paths.read_text())
    assert len(ivr501(project, capsys)[1]) == 4


def test_severity_and_disable_come_from_the_config(project, capsys):
    cfg = project / ".ivr-ci.yaml"
    cfg.write_text("lint:\n  severity:\n    IVR501: warning\n")
    code, found = ivr501(project, capsys, "--config", str(cfg))
    assert code == 0 and len(found) == 4 and {f["severity"] for f in found} == {"warning"}
    cfg.write_text("lint:\n  disable: [IVR501]\n")
    assert ivr501(project, capsys, "--config", str(cfg)) == (0, [])


def test_a_named_flow_is_checked_with_the_rest_of_the_set_as_context(project, capsys):
    """Pre-commit names only the changed files; the configured flows are context. IVR501 runs
    for the named flow only, and its findings (in the paths file) are reported."""
    other = project / "other"
    other.mkdir()
    shutil.copy(project / "main-ivr.yaml", other / "main-ivr.yaml")
    shutil.copy(project / "main-ivr.paths.yaml", other / "main-ivr.paths.yaml")
    cfg = project / ".ivr-ci.yaml"
    cfg.write_text("flows: [main-ivr.yaml, other]\n")
    code, found = ivr501(project, capsys, "--config", str(cfg))
    assert code == 1 and {f["path"] for f in found} == {str(project / "main-ivr.paths.yaml")}
    assert len(found) == 4


def test_cases_that_stop_at_one_flow_error_are_one_finding_beside_the_flows_own(project, capsys):
    flow = project / "main-ivr.yaml"
    flow.write_text("".join(line for line in flow.read_text().splitlines(keepends=True)
                            if "startUpRef:" not in line))
    code = main(["validate-flow", str(flow), "--format", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    (grouped,) = [f for f in findings if f["rule"] == "IVR501"]
    assert code == 1 and grouped["line"] == CASE_LINES[0]
    assert grouped["message"].startswith("4 path cases (") and "neither startUpRef" in grouped["message"]
    assert any(f["rule"] == "IVR201" and "startUpRef" in f["message"] for f in findings)


def test_a_case_failing_on_its_own_is_still_reported_alone(project, capsys):
    code, found = ivr501(project, capsys)  # the fixture's cases fail for four different reasons
    assert not any("stop at the same error" in f["message"] for f in found)
