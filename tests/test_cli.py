"""The CLI contract: exit codes, clean errors instead of tracebacks, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ivr_ci.cli import COMMANDS, main
from tests.conftest import REPO


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ivr_ci", *args], capture_output=True, text=True,
                          cwd=cwd or REPO)


def test_help_lists_every_command():
    r = run("--help")
    assert r.returncode == 0
    for name in COMMANDS:
        assert name in r.stdout


def test_unknown_command_and_bad_option_are_usage_errors():
    assert run("frobnicate").returncode == 2
    r = run("lint-menu", "--no-such-option")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_missing_path_is_a_usage_error(tmp_path):
    r = run("lint-menu", str(tmp_path / "nope.yaml"))
    assert r.returncode == 2
    assert "no such file" in r.stderr and "Traceback" not in r.stderr


def test_bad_config_is_exit_2_with_file_and_line(tmp_path, write_flow):
    flow = write_flow("inboundCall:\n  name: X\n  startUpRef: ./menus/menu[m]\n  menus: []\n")
    cfg = tmp_path / ".ivr-ci.yaml"
    cfg.write_text("lint:\n  disable: [IVR101]\n  colour: blue\n")
    r = run("lint-menu", str(flow), "--config", str(cfg))
    assert r.returncode == 2
    assert f"{cfg}:3: lint: unknown key 'colour'" in r.stderr


def test_unparseable_file_is_exit_1_with_position(write_flow):
    flow = write_flow("inboundCall:\n  name: [oops\n")
    r = run("lint-menu", str(flow))
    assert r.returncode == 1
    assert f"{flow}:3:1: IVR001" in r.stdout


def test_offline_commands_do_not_import_requests(write_flow):
    flow = write_flow("inboundCall:\n  name: X\n")
    code = (f"import sys; from ivr_ci.cli import main; main(['lint-menu', {str(flow)!r}]); "
            f"main(['validate-flow', {str(flow)!r}]);"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('requests','urllib3'))))")
    r = subprocess.run([sys.executable, "-c", "import json;" + code], capture_output=True, text=True, cwd=REPO)
    assert json.loads(r.stdout.strip().splitlines()[-1]) == []


def test_internal_errors_are_reported_without_traceback(monkeypatch, capsys, write_flow):
    import ivr_ci.commands.lint_menu as lint_menu

    def boom(args):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(lint_menu, "run", boom)
    assert main(["lint-menu", str(write_flow("inboundCall: {}\n"))]) == 3
    err = capsys.readouterr().err
    assert "internal error" in err and "kaboom" in err and "Traceback" not in err


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "markdown"])
def test_every_format_renders_the_same_findings(fmt, write_flow):
    flow = write_flow("""\
        inboundCall:
          name: X
          startUpRef: "/inboundCall/menus/menu[m]"
          menus:
            - menu:
                name: M
                refId: m
                choices:
                  - menuDisconnect: {name: A, dtmf: digit_1}
                  - menuDisconnect: {name: B, dtmf: digit_1}
        """)
    r = run("lint-menu", str(flow), "--format", fmt)
    assert r.returncode == 1
    if fmt == "text":
        assert f"{flow}:10:" in r.stdout and "IVR101 [error]" in r.stdout
    elif fmt == "json":
        data = json.loads(r.stdout)
        assert any(f["rule"] == "IVR101" and f["line"] == 10 for f in data["findings"])
    elif fmt == "sarif":
        data = json.loads(r.stdout)
        run0 = data["runs"][0]
        assert data["version"] == "2.1.0"
        result = next(x for x in run0["results"] if x["ruleId"] == "IVR101")
        assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 10
        assert run0["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "IVR101"
    elif fmt == "github":
        assert f"::error file={flow},line=10," in r.stdout and "title=IVR101::" in r.stdout
    else:
        assert "| ❌ | `IVR101` |" in r.stdout


def test_json_report_has_one_finding_per_line_and_survives_hostile_text():
    from ivr_ci.findings import Finding, Severity
    from ivr_ci.report import render

    nasty = 'quote " back\\slash\nnewline, "findings": [] ünïcode'
    findings = [Finding("IVR101", Severity.ERROR, nasty, "a b/\"c\".yaml", 3, 4),
                Finding("IVR116", Severity.INFO, "plain", "x.yaml", 1, 1)]
    text = render("json", findings, tool_stage="lint-menu", files=["x.yaml"])
    data = json.loads(text)
    assert [f["message"] for f in data["findings"]] == [nasty, "plain"]
    assert data["summary"] == {"error": 1, "warning": 0, "info": 1}
    rows = [line for line in text.splitlines() if line.startswith('    {"rule"')]
    assert [json.loads(r.rstrip(","))["rule"] for r in rows] == ["IVR101", "IVR116"]
    assert json.loads(render("json", [], tool_stage="lint-menu", files=[]))["findings"] == []


def test_unwritable_outputs_and_unreadable_configs_are_clean_errors(tmp_path, write_flow):
    flow = write_flow("inboundCall:\n  name: X\n")
    for option, target in (("-o", str(flow) + "/x"), ("--sarif-file", str(tmp_path))):
        r = run("lint-menu", str(flow), option, target)
        assert r.returncode == 2 and "cannot write" in r.stderr and "Traceback" not in r.stderr
    (tmp_path / ".ivr-ci.yaml").write_bytes(b"\xff\xfe")
    r = run("lint-menu", str(flow), cwd=tmp_path)
    assert r.returncode == 2 and "config is not UTF-8 text" in r.stderr
    (tmp_path / ".ivr-ci.yaml").write_text(
        "environments:\n  1: {api_base: 'http://x', client_id_env: A, client_secret_env: B}\n", encoding="utf-8")
    r = run("validate-flow", "--env", "nope", str(flow), cwd=tmp_path)
    # a name YAML reads as a number could never match `--env 1` (text): say so where it is written
    assert r.returncode == 2 and ".ivr-ci.yaml:2: environments: the environment name 1 is not text" in r.stderr
