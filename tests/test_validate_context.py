"""A hook run names only the changed files; cross-file rules still see the whole flow set."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

CALLER = """\
inboundCall:
  name: Caller
  startUpRef: "/inboundCall/tasks/task[t]"
  tasks:
    - task:
        name: T
        refId: t
        actions:
          - transferToFlow:
              name: To callee
              targetFlow:
                name: Callee
          - disconnect:
              name: End
"""
CALLEE = CALLER.replace("name: Caller", "name: Callee").replace("name: Callee\n          - disconnect",
                                                                 "name: Caller\n          - disconnect")


def _validate(cwd, *args):
    return subprocess.run([sys.executable, "-m", "ivr_ci", "validate-flow", *args], cwd=cwd,
                          capture_output=True, text=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})


def test_named_file_is_checked_against_the_configured_set(tmp_path):
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "caller.yaml").write_text(CALLER)
    (tmp_path / "flows" / "callee.yaml").write_text(CALLEE.replace("name: Caller\n          - disconnect",
                                                                   "name: Elsewhere\n          - disconnect"))
    (tmp_path / ".ivr-ci.yaml").write_text("flows: [flows]\nvalidate:\n  external-flows: [Elsewhere]\n")
    # alone, the caller's target is unknown; with the configured set as context it is found
    (tmp_path / "empty.yaml").write_text("{}\n")
    alone = _validate(tmp_path, "flows/caller.yaml", "--config", "empty.yaml", "--format", "json")
    assert "IVR301" in alone.stdout
    r = _validate(tmp_path, "flows/caller.yaml", "--format", "json")
    assert r.returncode == 0 and "IVR301" not in r.stdout, r.stdout + r.stderr


def test_a_cycle_through_an_unchanged_flow_is_still_found_and_reported_on_the_named_file(tmp_path):
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "caller.yaml").write_text(CALLER)
    (tmp_path / "flows" / "callee.yaml").write_text(CALLEE)
    (tmp_path / ".ivr-ci.yaml").write_text("flows: [flows]\n")
    r = _validate(tmp_path, "flows/caller.yaml")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "IVR302" in r.stdout and "flows/caller.yaml" in r.stdout
    assert "callee.yaml:" not in r.stdout  # findings only on the named file
