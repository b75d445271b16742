"""Benchmark: the full fuzz campaign of issue 12 (>= 10,000 cases, 0 internal errors, 0 timeouts).

Run by hand:  python bench/bench_fuzz.py [--cases 10000] [--seed 12] [--subprocess-every 25]
              [--keep DIR] [--only INDEX] [--json FILE]
Mutated flows (this repository's fixtures and the real corpus in ../shared/corpus), configs,
options files, overlays and paths files run through lint-menu, validate-flow, simulate, test,
diff, promote --plan (to a closed port) and rules, in-process and as real subprocesses. Exits 1
on any internal error (exit >= 3 or a traceback), timeout or memory above --memory-mb.
Prints the figures as JSON; failing cases are kept under --keep with their argv.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tests.fuzz.harness import campaign  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--subprocess-every", type=int, default=25)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per case")
    parser.add_argument("--memory-mb", type=float, default=300.0, help="peak RSS allowed per case")
    parser.add_argument("--keep", type=Path, help="copy failing cases here")
    parser.add_argument("--only", type=int, help="run only this case index (reproduce a failure)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--no-corpus", action="store_true", help="own fixtures only")
    args = parser.parse_args()
    report = campaign(cases=args.cases, seed=args.seed, subprocess_every=args.subprocess_every,
                      timeout=args.timeout, memory_mb=args.memory_mb, keep=args.keep, only=args.only,
                      use_corpus=not args.no_corpus, progress=True)
    figures = report.to_json()
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
