"""Benchmark: `promote --apply` of 50 flows under a per-minute rate limit and 200 ms latency.

Run by hand:  python bench/bench_promote.py [--flows 50] [--limit 60] [--latency-ms 200]
              [--job-ms 2000] [--concurrency 32]

Emulator: every API request (`/api/v2/*`) limited to `--limit` per token in any 60 s window
(the `rate_limit` fault), `--latency-ms` on every request, import jobs final `--job-ms` after
their upload (one poll suffices once that time has passed). Release: 50 flows (49 IVRs calling
one common module) updating an org where the previous release is published. The apply runs
the whole pipeline: plan (list, lookups, snapshot export), ordered deploy, verification export.

Floor (what no client using this protocol can beat):
* rate: the run's rate-limited requests, counted from the emulator's record with polls cut to
  one per job and 429s removed (R_min); the window admits L per 60 s, so the last one cannot be
  sent before 60 * floor((R_min - 1) / L) s; plus two request latencies for the response and
  the final (unlimited) download;
* latency: the critical path with unbounded concurrency: token, list + snapshot export (POST,
  poll, download), two dependency levels of (register, upload, job time, final poll), and the
  verification (list, export POST, poll, download).
floor = max(rate, latency). Target: wall time <= 1.2 x floor.

Baseline: the Terraform provider's protocol, sequentially: per flow register, upload, an
immediate first poll, then a poll every 15 s until final; computed analytically (running it
would take ~13 minutes): per flow 3 request latencies + ceil(job / 15 s) * 15 s + 1 latency.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from ivr_ci.config import load_config  # noqa: E402
from ivr_ci.emulator.server import start_emulator  # noqa: E402
from ivr_ci.genesys import RetryPolicy  # noqa: E402
from ivr_ci.promote.apply import ApplyOptions, apply_release  # noqa: E402
from ivr_ci.promote.poller import AdaptivePoller  # noqa: E402
from ivr_ci.promote.render import substitute  # noqa: E402
from ivr_ci.promote.session import make_client, prepare  # noqa: E402
from tests.promote_helpers import release_files  # noqa: E402  (one flow template for tests and bench)

VALUES = {"prefix": "PROD ", "queue": "Support"}


def release(n: int, version: str) -> dict[str, str]:
    """`n` flows: n-1 IVRs calling one common module (the promote tests' release)."""
    return release_files(n - 1, version)


def essential_requests(exchanges: list[dict], jobs: int) -> tuple[int, dict[str, int]]:
    """Rate-limited requests of the run with polls cut to one per job and 429s removed."""
    api = [e for e in exchanges if e["area"] == "api" and e["status"] != 429]
    counts: dict[str, int] = {}
    for e in api:
        path = e["path"]
        kind = ("import-poll" if path.startswith("/api/v2/flows/jobs/") else
                "export-poll" if path.startswith("/api/v2/flows/export/jobs/") else
                f"{e['method']} {path.split('?')[0]}" if "/jobs" in path or path == "/api/v2/flows" else "lookups")
        counts[kind] = counts.get(kind, 0) + 1
    minimal = {**counts, "import-poll": min(counts.get("import-poll", 0), jobs),
               "export-poll": min(counts.get("export-poll", 0), 2)}
    return sum(minimal.values()), counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--flows", type=int, default=50)
    ap.add_argument("--limit", type=int, default=60, help="server limit: API requests per token per minute")
    ap.add_argument("--latency-ms", type=int, default=200)
    ap.add_argument("--job-ms", type=int, default=2000, help="import job time after the upload")
    ap.add_argument("--concurrency", type=int, default=32)
    args = ap.parse_args(argv)
    lat, job = args.latency_ms / 1000, args.job_ms / 1000

    old = {}
    for text in release(args.flows, "v1").values():
        old[text] = substitute(text, VALUES)[0]
    seed = {"settings": {"jobLatencyMs": args.job_ms, "importJobPolls": 1, "exportJobPolls": 1},
            "orgs": [{"name": "Bench", "clients": [{"id": "bench", "secret": "bench-secret"}],
                      "divisions": ["Home"], "queues": [{"name": "Support", "members": 3}],
                      "flows": [{"yaml": t} for t in sorted(old.values(), key=lambda t: not t.startswith("common"))]}]}
    faults = [{"kind": "rate_limit", "perMinute": args.limit, "path": "/api/v2/*"},
              {"kind": "latency", "ms": args.latency_ms}]
    os.environ.update({"BENCH_ID": "bench", "BENCH_SECRET": "bench-secret"})
    with tempfile.TemporaryDirectory() as tmp, start_emulator(seed=seed, record=True) as emu:
        root = Path(tmp)
        (root / "flows").mkdir()
        for name, text in release(args.flows, "v2").items():
            (root / "flows" / name).write_text(text)
        (root / ".ivr-ci.yaml").write_text(
            f"flows: [flows]\nenvironments:\n  prod:\n    api_base: {emu.base_url}\n    client_id_env: BENCH_ID\n"
            f"    client_secret_env: BENCH_SECRET\n    rate_limit: {args.limit}\n"
            f"    substitutions: {{prefix: 'PROD ', queue: Support}}\npromotion:\n  ledger: ledger.jsonl\n")
        session = prepare(load_config(str(root / ".ivr-ci.yaml")), "prod", [], [])
        emu.recorder.clear()
        for fault in faults:  # after seeding: the seed's own imports are not part of the run
            emu.backend.add_fault(fault)
        opts = ApplyOptions(workers=args.concurrency, job_timeout=600, poller=AdaptivePoller(initial=0.2))
        start = time.monotonic()
        with make_client(session.env, poll_initial=0.2, retry=RetryPolicy(max_total=600)) as client:
            result = apply_release(client, session.release, session.env, session.promotion, opts,
                                   git_sha=None, stop=threading.Event(), stream=io.StringIO())
        wall = time.monotonic() - start
        exchanges = emu.exchanges
    assert result.ok, result.entry.summary
    n = args.flows
    r_min, counts = essential_requests(exchanges, n)
    throttled = sum(1 for e in exchanges if e["status"] == 429)
    rate_floor = 60.0 * math.floor((r_min - 1) / args.limit) + 2 * lat
    latency_floor = lat + 4 * lat + 2 * (3 * lat + job) + 4 * lat
    floor = max(rate_floor, latency_floor)
    per_flow = 3 * lat + math.ceil(job / 15.0) * 15.0 + lat
    baseline = n * per_flow
    polls = counts.get("import-poll", 0)
    print(f"flows: {n}, server limit {args.limit}/min, latency {args.latency_ms} ms, job {args.job_ms} ms, "
          f"concurrency {args.concurrency}")
    print(f"rate-limited requests: {sum(counts.values())} sent ({polls} import polls = {polls / n:.2f}/job), "
          f"{throttled} answered 429; essential R_min = {r_min}")
    print(f"floor: rate {rate_floor:.1f} s, latency {latency_floor:.1f} s -> {floor:.1f} s")
    print(f"promote --apply wall time: {wall:.1f} s = {wall / floor:.2f} x floor (target <= 1.20)")
    print(f"sequential baseline (fixed 15 s polls, analytic): {baseline:.0f} s -> {baseline / wall:.1f}x slower")
    return 0 if wall <= 1.2 * floor else 1


if __name__ == "__main__":
    sys.exit(main())
