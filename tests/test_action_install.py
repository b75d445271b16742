"""The actions' install step for real: a venv from the hash-checked lock, cached across jobs, on the
three runner layouts (Linux and macOS put the venv's interpreter in bin/, Windows in Scripts\\).

These tests download the locked wheels (pip's cache makes the second one cheap); the install's
speed is measured in bench/bench_install.py, not here.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.action_harness import run_action

REPO = Path(__file__).resolve().parent.parent
INSTALL = REPO / "entrypoints" / "_shared" / "install.sh"
LOCK = REPO / "entrypoints" / "_shared" / "requirements.lock"
CLEAN_FLOW = """\
inboundCall:
  name: Clean
  defaultLanguage: en-us
  startUpRef: ./menus/menu[Main]
  initialGreeting:
    tts: Welcome.
  menus:
    - menu:
        name: Main
        refId: Main
        audio:
          tts: For sales press 1. For an agent press 0.
        choices:
          - menuDisconnect:
              name: Sales
              dtmf: digit_1
          - menuDisconnect:
              name: Agent
              dtmf: digit_0
        settings:
          menuErrorHandling:
            noMatchHandling:
              disconnect: {}
"""


class FakeCache:
    """actions/cache on one machine: restore on a key hit, save in the post step (never overwrite)."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.restored: list[str] = []

    def stub(self, post: list[Callable[[], None]]) -> Callable[[Mapping[str, str]], Mapping[str, str]]:
        def cache(with_: Mapping[str, str]) -> Mapping[str, str]:
            key, path = with_["key"], Path(with_["path"])
            saved = self.store / key
            if saved.is_dir():
                shutil.copytree(saved, path, symlinks=True)
                self.restored.append(key)
                return {"cache-hit": "true"}
            post.append(lambda: saved.exists() or not path.is_dir() or shutil.copytree(path, saved, symlinks=True))
            return {"cache-hit": "false"}
        return cache


def _windows_python(tmp: Path) -> str:
    """A stand-in for setup-python's interpreter on Windows: venvs it makes have Scripts/python.exe."""
    shim = tmp / "win-python"
    shim.write_text(textwrap.dedent(f"""\
        #!/usr/bin/env bash
        # `python -m venv [opts] DIR` as on Windows: the interpreter lands in DIR/Scripts/python.exe
        if [ "${{1:-}}" = "-m" ] && [ "${{2:-}}" = "venv" ]; then
          "{sys.executable}" "$@" || exit $?
          for last; do :; done
          mv "$last/bin" "$last/Scripts" && mv "$last/Scripts/python" "$last/Scripts/python.exe"
          exit 0
        fi
        exec "{sys.executable}" "$@"
        """))
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    return str(shim)


def _run_lint(tmp: Path, cache: FakeCache, runner_os: str, python: str | None = None):
    ws = tmp / f"ws-{len(cache.restored)}-{runner_os}"
    (ws / "flows").mkdir(parents=True, exist_ok=True)
    (ws / "flows" / "clean.yaml").write_text(CLEAN_FLOW)
    post: list[Callable[[], None]] = []
    stubs = {"actions/cache": cache.stub(post)}
    if python:
        stubs["actions/setup-python"] = lambda with_: {"python-path": python, "python-version": "3.12.7"}
    env = {k: v for k, v in os.environ.items() if k.startswith("PIP_")}
    env["PYTHONPATH"] = ""  # the venv must find ivr_ci through its own .pth, not the test's path
    return run_action(REPO / "entrypoints" / "lint-menu", {"paths": "flows"}, workspace=ws,
                      use_current_python=False, stubs=stubs, runner_os=runner_os, post=post, env=env)


@pytest.mark.parametrize("runner_os", ["Linux", "macOS"])
def test_cold_install_then_cache_hit(tmp_path, runner_os):
    cache = FakeCache(tmp_path / "cache")
    first = _run_lint(tmp_path, cache, runner_os)
    assert first.returncode == 0, first.stderr + first.stdout
    assert first.outputs["errors"] == "0"
    assert "installed the locked dependencies" in first.stdout
    key = first.step("install-key").outputs["key"]
    assert runner_os in key and "py" + ".".join(map(str, sys.version_info[:3])) in key
    assert re.search(r"-0\.\d+\.\d+-[0-9a-f]{20}$", key), key  # ivr-ci version, lock digest
    python = first.step("install").outputs["python"]
    assert python.endswith("ivr-ci-venv/bin/python")

    second = _run_lint(tmp_path, cache, runner_os)
    assert cache.restored == [key]
    assert second.returncode == 0, second.stderr + second.stdout
    assert "restored from the cache" in second.stdout
    assert "installed the locked dependencies" not in second.stdout


