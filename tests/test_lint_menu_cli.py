"""`ivr-ci lint-menu` end to end: config, inline suppression, exit codes, corpus, speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ivr_ci.cli import main
from ivr_ci.config import Config
from ivr_ci.findings import Severity
from ivr_ci.flow import load_flow_text
from ivr_ci.rules.engine import Engine
from tests.lint_menu_fixtures import flow, lines_of, lint_file

REPO = Path(__file__).resolve().parent.parent

# Announces 2 (missing), offers 1/3 (3 unannounced: IVR110), no 0 (IVR116), three choices.
MENU = """\
- menu:
    name: Main Menu
    refId: main
    audio:
      tts: Press 1 for sales, press 2 for support.
    choices:
      - menuTransferToAcd: {name: Sales, dtmf: digit_1, targetQueue: {lit: {name: Sales}}}
      - menuTransferToAcd: {name: Support, dtmf: digit_3, targetQueue: {lit: {name: Support}}}
      - menuDisconnect: {name: Bye, dtmf: digit_9}
"""


def _run(capsys, *argv: str) -> tuple[int, dict | str, str]:
    code = main(["lint-menu", *argv])
    out, err = capsys.readouterr()
    try:
        return code, json.loads(out), err
    except ValueError:
        return code, out, err


def _rules(report: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in report["findings"]:
        out.setdefault(f["rule"], []).append(f)
    return out


def test_defaults_then_config_disable_severity_and_options(tmp_path, capsys) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text(flow(MENU), encoding="utf-8")
    code, report, _ = _run(capsys, str(path), "--format", "json")
    by_rule = _rules(report)
    assert code == 0  # warnings and infos only
    assert {"IVR110", "IVR116"} <= by_rule.keys() and "IVR107" not in by_rule

    config = tmp_path / ".ivr-ci.yaml"
    config.write_text("lint:\n  disable: [IVR116]\n  severity: {IVR110: error}\n"
                      "  options: {IVR107: {max-choices: 2}}\n", encoding="utf-8")
    code, report, _ = _run(capsys, str(path), "--format", "json", "--config", str(config))
    by_rule = _rules(report)
    assert "IVR116" not in by_rule
    assert [f["severity"] for f in by_rule["IVR110"]] == ["error"]
    choices_line = path.read_text(encoding="utf-8").splitlines().index("        choices:") + 1
    assert by_rule["IVR107"][0]["line"] == choices_line
    assert "3 choices (max-choices is 2)" in by_rule["IVR107"][0]["message"]
    assert code == 1  # an error-level finding fails the run


def test_inline_suppression_on_the_line_and_the_line_above(tmp_path) -> None:
    text = flow(MENU)
    plain = tmp_path / "plain.yaml"
    plain.write_text(text, encoding="utf-8")
    found = lint_file(plain)
    assert lines_of(found, "IVR110") and lines_of(found, "IVR116")
    audio_line, menu_line = lines_of(found, "IVR110")[0], lines_of(found, "IVR116")[0]
    lines = text.splitlines()
    lines[menu_line - 1] += "  # ivr-ci: disable=IVR116"  # same line
    lines.insert(audio_line - 1, "        # ivr-ci: disable=IVR110")  # line above
    quiet = tmp_path / "quiet.yaml"
    quiet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    kept = {f.rule_id for f in lint_file(quiet)}
    assert "IVR110" not in kept and "IVR116" not in kept
    assert {f.rule_id for f in found} - {"IVR110", "IVR116"} <= kept


def test_a_suppression_naming_no_rule_is_a_warning_at_the_comment(tmp_path) -> None:
    text = flow(MENU)
    found = lint_file_text(tmp_path, text)
    menu_line = lines_of(found, "IVR116")[0]
    lines = text.splitlines()
    lines[menu_line - 1] += "  # ivr-ci: disable=IVR161, IVR110"  # 161: a typo of 116
    lines.insert(0, "# ivr-ci: disable-file=IVR11")
    found = lint_file_text(tmp_path, "\n".join(lines) + "\n")
    unknown = sorted((f.line, f.col, f.message) for f in found if f.rule_id == "IVR004")
    assert [(line, col) for line, col, _ in unknown] == [(1, 24), (menu_line + 1, lines[menu_line].index("IVR161") + 1)]
    assert "'IVR161', which is not a rule id; did you mean IVR116 (no-zero-out)?" in unknown[1][2]
    assert all(f.severity is Severity.WARNING for f in found if f.rule_id == "IVR004")
    assert lines_of(found, "IVR116")  # the typo silenced nothing


def test_a_suppression_of_real_rules_is_not_reported(tmp_path) -> None:
    lines = flow(MENU).splitlines()
    lines.insert(0, "# ivr-ci: disable-file=IVR116,ivr110")
    assert not lines_of(lint_file_text(tmp_path, "\n".join(lines) + "\n"), "IVR004")


def lint_file_text(tmp_path: Path, text: str) -> list:
    path = tmp_path / "flow.yaml"
    path.write_text(text, encoding="utf-8")
    return lint_file(path)


def test_bad_rule_option_is_a_config_error_with_exit_2(tmp_path, capsys) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text(flow(), encoding="utf-8")
    config = tmp_path / ".ivr-ci.yaml"
    config.write_text("lint:\n  options: {IVR106: {max-depth: deep}}\n", encoding="utf-8")
    code, out, err = _run(capsys, str(path), "--config", str(config))
    assert code == 2
    assert f"{config}: lint.options.IVR106.max-depth must be a whole number" in err
    assert "Traceback" not in err


def test_bad_input_is_reported_with_file_and_line_not_a_traceback(tmp_path, capsys) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("inboundCall:\n  name: X\n  menus: [\n", encoding="utf-8")
    code, out, err = _run(capsys, str(broken))
    assert code == 1 and f"{broken}:" in out and "IVR001" in out and "Traceback" not in err
    code, out, err = _run(capsys, str(tmp_path / "missing.yaml"))
    assert code == 2 and "no such file" in err


ODD_SHAPES = """\
outboundCall:
  name: Odd
  startUpRef: 42
  supportedLanguages: [en-us, fr-fr]
  initialGreeting: hello
  settingsMenu: [not, a, mapping]
  menus:
    - menu: just a string
    - menu:
        name: Weird
        refId: weird
        audio: {tts: [not, text]}
        settingsMenu: {menuSelectionTimeout: {lit: {seconds: soon}}, repeatCount: {lit: many}}
        defaultChildMenuRef: ./choices/menuTask[nowhere]
        choices:
          - plain string choice
          - {two: 1, keys: 2}
          - menuTask: null
          - menuTask: {dtmf: {lit: digit_1}, speechRecTerms: "{{terms}}", task: [not, a, mapping]}
          - menuFutureKind: {dtmf: digit_1, speechRecTerms: {en-us: {terms: [null, 3]}}, targetMenuRef: 7}
    - menu:
        choices: {not: a list}
  tasks:
    - task: {actions: [{callTask: {targetTaskRef: "/outboundCall/tasks/task[nope]"}}, 3, [x]]}
