"""The Architect Scripting SDK (npm, MIT) for the tests that hold ivr-ci to Architect itself.

Found in `$IVR_CI_ARCH_SDK` (what .ci/run installs) or installed once with npm into the user
cache; when neither works (no npm, no network) the tests that need it skip, saying why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ivr_ci.expr.gencatalogue import PACKAGE, find_package

VERSION = "0.0.18"
REPO = Path(__file__).resolve().parent.parent
CHECK_JS = REPO.parent / "shared" / "tools" / "architect-expr-check" / "check.js"


def _cache_prefix() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ivr-ci" / f"arch-sdk-{VERSION}"


def sdk_package() -> Path:
    """The SDK package directory, or pytest.skip with the reason."""
    found = find_package(None)
    if found:
        return found
    prefix = _cache_prefix()
    found = find_package(str(prefix))
    if found:
        return found
    npm = shutil.which("npm")
    if not npm:
        pytest.skip("npm not found: cannot install the Architect Scripting SDK (set IVR_CI_ARCH_SDK)")
    prefix.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(prefix),
                           f"{PACKAGE}@{VERSION}"], capture_output=True, text=True, timeout=300, check=False)
    found = find_package(str(prefix))
    if not found:
        pytest.skip(f"npm install {PACKAGE}@{VERSION} failed: {proc.stderr.strip()[-300:]}")
    return found
