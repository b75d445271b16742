"""Every IVR6xx expression rule: a failing fixture (findings exactly on the `# <-` lines) and a
passing one, plus token columns and the corpus (0 error-level findings on real flows)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from ivr_ci.config import Config
from ivr_ci.findings import Finding, Severity
from ivr_ci.flow import load_flow_file
from ivr_ci.rules.catalogue import load_catalogue
from ivr_ci.rules.engine import Engine
from tests.conftest import corpus_files
from tests.lint_menu_fixtures import lines_of, marked_lines

IVR6XX = [f"IVR6{n:02d}" for n in range(1, 9)]

VARIABLES = """\
- stringVariable:
    name: Flow.name
    initialValue: {noValue: true}
- integerVariable:
    name: Flow.count
    initialValue: {noValue: true}
- stringCollectionVariable:
    name: Flow.items
    initialValue: {noValue: true}
- booleanVariable:
    name: Flow.isOpen
    initialValue: {noValue: true}
"""


def call_flow(actions: str, kind: str = "inboundCall", variables: str = VARIABLES) -> str:
    """A one-task flow whose actions are `actions` (list items at column 0)."""
    body = textwrap.indent(textwrap.dedent(actions).strip("\n") + "\n", " " * 8)
    return (f"{kind}:\n  name: Expr Test\n  defaultLanguage: en-us\n  startUpRef: ./tasks/task[t1]\n"
            + "  variables:\n" + textwrap.indent(variables, "    ")
            + "  tasks:\n    - task:\n        name: T1\n        refId: t1\n        actions:\n"
            + textwrap.indent(body, "  ") + "          - disconnect:\n              name: End\n")


def update(type_key: str, variable: str, exp: str, mark: str = "") -> str:
    return (f"- updateData:\n    name: U\n    statements:\n      - {type_key}:\n          variable: {variable}\n"
            f"          value:\n            exp: {exp}{mark}\n")


def decision(exp: str, mark: str = "") -> str:
    return f"- decision:\n    name: D\n    condition:\n      exp: {exp}{mark}\n"


M = "  # <-"
CASES: dict[str, tuple[str, str]] = {
    "IVR601": (
        call_flow(update("string", "Flow.name", "'Append(\"a\", \"b\"'", M)
                  + decision("Flow.count > 1 && Flow.isOpen", M)
                  + update("string", "Flow.name", "'\"it\\''s\"'", M)),
        call_flow(update("string", "Flow.name", "'Append(\"a\", \"b\")'")
                  + decision("Flow.count > 1 and Flow.isOpen")
                  + update("string", "Flow.name", "'{{greeting_expression}}'")  # template: judged later
                  + update("string", "Flow.name", "''")),  # empty: Archy's no value
    ),
    "IVR602": (
        call_flow(update("string", "Flow.name", "'Apend(\"a\", Flow.name)'", M)
                  + decision("isOpen", M)),
        call_flow(update("string", "Flow.name", "'append(\"a\", Flow.name)'")  # names are case-insensitive
                  + decision("Flow.isOpen")),
    ),
    "IVR603": (
        call_flow(decision("IsBusinessHoursNow(Flow.name)", M)),
        call_flow(decision("IsNotSetOrEmpty(ToDisplayString(Flow.name))")  # newer, from the supplement
                  + update("string", "Flow.name", "'GetJsonObjectProperty(JsonParse(\"{}\"), \"a\")'")),
    ),
    "IVR604": (
        call_flow(update("string", "Flow.name", "'Append(\"a\", 5)'", M)
                  + update("string", "Flow.name", "'Substring(Flow.name, -1, 2)'", M)
                  + decision('If(Flow.isOpen, 1, "a") == 1', M)
                  + decision("ToAudioTTS(5) == ToAudioTTS(6)", M)
                  + decision("Flow.count + true > 1", M)
                  # not declared, but an updateData statement types it: String
                  + update("string", "Task.label", "Flow.name")
                  + decision("Task.label + 1 > 2", M)),
        call_flow(update("string", "Flow.name", "'Append(\"a\", ToString(5))'")
                  + update("string", "Flow.name", "'Substring(Flow.name, 0, 2)'")
                  + decision("If(Flow.isOpen, 1, 2) == 1")
                  + decision("Flow.count + Count(Flow.items) > 1")
                  + decision("Session.unknownThing + 1 > Flow.count")),  # unknown type: nothing said
    ),
    "IVR605": (
        call_flow(decision('FindQueue("Support")', M)
                  + update("integer", "Flow.count", "'ToAudioTTS(\"x\")'", M)
                  + "- loop:\n    name: L\n    loopCount:\n      exp: Flow.items" + M + "\n"
                  + "    outputs:\n      loop:\n        actions:\n          - loopNext: {name: N}\n"),
        call_flow(decision('IsSet(FindQueue("Support"))')
                  + update("string", "Flow.name", "Flow.count")  # implicit ToString
                  + decision("Flow.name")  # implicit ToBool
                  + "- playAudio:\n    name: P\n    audio:\n      exp: Flow.name\n"  # implicit ToAudioTTS
                  + "- loop:\n    name: L\n    loopCount:\n      exp: Count(Flow.items)\n"
                  + "    outputs:\n      loop:\n        actions:\n          - loopNext: {name: N}\n"),
    ),
    "IVR606": (
        call_flow(decision("Flow.isOpenn", M) + update("string", "Flow.name", "Task.nmae", M)),
        call_flow(decision("Flow.isOpen") + update("string", "Task.written", "Flow.name")
                  + update("string", "Flow.name", "Task.written")
                  + decision("IsSet(Flow.StartDateTimeUtc)")  # a system variable
                  + update("string", "Flow.name", "Call.Ani")),  # platform scope: not checked
    ),
    "IVR607": (
        call_flow("- loop:\n    name: L\n    loopCount:\n      exp: Count(NOT_SET)" + M + "\n"
                  "    outputs:\n      loop:\n        actions:\n          - loopNext: {name: N}\n"
                  + update("string", "Flow.name", "'Append(NOT_SET, NOT_SET)'", M)),
        call_flow(update("string", "Flow.name", "'Append(\"a\", NOT_SET)'")
                  + decision("IsSet(NOT_SET)")
                  + update("integer", "Flow.count", "ToInt(NOT_SET)")),
    ),
    "IVR608": (
        call_flow(decision("1 == 1", M) + decision("true", M)),
        call_flow(decision("Flow.count == 1") + decision("IsSet(Flow.name)")),
    ),
}


def check_text(tmp_path: Path, text: str) -> list[Finding]:
    path = tmp_path / "flow.yaml"
    path.write_text(text, encoding="utf-8")
    return Engine(Config()).run("validate-flow", [load_flow_file(str(path))])


def test_every_expression_rule_has_cases_and_docs() -> None:
    catalogue = load_catalogue()
    ours = sorted(r for r in catalogue if r.startswith("IVR6"))
    assert ours == IVR6XX == sorted(CASES)
    for rule_id in ours:
        rule = catalogue[rule_id]
        assert rule.stage == "validate-flow" and rule.rationale and rule.bad and rule.good


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_the_marked_lines(tmp_path, rule_id: str) -> None:
    bad, _ = CASES[rule_id]
    expected = marked_lines(bad)
    assert expected
    findings = check_text(tmp_path, bad)
    assert lines_of(findings, rule_id) == expected, [(f.rule_id, f.line, f.message) for f in findings]
    for f in findings:
        if f.rule_id == rule_id:
            assert f.severity is load_catalogue()[rule_id].severity


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_is_quiet_on_the_passing_fixture(tmp_path, rule_id: str) -> None:
    _, good = CASES[rule_id]
    findings = check_text(tmp_path, good)
    assert [f for f in findings if f.rule_id.startswith("IVR6")] == [], \
        [(f.rule_id, f.line, f.message) for f in findings]


def test_findings_point_at_the_offending_token(tmp_path) -> None:
    text = call_flow(update("string", "Flow.name", "'Append(\"a\", Apend(\"b\"))'")
                     + update("string", "Flow.name", '"Append(\\"x\\", Flow.nmae)"')
                     + decision("Flow.count + true > 1"))
    lines = text.splitlines()
    found = {f.rule_id: f for f in check_text(tmp_path, text) if f.rule_id.startswith("IVR6")}
    for rule_id, token in (("IVR602", "Apend"), ("IVR606", "Flow.nmae"), ("IVR604", "+")):
        f = found[rule_id]
        assert lines[f.line - 1][f.col - 1:].startswith(token), (rule_id, lines[f.line - 1], f.col)


def test_multiline_expression_reports_its_start_and_the_line_inside(tmp_path) -> None:
    text = call_flow("- updateData:\n    name: U\n    statements:\n      - string:\n"
                     "          variable: Flow.name\n          value:\n            exp: |-\n"
                     "              Append(\"a\",\n                5)\n")
    (f,) = [f for f in check_text(tmp_path, text) if f.rule_id == "IVR604"]
    assert text.splitlines()[f.line - 1].strip() == "exp: |-"
    assert "expression line 1, column 1" in f.message


def test_corpus_has_no_error_level_expression_findings() -> None:
    files = corpus_files()
    if not files:
        pytest.skip("corpus not available (set IVR_CI_CORPUS)")
    docs = [load_flow_file(str(p)) for p in files]
    findings = Engine(Config()).run("validate-flow", docs, include_load=False)
    errors = [f for f in findings if f.rule_id.startswith("IVR6") and f.severity is Severity.ERROR]
    assert errors == [], [(f.path, f.line, f.message) for f in errors[:10]]
