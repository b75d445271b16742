"""The README's first set-up command runs the whole pipeline on the bundled example."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


def test_demo_runs_the_pipeline_end_to_end():
    env = dict(os.environ, PYTHON=sys.executable,
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("IVR_CI_API_BASE", None)
    r = subprocess.run(["bash", str(REPO / "examples" / "demo.sh")], capture_output=True, text=True,
                       env=env, timeout=600)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "9 cases: 9 passed, 0 failed" in out
    assert 'outcome: transfer to queue "DEV Support"' in out
    assert "2 to create, 0 to update" in out
    assert "0 to create, 0 to update, 2 unchanged" in out  # the re-plan is a no-op
    assert "Out-of-band publishes (1)" in out and "Dana Designer" in out
    assert "dev-deployer-secret" not in out  # the secret never reaches the output