def test_windows_layout(tmp_path):
    cache = FakeCache(tmp_path / "cache")
    result = _run_lint(tmp_path, cache, "Windows", python=_windows_python(tmp_path))
    assert result.returncode == 0, result.stderr + result.stdout
    assert result.outputs["errors"] == "0"
    assert result.step("install").outputs["python"].endswith("ivr-ci-venv/Scripts/python.exe")
    assert "Windows" in result.step("install-key").outputs["key"]
    again = _run_lint(tmp_path, cache, "Windows", python=_windows_python(tmp_path))
    assert again.returncode == 0 and "restored from the cache" in again.stdout


def test_stale_cached_venv_is_rebuilt(tmp_path):
    """A restored venv whose lock digest differs (a partial or older cache) is replaced, not used."""
    runner_temp = tmp_path / "rt"
    venv = runner_temp / "ivr-ci-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (venv / "ivr-ci-lock-digest").write_text("not-the-current-digest\n")
    out = tmp_path / "out"
    env = dict(os.environ, RUNNER_TEMP=str(runner_temp), GITHUB_OUTPUT=str(out), PYTHON=sys.executable,
               IVR_CI_SOURCE=str(REPO), PYTHONPATH="")
    env.pop("IVR_CI_ACTION_TEST_PYTHON", None)
    proc = subprocess.run(["bash", str(INSTALL)], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "installed the locked dependencies" in proc.stdout
    python = out.read_text().strip().split("=", 1)[1]
    assert subprocess.run([python, "-c", "import ivr_ci, yaml, jsonschema"], env=env).returncode == 0


# bash 3.2 (macOS's /bin/bash) and Git Bash (Windows) run install.sh: what it must not use, and why.
NOT_PORTABLE = {
    r"\bsed\s+-i\b": "sed -i differs between GNU and BSD sed",
    r"\breadlink\s+-f\b": "readlink -f is GNU-only (BSD readlink has no -f before macOS 12.3)",
    r"\bstat\s+-c\b": "stat -c is GNU-only (BSD stat uses -f)",
    r"\bgrep\s+-\w*P": "grep -P (PCRE) is GNU-only",
    r"\bdate\s+-d\b": "date -d is GNU-only",
    r"\bmapfile\b|\breadarray\b": "mapfile/readarray need bash 4",
    r"\bdeclare\s+-A\b": "associative arrays need bash 4",
    r"\$\{\w+(,,|\^\^)\}": "case conversion expansions need bash 4",
}


def test_install_script_is_portable():
    text = INSTALL.read_text()
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for pattern, why in NOT_PORTABLE.items():
        assert not re.search(pattern, code), why
    # every use of the venv's interpreter goes through the layout probe
    assert "Scripts/python.exe" in code and code.count('"$venv/bin/python"') == 0
    proc = subprocess.run(["bash", "-n", str(INSTALL)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_every_action_installs_the_same_way():
    """Each stage's action and the root action use the one install script with the cache step."""
    import yaml

    actions = [REPO / "action.yml", *sorted((REPO / "entrypoints").glob("*/action.yml"))]
    for path in actions:
        steps = yaml.safe_load(path.read_text())["runs"]["steps"]
        ids = [s.get("id") or s.get("uses", "").split("@")[0] for s in steps]
        assert ids[:4] == ["python", "install-key", "actions/cache", "install"], (path, ids)
        cache = steps[2]
        assert re.fullmatch(r"actions/cache@[0-9a-f]{40}", cache["uses"])
        assert cache["with"] == {"path": "${{ steps.install-key.outputs.path }}",
                                 "key": "${{ steps.install-key.outputs.key }}"}
        assert "install.sh" in steps[3]["run"] and "install.sh\" key" in steps[1]["run"]


def _update_lock_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("update_lock", REPO / "entrypoints" / "_shared" / "update_lock.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lock_is_current_pinned_and_hashed():
    """The lock covers pyproject's runtime dependencies as they are now, every pin with its hashes."""
    from packaging.requirements import Requirement

    update_lock = _update_lock_module()
    text = LOCK.read_text()
    assert update_lock.is_current(text), "requirements.lock is stale: pip install uv && " \
                                         "python entrypoints/_shared/update_lock.py"
    _, body = update_lock.split_lock(text)
    entries = [e for e in re.split(r"\n(?=\S)", body.strip()) if e]
    pins: dict[str, list[str]] = {}
    for entry in entries:
        m = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", entry)
        assert m, entry
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", entry), f"no hash for {m.group(1)}"
        pins.setdefault(m.group(1).lower().replace("_", "-"), []).append(m.group(2))
    for dep in update_lock.runtime_dependencies():
        req = Requirement(dep)
        versions = pins.get(req.name.lower().replace("_", "-"))
        assert versions, f"{req.name} is not pinned in the lock"
        assert all(req.specifier.contains(v, prereleases=True) for v in versions), (dep, versions)


def test_lock_digest_changes_with_pyproject(tmp_path):
    update_lock = _update_lock_module()
    (tmp_path / "pyproject.toml").write_text((REPO / "pyproject.toml").read_text().replace(
        '"requests>=2.28",', '"requests>=2.28",\n  "python-hcl2>=4",'))
    assert not update_lock.is_current(LOCK.read_text(), repo=str(tmp_path))
