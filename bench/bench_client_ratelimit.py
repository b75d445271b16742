"""Benchmark: the client's adaptive rate limiter against the emulator's real per-token limit.

Run by hand:  python bench/bench_client_ratelimit.py [--server-limit 3000] [--client-limit 6000]
              [--lookups 1000] [--threads 8] [--settle 60]

Starts the emulator with a `rate_limit` fault (a sliding 60-second window per token, like
Genesys' per-minute limits), tells the client a limit that is too high, and runs uncached queue
lookups from worker threads that share one client. Prints the achieved throughput / server
limit ratio (target 0.9-1.0), the 429s absorbed by the client and the errors that surfaced
to the caller (target 0).

The emulator's window is 60 s: a cold run of 1,000 lookups fits in the first window of a
3,000/min limit and never meets a 429. So the run first warms up (lookups until the first 429,
then `--settle` seconds more: the limiter has met the window), then measures `--lookups`
lookups in steady state, back to back with the warm-up.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from ivr_ci.emulator.server import start_emulator  # noqa: E402
from ivr_ci.genesys import Credentials, GenesysClient, GenesysError, RetryPolicy  # noqa: E402

QUEUES = ["General Support", "Sales", "Billing"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server-limit", type=float, default=3000.0, help="emulator limit, requests/min per token")
    ap.add_argument("--client-limit", type=float, default=6000.0, help="what the client is told, requests/min")
    ap.add_argument("--lookups", type=int, default=1000, help="measured lookups")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--settle", type=float, default=60.0,
                    help="warm-up: keep going this long after the first 429 before measuring (0: measure cold)")
    args = ap.parse_args(argv)

    fault = {"kind": "rate_limit", "perMinute": int(args.server_limit), "path": "/api/v2/*"}
    with start_emulator(faults=[fault]) as emu:
        client = GenesysClient(Credentials("local-client", "local-secret"), api_base=emu.base_url,
                               rate_limit=args.client_limit, retry=RetryPolicy(max_total=300.0))
        client.transport.token()  # the token request is not part of the measurement
        lock = threading.Lock()
        surfaced: list[str] = []
        state = {"next": 0, "measured_from": None, "first_429": None, "measure_start": None,
                 "measured_done": 0, "warmup": 0, "throttled_before": 0}
        run_start = time.monotonic()

        def take() -> str | None:
            """Next lookup: 'warmup' until the limiter settled, then the measured ones."""
            with lock:
                now = time.monotonic()
                if state["measured_from"] is None:
                    settled = state["first_429"] is not None and now - state["first_429"] >= args.settle
                    if args.settle <= 0 or settled:
                        state["measured_from"] = state["next"]
                        state["measure_start"] = now
                        state["throttled_before"] = client.stats.throttled
                    else:
                        state["next"] += 1
                        state["warmup"] += 1
                        return "warmup"
                if state["next"] - state["measured_from"] >= args.lookups:
                    return None
                state["next"] += 1
                return "measured"

        def worker() -> None:
            i = 0
            while (kind := take()) is not None:
                i += 1
                try:
                    queue = client.find_queue(QUEUES[i % len(QUEUES)], cache=False)
                    assert queue is not None and "memberCount" in queue
                    if kind == "measured":
                        with lock:
                            state["measured_done"] += 1
                except (GenesysError, AssertionError) as exc:
                    with lock:
                        surfaced.append(f"{type(exc).__name__}: {exc}")

        def monitor() -> None:  # when did the first 429 arrive (workers sleep through it)
            while state["first_429"] is None and not finished.is_set():
                if client.stats.throttled:
                    with lock:
                        state["first_429"] = time.monotonic()
                finished.wait(0.05)

        finished = threading.Event()
        threads = [threading.Thread(target=worker) for _ in range(args.threads)]
        watcher = threading.Thread(target=monitor)
        for t in [*threads, watcher]:
            t.start()
        for t in threads:
            t.join()
        finished.set()
        watcher.join()
        end = time.monotonic()
        client.close()

    elapsed = end - state["measure_start"]
    achieved = state["measured_done"] / elapsed * 60.0
    ratio = achieved / args.server_limit
    print(f"server limit {args.server_limit:.0f}/min (60 s sliding window per token); client told "
          f"{args.client_limit:.0f}/min; {args.threads} threads share one client")
    print(f"warm-up: {state['warmup']} lookups in {state['measure_start'] - run_start:.1f} s "
          f"(first 429 after {((state['first_429'] or run_start) - run_start):.1f} s, then {args.settle:.0f} s)")
    print(f"measured: {state['measured_done']} lookups in {elapsed:.1f} s = {achieved:.0f}/min "
          f"-> ratio {ratio:.3f} (target 0.9-1.0); limiter ended at {client.transport.limiter.per_minute:.0f}/min")
    print(f"429s absorbed: {client.stats.throttled} in total, "
          f"{client.stats.throttled - state['throttled_before']} while measuring; "
          f"errors surfaced to the caller: {len(surfaced)}")
    for line in surfaced[:5]:
        print("  " + line)
    return 0 if not surfaced else 1


if __name__ == "__main__":
    raise SystemExit(main())