"""


def test_unknown_keys_and_odd_shapes_never_crash(tmp_path, capsys) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(ODD_SHAPES, encoding="utf-8")
    code, report, err = _run(capsys, str(path), "--format", "json")
    assert code in (0, 1) and "internal error" not in err
    by_rule = _rules(report)
    # the literal "many" is still judged; unknown wrappers and kinds are left alone
    assert [f["line"] for f in by_rule["IVR105"]] == [13]


def test_corpus_lints_without_crash_or_error_level_findings(corpus) -> None:
    docs = [load_flow_text(p.read_text(encoding="utf-8").replace("\r\n", "\n"), str(p)) for p in corpus]
    findings = Engine(Config()).run("lint-menu", docs, include_load=False)
    errors = [f"{f.location()} {f.rule_id} {f.message}" for f in findings if f.severity is Severity.ERROR]
    assert errors == []
    assert all(f.line > 0 for f in findings)


def test_offline_command_does_not_import_requests(tmp_path) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text(flow(), encoding="utf-8")
    code = ("import sys; from ivr_ci.cli import main; rc = main(['lint-menu', sys.argv[1]]); "
            "sys.exit(10 if 'requests' in sys.modules else rc)")
    done = subprocess.run([sys.executable, "-c", code, str(path)], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def generated_flow(menus: int) -> str:
    """A binary menu tree: each menu offers 0 (agent), 1/2 (sub-menus, or a task at the leaves), 9 (back)."""
    out = ["inboundCall:", "  name: Big", "  startUpRef: /inboundCall/menus/menu[m0]", "  menus:"]
    for i in range(menus):
        out += ["    - menu:", f"        name: Menu {i}", f"        refId: m{i}",
                "        audio: {tts: \"Press 1 or 2 to continue, 0 for an agent, 9 to go back.\"}",
                "        choices:",
                "          - menuTransferToAcd: {name: Agent, dtmf: digit_0, targetQueue: {lit: {name: Q}}}"]
        for digit, child in ((1, 2 * i + 1), (2, 2 * i + 2)):
            if child < menus:
                go = f'jumpToMenu: {{name: Go, targetMenuRef: "/inboundCall/menus/menu[m{child}]"}}'
            else:
                go = 'callTask: {name: Go, targetTaskRef: "/inboundCall/tasks/task[t]"}'
            out.append(f"          - menuTask: {{name: Option {digit}, dtmf: digit_{digit}, "
                       f"speechRecTerms: {{en-us: {{terms: [option {digit}]}}}}, task: {{actions: [{{{go}}}]}}}}")
        out.append("          - menuTask: {name: Back, dtmf: digit_9, task: {actions: [{previousMenu: {name: B}}]}}")
    out += ["  tasks:", "    - task:", "        name: T", "        refId: t",
            "        actions: [{disconnect: {name: Bye}}]"]
    return "\n".join(out) + "\n"


def test_a_big_generated_menu_tree_is_walked_completely(tmp_path: Path) -> None:
    """Speed is measured in bench/bench_lint.py; here: a 2,000-menu tree is linted end to end
    and the only findings are the menus past the depth limit (so every branch was reached)."""
    path = tmp_path / "big.yaml"
    path.write_text(generated_flow(2_000), encoding="utf-8")
    code = main(["lint-menu", str(path), "--format", "json", "--output", str(tmp_path / "out.json")])
    assert code == 0
    report = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    depth = [f for f in report["findings"] if f["rule"] == "IVR106"]
    assert depth and {f["rule"] for f in report["findings"]} == {"IVR106"}
    # a binary tree of 2,000 menus has 2^5 = 32 menus at depth 6, the first past the limit
    assert len(depth) == 32
