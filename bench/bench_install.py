"""How long the actions' install step takes, side by side with the install it replaced.

    python bench/bench_install.py [--repeat 3]

- before: a new venv, then `pip install <checkout>` (resolve, download, build the wheel) — what
  entrypoints/_shared/install.sh did until the lock;
- cold: entrypoints/_shared/install.sh with an empty RUNNER_TEMP (a new runner, no cache hit):
  the hash-locked wheels, no resolution, no build;
- warm: the venv restored as actions/cache would restore it (a tar archive unpacked into a new
  RUNNER_TEMP), then install.sh, which finds it current and only re-points it at the checkout.

All three download with pip's cache off (PIP_NO_CACHE_DIR=1), as on a new runner. Targets (issue 16):
cold <= 12 s, warm <= 3 s. Best of --repeat runs each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INSTALL = os.path.join(REPO, "entrypoints", "_shared", "install.sh")
PYTHON = shutil.which("python3") or sys.executable


def _env(runner_temp: str, output: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "IVR_CI_"))}
    env.update(RUNNER_TEMP=runner_temp, GITHUB_OUTPUT=output, PYTHON=PYTHON, IVR_CI_SOURCE=REPO,
               PIP_NO_CACHE_DIR="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def before(tmp: str) -> float:
    venv = os.path.join(tmp, "old-venv")
    env = _env(tmp, os.path.join(tmp, "out"))
    start = time.perf_counter()
    subprocess.run([PYTHON, "-m", "venv", venv], env=env, check=True)
    subprocess.run([os.path.join(venv, "bin", "python"), "-m", "pip", "install", "--quiet", REPO], env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def cold(tmp: str) -> float:
    runner_temp = os.path.join(tmp, "cold")
    os.makedirs(runner_temp)
    return _timed(["bash", INSTALL], _env(runner_temp, os.path.join(tmp, "out")))


def warm(tmp: str) -> float:
    archive = os.path.join(tmp, "cache.tar")
    with tarfile.open(archive, "w") as tar:  # what actions/cache saved at the end of the cold job
        tar.add(os.path.join(tmp, "cold", "ivr-ci-venv"), arcname="ivr-ci-venv")
    runner_temp = os.path.join(tmp, "warm")
    os.makedirs(runner_temp)
    start = time.perf_counter()
    with tarfile.open(archive) as tar:
        tar.extractall(runner_temp, filter="tar") if sys.version_info >= (3, 12) else tar.extractall(runner_temp)
    subprocess.run(["bash", INSTALL], env=_env(runner_temp, os.path.join(tmp, "out")), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            for name, fn in (("before", before), ("cold", cold), ("warm", warm)):
                took = fn(tmp)
                best[name] = min(best.get(name, took), took)
    print(f"install, best of {args.repeat} (pip cache off, {PYTHON}):")
    print(f"  before (venv + pip install <checkout>): {best['before']:6.2f} s")
    print(f"  cold   (install.sh, hash-locked wheels): {best['cold']:6.2f} s  "
          f"{best['cold'] / best['before']:.2f}x before  (target <= 12 s)")
    print(f"  warm   (cache restored + install.sh):    {best['warm']:6.2f} s  "
          f"{best['warm'] / best['before']:.3f}x before  (target <= 3 s)")
    return 0 if best["cold"] <= 12 and best["warm"] <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
