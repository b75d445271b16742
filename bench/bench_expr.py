"""Benchmark: what the expression rules (IVR6xx) cost validate-flow on the corpus, in one run.

Measured, each as a separate process, best of --repeat (default 5):
  * the parse floor: compose every corpus file with CSafeLoader (bench_lint.parse_floor);
  * validate-flow at --baseline-rev (default: the commit before the expression rules were
    added), from a temporary git worktree: validate-flow as it was before this work;
  * validate-flow now, and now with IVR601-IVR608 disabled in a config (same code, no
    expression checks).

Run by hand:  python bench/bench_expr.py [--corpus DIR] [--repeat N] [--baseline-rev REV]
Targets: validate-flow now <= 1.15x the baseline, <= 2x the parse floor.
"""

from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from bench.bench_lint import best_cmd  # noqa: E402


def default_baseline() -> str:
    added = subprocess.run(["git", "log", "--diff-filter=A", "--format=%H", "--", "ivr_ci/rules/expressions.py"],
                           cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    if not added:
        raise SystemExit("no commit adds ivr_ci/rules/expressions.py: pass --baseline-rev")
    return added[-1] + "^"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=os.environ.get("IVR_CI_CORPUS",
                                                           os.path.join(REPO, "..", "shared", "corpus")))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-rev", default=None)
    args = parser.parse_args()
    corpus = args.corpus if os.path.basename(args.corpus) == "archy" else os.path.join(args.corpus, "archy")
    files = sorted(glob.glob(os.path.join(corpus, "*.y*ml")))
    py = sys.executable
    rev = args.baseline_rev or default_baseline()
    print(f"corpus: {len(files)} files; baseline {rev}")
    floor_script = ("import glob, sys; sys.path.insert(0, sys.argv[1]); from bench.bench_lint import parse_floor; "
                    "parse_floor(sorted(glob.glob(sys.argv[2])))")
    with tempfile.TemporaryDirectory(prefix="ivr-bench-expr-") as tmp:
        base = os.path.join(tmp, "baseline")
        subprocess.run(["git", "worktree", "add", "--detach", "--quiet", base, rev], cwd=REPO, check=True)
        try:
            cfg = os.path.join(tmp, ".ivr-ci.yaml")
            with open(cfg, "w", encoding="utf-8") as fh:
                fh.write("lint:\n  disable: [" + ", ".join(f"IVR60{i}" for i in range(1, 9)) + "]\n")
            vf = [py, "-m", "ivr_ci", "validate-flow", *files, "--format", "json"]
            env_now = {**os.environ, "PYTHONPATH": REPO}
            env_base = {**os.environ, "PYTHONPATH": base}
            floor = best_cmd([py, "-c", floor_script, REPO, os.path.join(corpus, "*.y*ml")], args.repeat)

            def timed(cmd: list[str], env: dict) -> float:
                return best_cmd_env(cmd, env, args.repeat)

            t_base = timed(vf, env_base)
            t_now = timed(vf, env_now)
            t_off = timed([*vf, "--config", cfg], env_now)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", base], cwd=REPO, check=False)
    rows = [("parse floor: CSafeLoader compose (process)", floor),
            (f"validate-flow at baseline {rev[:12]} (process)", t_base),
            ("validate-flow now, IVR6xx disabled (process)", t_off),
            ("validate-flow now (process)", t_now)]
    for name, t in rows:
        print(f"  {name:<52} {t * 1000:8.1f} ms")
    print("ratios (lower is better):")
    print(f"  validate-flow now / baseline    = {t_now / t_base:5.2f}x  (target <= 1.15)")
    print(f"  validate-flow now / parse floor = {t_now / floor:5.2f}x  (target <= 2.0)")
    print(f"  baseline / parse floor          = {t_base / floor:5.2f}x")
    return 0


def best_cmd_env(cmd: list[str], env: dict, repeat: int) -> float:
    import time

    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        best = min(best, time.perf_counter() - t)
    return best


if __name__ == "__main__":
    sys.exit(main())
