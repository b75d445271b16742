"""Hostile input: alias bombs, FIFOs, devices, directories, huge numbers (issue 12).

Bounded behaviour is proven with a resource limit on the subprocess (address space and CPU
time), not with timed assertions: before the loading policy the bomb needed ~3 GB and > 60 s.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ivr_ci.cli import main
from ivr_ci.flow import load_flow_text
from ivr_ci.flow.yamlpolicy import ALIAS_BUDGET, read_text
from ivr_ci.util.numbers import read_number, whole_number

REPO = Path(__file__).resolve().parent.parent
MAIN_IVR = REPO / "tests" / "fixtures" / "simulate" / "main-ivr.yaml"


def laughs(levels: int = 9, width: int = 9, indent: str = "") -> str:
    """The billion-laughs document: `levels` anchors, each `width` aliases of the one before."""
    lines = [f'{indent}a0: &a0 [{", ".join(["lol"] * width)}]']
    for i in range(1, levels + 1):
        lines.append(f'{indent}a{i}: &a{i} [{", ".join([f"*a{i - 1}"] * width)}]')
    return "\n".join(lines) + "\n"


PEAK_RSS_LIMIT_KB = 150 * 1024  # the bound for a bomb in a flow, the config or a paths file
# ivr-ci runs as the child of this small launcher, under 1 GB of address space and 20 s of CPU; the
# launcher reports the child's own peak RSS (wait4). Not forked from pytest itself: a peak RSS
# survives fork and exec, so a child of a 300 MB test process would "peak" at 300 MB.
LAUNCHER = """
import os, resource, sys
pid = os.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    resource.setrlimit(resource.RLIMIT_CPU, (20, 20))
    os.execv(sys.executable, [sys.executable, "-m", "ivr_ci", *sys.argv[2:]])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as fh:
    fh.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _bounded(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run ivr-ci under the limits; fail if its peak RSS goes over PEAK_RSS_LIMIT_KB."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("IVR_CI_CONFIG", None)
    rss_file = cwd / ".peak-rss"
    proc = subprocess.run([sys.executable, "-c", LAUNCHER, str(rss_file), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)
    peak = int(rss_file.read_text())
    assert peak < PEAK_RSS_LIMIT_KB, f"peak RSS {peak} KB: {proc.stderr[-500:]}"
    return proc


def test_bomb_in_a_flow_is_ivr001_at_its_anchor_within_bounds(tmp_path):
    (tmp_path / "bomb.yaml").write_text("inboundCall:\n  name: x\n  x:\n" + laughs(indent="    "))
    proc = _bounded(["lint-menu", "bomb.yaml", "--format", "json"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    (finding,) = json.loads(proc.stdout)["findings"]
    assert finding["rule"] == "IVR001" and finding["line"] == 12  # the line of `a8: &a8 [...]`
    assert "aliases expand this document to" in finding["message"] and "copied by 9 aliases" in finding["message"]


def test_bomb_in_the_config_is_a_config_error_within_bounds(tmp_path):
    (tmp_path / ".ivr-ci.yaml").write_text(laughs())
    (tmp_path / "main-ivr.yaml").write_text(MAIN_IVR.read_text())
    proc = _bounded(["lint-menu", "main-ivr.yaml"], tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert ".ivr-ci.yaml:9:5: config is not valid YAML: aliases expand" in proc.stderr
    assert "internal error" not in proc.stderr


def test_bomb_in_a_paths_file_is_a_config_error_within_bounds(tmp_path):
    (tmp_path / "main-ivr.yaml").write_text(MAIN_IVR.read_text())
    (tmp_path / "main-ivr.paths.yaml").write_text(laughs())
    proc = _bounded(["test", "main-ivr.paths.yaml"], tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "main-ivr.paths.yaml:9:5: paths file is not valid YAML: aliases expand" in proc.stderr


def test_aliases_within_the_budget_still_load_and_a_loop_is_named():
    doc = load_flow_text("inboundCall:\n  name: &n x\n  description: *n\n" + laughs(3, 9, "  "), "x.yaml")
    assert doc.problems == [] and doc.flow.description == "x"
    wide = int(math.log(ALIAS_BUDGET, 9)) + 2  # one level more than the budget allows
    doc = load_flow_text("inboundCall:\n  name: x\n" + laughs(wide, 9, "  "), "x.yaml")
    (problem,) = doc.problems
    assert problem.rule_id == "IVR001" and "aliases expand" in problem.message
    (loop,) = load_flow_text("inboundCall:\n  name: x\n  a: &a [1, *a]\n", "x.yaml").problems
    assert (loop.line, loop.col) == (3, 6) and "refers to the anchor it is inside" in loop.message


def test_deep_nesting_is_a_finding_with_a_line():
    (problem,) = load_flow_text("inboundCall:\n  name: x\n  y: " + "[" * 5000 + "]" * 5000 + "\n", "x.yaml").problems
    assert problem.rule_id == "IVR001" and problem.line == 3 and "nesting depth" in problem.message


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "flows" / "x.yaml"
    path.parent.mkdir()
    os.mkfifo(path)
    return path


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_fifo_is_refused_by_type_without_opening_it(fifo, capsys):
    # a FIFO with no writer would block open() for ever: this test would hang, not fail
    for target in (fifo, fifo.parent):
        code, out, _ = _cli(capsys, "lint-menu", str(target))
        assert code == 1 and "cannot read file: is a FIFO (named pipe), not a regular file" in out
    code, _, err = _cli(capsys, "simulate", str(fifo))
    assert code == 2 and "x.yaml: is a FIFO (named pipe), not a regular file" in err
    code, _, err = _cli(capsys, "lint-menu", str(MAIN_IVR), "--config", str(fifo))
    assert code == 2 and "cannot read config: is a FIFO" in err
    with pytest.raises(OSError, match="FIFO"):
        read_text(str(fifo))


def test_devices_and_directories_are_named_as_such(tmp_path, capsys):
    code, out, _ = _cli(capsys, "validate-flow", "/dev/zero")  # endless if it were read
    assert code == 1 and "is a character device, not a regular file" in out
    code, _, err = _cli(capsys, "simulate", str(MAIN_IVR.parent))
    assert code == 2 and "is a directory; simulate walks one flow file" in err
    code, _, err = _cli(capsys, "lint-menu", str(tmp_path))
    assert code == 2 and "no flow files in this directory or below" in err
    code, _, err = _cli(capsys, "validate-flow", str(tmp_path))
    assert code == 2 and "no flow files" in err


def test_files_above_the_size_limit_are_refused(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("inboundCall:\n  name: x\n" + "  # padding\n" * 100_000)
    with pytest.raises(OSError, match=r"is 1\.1 MB; ivr-ci reads files up to 1 MB"):
        read_text(str(big), limit=1 << 20)


@pytest.mark.parametrize(("value", "number", "problem"), [
    (3, 3.0, None), ("10", 10.0, None), (2.5, 2.5, None),
    (float("inf"), None, "too large to be a number"), (10 ** 400, None, "too large to be a number"),
    ("9" * 5000, None, "too large to be a number"), (float("nan"), None, "not a number (NaN)"),
    (True, None, "true/false is not a number"), ("abc", None, None), (None, None, None),
])
def test_read_number_never_raises(value, number, problem):
    got = read_number(value)
    assert (got.value, got.problem) == (number, problem)
    assert len(got.shown) < 60


def test_whole_number_bounds_and_refuses_fractions_bools_and_overflow():
    assert whole_number(5, 1, 10) == 5 and whole_number("7", 1) == 7
    assert whole_number(11, 1, 10) is None and whole_number(2.5) is None
    assert whole_number(True) is None and whole_number(float("inf")) is None and whole_number(10 ** 5000, 1, 9) is None


@pytest.mark.parametrize(("literal", "shown"), [
    ("1e309", "infinity: too large to be a number"),
    ("9" * 5000, "999999999999… (5,000 characters): too large to be a number"),
    ("9" * 400, "a 400-digit number: too large to be a number"),
])
def test_an_overflowing_setting_is_a_finding(tmp_path, capsys, literal, shown):
    text = MAIN_IVR.read_text()
    assert "    repeatCount:\n      lit: 2\n" in text
    flow = tmp_path / "n.yaml"
    flow.write_text(text.replace("    repeatCount:\n      lit: 2\n", f"    repeatCount:\n      lit: {literal}\n", 1))
    code, out, _ = _cli(capsys, "lint-menu", str(flow), "--format", "json")
    messages = [f["message"] for f in json.loads(out)["findings"] if f["rule"] == "IVR105"]
    assert code == 1 and any(f"repeatCount is {shown}" in m for m in messages), messages


def test_keys_starting_with_a_dash_are_a_value_not_an_option(capsys):
    code, out, err = _cli(capsys, "simulate", str(MAIN_IVR), "--keys", "-,1", "--open", "Acme Hours=open",
                          "--at", "2026-11-23T10:00", "--format", "json")
    result = json.loads(out)
    assert code == 0 and result["keys"]["used"] == ["-", "1"], err
    assert result["outcome"]["kind"] == "transfer" and "Sales" in result["outcome"]["description"]
    code, _, err = _cli(capsys, "simulate", str(MAIN_IVR), "--keys", "--format", "json")
    assert code == 2 and "expected one argument" in err  # a real option is still an option


def test_environment_names_typed_as_numbers_or_booleans_are_config_errors(tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text("environments:\n  2:\n    substitutions: {a: b}\n  true:\n    substitutions: {a: b}\n")
    code, _, err = _cli(capsys, "validate-flow", str(MAIN_IVR), "--config", str(config))
    assert code == 2 and "internal error" not in err
    assert "c.yaml:2: environments: the environment name 2 is not text; quote it ('2')" in err
    assert "c.yaml:4: environments: the environment name true is not text" in err


def test_a_misspelt_flow_key_is_a_warning_with_the_key_it_means(tmp_path, capsys):
    flow = tmp_path / "typo.yaml"
    flow.write_text(MAIN_IVR.read_text().replace("  initialGreeting:", "  initialGreting:", 1))
    (tmp_path / "c.yaml").write_text("lint: {}\n")
    code, out, _ = _cli(capsys, "validate-flow", str(flow), "--config", str(tmp_path / "c.yaml"), "--format", "json")
    (finding,) = [f for f in json.loads(out)["findings"] if f["rule"] == "IVR230"]
    assert finding["line"] == 7 and "unknown key 'initialGreting' (did you mean 'initialGreeting'?)" in finding["message"]
    code, out, _ = _cli(capsys, "validate-flow", str(MAIN_IVR), "--config", str(tmp_path / "c.yaml"))
    assert "IVR230" not in out


def test_a_missing_options_file_names_the_environment_and_line(tmp_path, capsys):
    config = tmp_path / ".ivr-ci.yaml"
    config.write_text("environments:\n  prod:\n    options_file: prod.options.yaml\n")
    code, _, err = _cli(capsys, "validate-flow", str(MAIN_IVR), "--config", str(config))
    assert code == 2 and "prod.options.yaml: cannot read Archy options file: No such file or directory" in err
    assert f"(the options_file of environment 'prod', {config}:3)" in err
