"""The package type-checks: `python -m mypy` from the repository root, with the committed
`[tool.mypy]` settings in pyproject.toml (files = ivr_ci), reports no error. CI runs this through
the test suite (.ci/run), so a type error fails the build with mypy's own report."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO

if importlib.util.find_spec("mypy") is None:
    pytest.skip("mypy is not installed (pip install -e '.[test]' brings it)", allow_module_level=True)


def _mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=600)


def test_package_is_mypy_clean_with_the_committed_config():
    r = _mypy()
    assert r.returncode == 0, f"mypy found errors:\n{r.stdout}{r.stderr}"
    assert "Success: no issues found" in r.stdout, r.stdout + r.stderr


def test_committed_config_checks_the_package_and_is_strict(tmp_path: Path):
    """The settings bite: an unannotated function, an unused ignore and a None passed where a
    str is wanted are each reported by the same config file the package is checked with."""
    bad = tmp_path / "planted.py"
    bad.write_text(textwrap.dedent("""\
        def untyped(x):
            return x


        def wants_str(s: str) -> int:
            return len(s)


        def maybe() -> str | None:
            return None


        n = wants_str(maybe())
        ok: int = 1  # type: ignore[assignment]
        """))
    r = _mypy("--config-file", str(REPO / "pyproject.toml"), "--cache-dir", str(tmp_path / "cache"),
              str(bad))
    assert r.returncode == 1, r.stdout + r.stderr
    for code in ("[no-untyped-def]", "[arg-type]", "[unused-ignore]"):
        assert code in r.stdout, f"{code} not reported:\n{r.stdout}"
