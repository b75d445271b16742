"""`ivr-ci validate-flow`: exit codes, output formats, and the real corpus (no crash, no error)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ivr_ci.cli import main
from ivr_ci.config import Config
from ivr_ci.flow import load_flow_file, load_flows
from ivr_ci.rules.engine import Engine
from tests.conftest import corpus_dir
from tests.validate_util import GOOD_CALL_FLOW, line_of

BROKEN = GOOD_CALL_FLOW.replace('"/inboundCall/tasks/task[sales]"', '"/inboundCall/tasks/task[50%,x:y]"')


def _run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["validate-flow", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def empty_config(tmp_path: Path) -> str:
    cfg = tmp_path / "empty-config.yaml"
    cfg.write_text("{}\n")
    return str(cfg)


def test_clean_flow_exits_0_and_prints_nothing(capsys, write_flow, empty_config):
    code, out, err = _run(capsys, str(write_flow(GOOD_CALL_FLOW)), "--config", empty_config)
    assert (code, out, err) == (0, "", "")


def test_errors_exit_1_with_file_line_and_rule(capsys, write_flow, empty_config):
    flow = write_flow(BROKEN)
    code, out, _ = _run(capsys, str(flow), "--config", empty_config)
    assert code == 1
    assert f"{flow}:{line_of(BROKEN, 'targetTaskRef')}:15: IVR221 [error]" in out


def test_unparseable_file_exits_1_with_its_position(capsys, write_flow, empty_config):
    flow = write_flow("inboundCall:\n  name: [oops\n")
    code, out, err = _run(capsys, str(flow), "--config", empty_config)
    assert code == 1 and f"{flow}:3:1: IVR001" in out and "Traceback" not in err


def test_bad_config_and_unknown_environment_exit_2(capsys, tmp_path, write_flow):
    flow = str(write_flow(GOOD_CALL_FLOW))
    cfg = tmp_path / ".ivr-ci.yaml"
    cfg.write_text("validate:\n  external-flow: [typo]\n")
    code, out, err = _run(capsys, flow, "--config", str(cfg))
    assert code == 2 and f"{cfg}:" in err and "unknown key 'external-flow'" in err and out == ""
    cfg.write_text("validate:\n  external-flows: [Billing]\n")
    code, out, err = _run(capsys, flow, "--config", str(cfg), "--env", "staging")
    assert code == 2 and "unknown environment 'staging'" in err and out == ""


def test_json_format(capsys, write_flow, empty_config):
    flow = write_flow(BROKEN)
    code, out, _ = _run(capsys, str(flow), "--config", empty_config, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["tool"]["stage"] == "validate-flow" and doc["files"] == 1
    assert doc["summary"]["error"] == len(doc["findings"]) == 1
    f = doc["findings"][0]
    assert (f["rule"], f["severity"], f["path"], f["line"]) == (
        "IVR221", "error", str(flow), line_of(BROKEN, "targetTaskRef"))


def test_sarif_format_carries_rule_metadata_and_regions(capsys, write_flow, empty_config):
    flow = write_flow(BROKEN)
    code, out, _ = _run(capsys, str(flow), "--config", empty_config, "--format", "sarif")
    run = json.loads(out)["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert {"IVR201", "IVR220", "IVR224", "IVR301", "IVR302", "IVR401", "IVR402"} <= set(rules)
    assert rules["IVR301"]["defaultConfiguration"]["level"] == "warning"
    result = run["results"][0]
    assert result["ruleId"] == "IVR221" and result["level"] == "error"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "IVR221"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == line_of(BROKEN, "targetTaskRef")


def test_github_format_escapes_properties_and_data(capsys, tmp_path, write_flow, empty_config):
    flow = write_flow(BROKEN, "odd,name:flow.yaml")
    code, out, _ = _run(capsys, str(flow), "--config", empty_config, "--format", "github")
    line = line_of(BROKEN, "targetTaskRef")
    escaped_path = str(flow).replace(",", "%2C").replace(":", "%3A")
    assert code == 1
    assert out.startswith(f"::error file={escaped_path},line={line},col=15,title=IVR221::targetTaskRef ")
    assert "task[50%25,x:y]" in out  # data escapes % only; , and : stay readable
    assert out.count("\n") == 1


# --- the real corpus ------------------------------------------------------------------------

def _errors(findings):
    return [f"{f.location()}: {f.rule_id} {f.message}" for f in findings if f.severity.value == "error"]


def test_corpus_each_file_alone_has_no_error(corpus):
    engine = Engine(Config())
    problems = []
    for path in corpus:
        doc = load_flow_file(str(path))
        assert doc.flow is not None, doc.problems
        problems += _errors(engine.run("validate-flow", [doc]))
    assert problems == []


def test_corpus_as_one_set_has_no_error_and_cross_file_references_resolve(corpus):
    docs = load_flows([str(p) for p in corpus])
    findings = Engine(Config()).run("validate-flow", docs)
    assert _errors(findings) == []
    # flows of one blueprint that name each other resolve inside the set
    unknown = " ".join(f.message for f in findings if f.rule_id == "IVR301")
    for resolvable in ("InQueue - Orbit Call Park Hold", "EventOrchestrator Secure Flow",
                       "Trigger proactive callback workflow"):
        assert f"'{resolvable}'" not in unknown


def test_corpus_directory_through_the_cli_exits_0(capsys, corpus, empty_config):
    code, out, err = _run(capsys, str(corpus_dir()), "--config", empty_config, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and err == ""
    assert doc["files"] == len(corpus) and doc["summary"]["error"] == 0
