"""Benchmark: audit-report memory is flat in the number of audit records.

The emulator runs in its own process (it holds the records); for each size, N synthetic flow
audit records spread over the last 30 days (so both the asynchronous query, cursor pages of
500, and the realtime query serve them) are bulk-inserted through the admin API, then
`ivr-ci audit-report` runs in a fresh child process that reports its own peak RSS
(`resource.getrusage(RUSAGE_SELF).ru_maxrss`) and, in a second run, the tracemalloc peak of
Python allocations.

Run by hand:  python bench/bench_audit_memory.py [--sizes 10000,100000] [--no-tracemalloc]
Target: peak RSS < 200 MB at every size, and no growth with size (last/first within 10%).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

CLIENT = ("bench-client", "bench-secret")
SEED = {"orgs": [{"name": "Bench", "clients": [{"id": CLIENT[0], "secret": CLIENT[1]}],
                  "users": ["Ann Admin", "Bob Builder", "Cy Contractor"]}]}

# The child: run the CLI in-process, then print what it cost. With TRACE=1 tracemalloc is on
# (slower; measures Python allocations only), otherwise ru_maxrss is the honest process figure.
CHILD = r"""
import json, os, resource, sys, time
trace = os.environ.get("TRACE") == "1"
if trace:
    import tracemalloc
    tracemalloc.start()
from ivr_ci.cli import main
t = time.perf_counter()
code = main(sys.argv[1:])
out = {"code": code, "seconds": round(time.perf_counter() - t, 2),
       "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
if trace:
    out["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 2)
print("BENCH " + json.dumps(out), file=sys.stderr)
"""


@contextmanager
def emulator_process(seed: dict) -> Iterator[str]:
    """`ivr-ci emulator` in a child process; yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="ivr-bench-") as tmp:
        seed_path = Path(tmp) / "seed.json"
        seed_path.write_text(json.dumps(seed))
        env = {**os.environ, "PYTHONPATH": REPO + os.pathsep + os.environ.get("PYTHONPATH", "")}
        proc = subprocess.Popen([sys.executable, "-m", "ivr_ci", "emulator", "--seed", str(seed_path)],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline().strip()
            if not line.startswith("IVR_CI_API_BASE="):
                raise RuntimeError(f"emulator did not start: {line!r}")
            yield line.split("=", 1)[1]
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def add_records(base_url: str, count: int, seed: int, days: int = 30) -> int:
    import requests

    added = 0
    while added < count:  # in chunks: one admin call per 50k keeps the emulator's request small
        n = min(50_000, count - added)
        r = requests.post(f"{base_url}/__admin/audits", timeout=300,
                          json={"generate": {"count": n, "days": days, "seed": seed + added}})
        r.raise_for_status()
        added += n
    return int(r.json()["total"])


def write_project(root: Path, base_url: str) -> Path:
    config = root / ".ivr-ci.yaml"
    config.write_text(f"environments:\n  bench:\n    api_base: {base_url}\n    client_id_env: BENCH_ID\n"
                      f"    client_secret_env: BENCH_SECRET\n    rate_limit: 100000\n")
    return config


def run_report(config: Path, out: Path, days: int, trace: bool) -> dict:
    env = {**os.environ, "BENCH_ID": CLIENT[0], "BENCH_SECRET": CLIENT[1], "TRACE": "1" if trace else "0",
           "PYTHONPATH": REPO + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("IVR_CI_API_BASE", None)
    cmd = [sys.executable, "-c", CHILD, "audit-report", "--env", "bench", "--since", f"{days}d", "--config",
           str(config), "--format", "json", "--out", str(out), "--no-drift", "--no-metrics", "--quiet"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=config.parent, check=False)
    line = next((ln for ln in proc.stderr.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"report failed: {proc.stderr[-2000:]}")
    result = json.loads(line[6:])
    summary = json.loads(out.read_text())["summary"]
    result["records"] = summary["records"]
    result["windows"] = len(json.loads(out.read_text())["queries"])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="audit record counts (comma-separated)")
    parser.add_argument("--days", type=int, default=30, help="spread of the records (days back from now)")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the (slower) tracemalloc runs")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with emulator_process(SEED) as base_url, tempfile.TemporaryDirectory(prefix="ivr-bench-") as tmp:
        config = write_project(Path(tmp), base_url)
        total = 0
        for size in sizes:
            t = time.perf_counter()
            total = add_records(base_url, size - total, seed=size)
            insert = time.perf_counter() - t
            rss = run_report(config, Path(tmp) / "r.json", args.days + 1, trace=False)
            if rss["records"] != size:
                raise RuntimeError(f"read {rss['records']} records, expected {size}")
            traced = {} if args.no_tracemalloc else run_report(config, Path(tmp) / "r.json", args.days + 1, True)
            rows.append((size, rss, traced, insert))
    print(f"{'records':>9} {'windows':>7} {'peak RSS':>10} {'tracemalloc':>12} {'report s':>9} {'rec/s':>8}")
    for size, rss, traced, _ in rows:
        tm = f"{traced['tracemalloc_peak_mb']:.2f} MB" if traced else "-"
        print(f"{size:>9,} {rss['windows']:>7} {rss['maxrss_mb']:>7.1f} MB {tm:>12} {rss['seconds']:>9.2f} "
              f"{size / max(rss['seconds'], 1e-9):>8,.0f}")
    first, last = rows[0][1]["maxrss_mb"], rows[-1][1]["maxrss_mb"]
    growth = (last - first) / first
    ok = max(r[1]["maxrss_mb"] for r in rows) < 200 and growth < 0.10
    print(f"peak RSS growth {rows[0][0]:,} -> {rows[-1][0]:,} records: {growth * 100:+.1f}% "
          f"(target < 200 MB and < +10%): {'OK' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
