"""The real pre-commit runs our hooks from this checkout (`pre-commit try-repo`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

pytestmark = pytest.mark.slow

GOOD = """\
inboundCall:
  name: Good
  startUpRef: "/inboundCall/menus/menu[m]"
  defaultLanguage: en-us
  menus:
    - menu:
        name: Main
        refId: m
        audio:
          tts: For sales press 1. For the operator press 0.
        choices:
          - menuTransferToAcd:
              name: Sales
              dtmf: digit_1
              targetQueue:
                lit:
                  name: Sales
          - menuTransferToAcd:
              name: Operator
              dtmf: digit_0
              targetQueue:
                lit:
                  name: Operator
"""
BAD = GOOD.replace("name: Good", "name: Bad") + """\
          - menuDisconnect:
              name: Bye
              dtmf: digit_1
"""


def _precommit() -> list[str]:
    exe = shutil.which("pre-commit")
    return [exe] if exe else [sys.executable, "-m", "pre_commit"]


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> tuple[Path, dict]:
    if subprocess.run([*_precommit(), "--version"], capture_output=True).returncode != 0:
        pytest.skip("pre-commit is not installed")
    work = tmp_path_factory.mktemp("consumer")
    _git(work, "init", "-q")
    _git(work, "config", "user.email", "t@example.com")
    _git(work, "config", "user.name", "t")
    (work / "flows").mkdir()
    (work / "flows" / "good.yaml").write_text(GOOD)
    (work / ".github").mkdir()
    (work / ".github" / "ci.yml").write_text("on: push\njobs: {}\n")  # not a flow: skipped
    _git(work, "add", ".")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path_factory.mktemp("pre-commit-home")))
    return work, env


def _try(work: Path, env: dict, hook: str) -> subprocess.CompletedProcess:
    return subprocess.run([*_precommit(), "try-repo", str(REPO), hook, "--all-files"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=900)


def test_manifest_is_valid_for_pre_commit():
    r = subprocess.run([*_precommit(), "validate-manifest", str(REPO / ".pre-commit-hooks.yaml")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert {"lint-menu", "validate-flow"} <= set(hooks)
    assert hooks["validate-flow"]["require_serial"] is True


def test_hooks_pass_on_good_flows_and_fail_on_bad_ones(hook_repo):
    work, env = hook_repo
    for hook in ("lint-menu", "validate-flow"):
        result = _try(work, env, hook)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Passed" in result.stdout

    (work / "flows" / "bad.yaml").write_text(BAD)
    _git(work, "add", ".")
    result = _try(work, env, "lint-menu")
    assert result.returncode == 1, result.stdout
    assert "Failed" in result.stdout
    assert "flows/bad.yaml:26:" in result.stdout and "IVR101" in result.stdout
    assert "good.yaml" not in result.stdout and "ci.yml" not in result.stdout
    (work / "flows" / "bad.yaml").unlink()
    _git(work, "add", "-A")


def test_diff_flows_hook_says_it_compares_the_staged_files(hook_repo, tmp_path):
    """pre-commit stashes unstaged edits while hooks run: the manual diff-flows hook says so, and
    how to include them, instead of silently reporting fewer changes."""
    _, env = hook_repo
    work = tmp_path / "consumer"
    work.mkdir()
    _git(work, "init", "-q")
    _git(work, "config", "user.email", "t@example.com")
    _git(work, "config", "user.name", "t")
    (work / "flows").mkdir()
    (work / "flows" / "good.yaml").write_text(GOOD)
    _git(work, "add", ".")
    _git(work, "commit", "-q", "-m", "base")
    (work / "flows" / "good.yaml").write_text(GOOD.replace("name: Operator", "name: Front Desk"))  # unstaged
    result = subprocess.run([*_precommit(), "try-repo", str(REPO), "diff-flows", "--hook-stage", "manual"],
                            cwd=work, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "with the staged files" in result.stdout and "git add" in result.stdout
    assert "0 flow(s) changed" in result.stdout  # the unstaged edit was set aside, as the note says
