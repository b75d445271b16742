"""Repository-wide hygiene that CI enforces: ruff, zizmor on every action, no `${{` in run:."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.conftest import REPO

ACTIONS = sorted([REPO / "action.yml", *REPO.glob("entrypoints/*/action.yml")])
ACTIONS = [a for a in ACTIONS if a.exists()]


def test_ruff_is_clean():
    exe = shutil.which("ruff")
    cmd = [exe] if exe else [sys.executable, "-m", "ruff"]
    r = subprocess.run([*cmd, "check", "ivr_ci", "tests", "bench"], cwd=REPO, capture_output=True, text=True)
    if r.returncode != 0 and "No module named ruff" in r.stderr:
        pytest.skip("ruff not installed")
    assert r.returncode == 0, r.stdout + r.stderr


def test_zizmor_finds_nothing_in_our_actions():
    exe = shutil.which("zizmor")
    if not exe:
        pytest.skip("zizmor not installed")
    r = subprocess.run([exe, "--offline", "--no-progress", *map(str, ACTIONS)], cwd=REPO,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("action", ACTIONS, ids=lambda p: str(p.relative_to(REPO)))
def test_actions_take_inputs_only_through_env(action):
    data = yaml.safe_load(action.read_text())
    assert data["runs"]["using"] == "composite"
    for step in data["runs"]["steps"]:
        if "run" in step:
            assert step.get("shell") == "bash", step
            assert "${{" not in step["run"], f"{action}: interpolation inside run: {step['run']!r}"
        if "uses" in step:
            assert re.search(r"@[0-9a-f]{40}\b", step["uses"]), f"unpinned action {step['uses']}"
