"""Self-test of the composite-action harness on the fixtures under tests/fixtures/actions/."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.action_expr import Evaluator, ExpressionError, evaluate_if, interpolate
from tests.action_harness import (
    HarnessError,
    lint_action,
    load_action,
    parse_file_command,
    run_action,
)
from tests.fake_github import FakeGitHub

ACTIONS = Path(__file__).parent / "fixtures" / "actions"


def test_outputs_summary_annotations_and_env(tmp_path: Path) -> None:
    result = run_action(ACTIONS / "sample", {"name": "Ana"}, workspace=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.outputs["message"] == "Hello, Ana!\nsecond line"  # heredoc form, multi-line
    assert result.outputs["shouted"] == "ANA"  # GITHUB_ENV carried to the next step
    assert result.outputs["python"] == sys.executable  # install short-circuit contract
    assert result.outputs["failed"] == "skipped"
    assert result.summary.startswith("## Greeting\n\nHello, Ana!")
    assert result.annotations("warning") == [
        "::warning file=flows/main.yaml,line=3,title=IVR000::be nice, 100%25"]
    assert "::add-mask::ghs_harnessToken" in result.stdout
    assert [s.outcome for s in result.steps] == ["success", "success", "success", "skipped", "skipped"]
    assert result.env == {"SHOUT": "ANA"}


def test_declared_defaults_and_inputs_override() -> None:
    result = run_action(ACTIONS / "sample", {"name": "Bo", "greeting": "Hej"})
    assert result.outputs["message"].startswith("Hej, Bo!")


def test_failure_sets_exit_status_and_runs_failure_steps() -> None:
    result = run_action(ACTIONS / "sample", {"name": "Cy", "fail": "true"})
    assert result.returncode == 3
    assert result.step("fail").outcome == "failure" and result.outputs["failed"] == "failure"
    assert result.step("cleanup").ran and result.summary.endswith("cleanup ran\n")
    assert result.annotations("error") == ["::error::asked to fail"]


def test_real_install_path_when_not_short_circuited() -> None:
    result = run_action(ACTIONS / "sample", {"name": "Di"}, use_current_python=False)
    assert "would install into" in result.stdout
    assert result.outputs["python"] == sys.executable  # the setup-python stub's python-path


def test_rule_violations_are_detected() -> None:
    action, _ = load_action(ACTIONS / "bad")
    problems = lint_action(action)
    assert any("step 1" in p and "${{" in p for p in problems)
    assert any("step 2" in p and "shell: bash" in p for p in problems)
    assert any("undeclared input 'typo'" in p for p in problems)
    with pytest.raises(HarnessError, match="inside run"):
        run_action(ACTIONS / "bad")
    sample, _ = load_action(ACTIONS / "sample")
    assert lint_action(sample) == []


def test_unknown_inputs_and_step_ids_are_errors() -> None:
    with pytest.raises(HarnessError, match="not declared"):
        run_action(ACTIONS / "sample", {"name": "x", "nmae": "y"})


def test_host_github_env_does_not_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "host-secret")
    monkeypatch.setenv("INPUT_NAME", "leak")
    result = run_action(ACTIONS / "sample", {"name": "Ed"})
    assert "host-secret" not in result.stdout + result.stderr


def test_parse_file_command_forms() -> None:
    text = "a=1\nb<<EOF\nx\ny=z\nEOF\nc=\nd<<ghadelimiter_1\n\nghadelimiter_1\n"
    assert parse_file_command(text) == {"a": "1", "b": "x\ny=z", "c": "", "d": ""}
    with pytest.raises(HarnessError):
        parse_file_command("e<<END\nnever closed\n")


def test_expressions() -> None:
    ctx = {"inputs": {"mode": "Update", "n": "3", "empty": ""},
           "github": {"event": {"pull_request": {"number": 7}}},
           "steps": lambda sid: {"outputs": {"python-path": "/py"}, "outcome": "success"}}
    ev = Evaluator(ctx)
    assert ev.evaluate("inputs.mode == 'update'") is True  # case-insensitive strings
    assert ev.evaluate("inputs.n == 3") is True  # numeric coercion
    assert ev.evaluate("inputs.empty || 'fallback'") == "fallback"
    assert ev.evaluate("inputs.mode && 'yes'") == "yes"
    assert ev.evaluate("github.event.pull_request.number") == 7
    assert ev.evaluate("github.event.issue.number") is None
    assert ev.evaluate("steps.x.outputs.python-path") == "/py"
    assert ev.evaluate("contains(inputs.mode, 'dat') && !startsWith('abc', 'b')") is True
    assert ev.evaluate("format('{0}-{1}', 'a', 1)") == "a-1"
    assert interpolate("n=${{ inputs.n }} m=${{ inputs.mode }}", ev) == "n=3 m=Update"
    with pytest.raises(ExpressionError):
        ev.evaluate("secrets.TOKEN")
    assert evaluate_if("inputs.mode == 'update'", Evaluator(ctx, "failure")) is False
    assert evaluate_if("${{ always() }}", Evaluator(ctx, "failure")) is True
    assert evaluate_if(None, Evaluator(ctx)) is True


def test_action_talks_to_the_fake_github(fake_github: FakeGitHub) -> None:
    fake_github.add_token("ghs_harnessToken", "github-actions[bot]", "Bot")
    fake_github.default_user = ("anonymous", "User")  # a wrong token would post as this user
    result = run_action(ACTIONS / "comment", {"body": "## Diff\nok"}, github_api_url=fake_github.base_url)
    assert result.returncode == 0, result.stderr
    assert result.outputs["comment-status"] == "created"
    assert fake_github.comments(7)[0]["body"].endswith("## Diff\nok")
    assert {r.login for r in fake_github.requests} == {"github-actions[bot]"}  # default ${{ github.token }}
    again = run_action(ACTIONS / "comment", {"body": "## Diff\nok"}, github_api_url=fake_github.base_url)
    assert again.outputs["comment-status"] == "unchanged"
    fake_github.forbid_writes = True
    forked = run_action(ACTIONS / "comment", {"body": "## Diff\nnew"}, github_api_url=fake_github.base_url)
    assert forked.returncode == 0 and forked.outputs["comment-status"] == "fallback"
    assert forked.annotations("warning") and forked.summary == "## Diff\nnew\n"
