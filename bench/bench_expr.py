"""Benchmark: `ivr-ci expr --json -` over the SDK examples that state a literal result (issue 19:
under 1 s for the whole process), and how many of them give that result.

Run by hand:  python bench/bench_expr.py  [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from tests.expr_examples import literal_examples  # noqa: E402  (one example set for tests and bench)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="runs; the best is reported")
    args = parser.parse_args()
    examples = literal_examples()
    text = "".join(e["input"].replace("\n", " ") + "\n" for e in examples)
    cmd = [sys.executable, "-m", "ivr_ci", "expr", "--json", "-", "--at", "2026-11-23T10:00"]
    times, out = [], ""
    for _ in range(max(args.repeat, 1)):
        start = time.perf_counter()
        proc = subprocess.run(cmd, input=text, capture_output=True, text=True, cwd=REPO)
        times.append(time.perf_counter() - start)
        out = proc.stdout
    rows = [json.loads(line) for line in out.splitlines()]
    matched = sum(1 for e, r in zip(examples, rows, strict=True) if r["display"] == e["output"].strip())
    best = min(times)
    print(f"ivr-ci expr --json - over {len(examples)} SDK examples: best {best:.3f} s of {len(times)} "
          f"(target < 1 s: {'met' if best < 1 else 'NOT met'})")
    print(f"examples giving the documented result: {matched}/{len(examples)} ({100 * matched / len(examples):.1f} %)")
    for e, r in zip(examples, rows, strict=True):
        if r["display"] != e["output"].strip():
            print(f"  miss: {e['input']}  => documented {e['output']}, got {r['display'] or r['error']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
