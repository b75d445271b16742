"""The client-side rate limiter: pacing, sharing between threads, adapting to 429s."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests

from ivr_ci.genesys import Credentials, GenesysClient, PollPolicy, RetryPolicy
from ivr_ci.genesys.ratelimit import RateLimiter


class FakeTime:
    """A clock whose sleep advances it (the limiter's own injection points)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def limiter(per_minute: float | None, t: FakeTime, **kw: Any) -> RateLimiter:
    return RateLimiter(per_minute, clock=t.clock, sleep=t.sleep, **kw)


def test_paces_requests_at_the_configured_rate() -> None:
    t = FakeTime()
    lim = limiter(60.0, t)  # one a second, no burst at this rate
    start = t.now
    stamps = []
    for _ in range(5):
        lim.acquire()
        stamps.append(t.now - start)
    assert stamps == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_burst_is_a_fraction_of_a_second() -> None:
    t = FakeTime()
    lim = limiter(6000.0, t)  # 100/s, 200 ms burst = 20 requests
    for _ in range(20):
        assert lim.acquire() == 0.0
    assert lim.acquire() > 0.0


def test_disabled_limiter_never_waits() -> None:
    t = FakeTime()
    lim = limiter(None, t)
    assert all(lim.acquire() == 0.0 for _ in range(1000))
    lim.on_throttled(5.0)
    assert lim.acquire() == 0.0 and lim.per_minute is None


def test_429_pauses_everyone_and_cuts_the_rate_to_what_the_server_granted() -> None:
    t = FakeTime()
    lim = limiter(5000.0, t)
    for _ in range(3000):  # 36 s at 83/s, all successful
        lim.acquire()
        lim.on_success()
    lim.on_throttled(7.0)
    before = t.now
    lim.acquire()
    assert t.now - before >= 7.0  # the Retry-After pause
    # 3000 successes in the last 60 s: the server grants ~3000/min; 97 % headroom
    assert 2900 <= (lim.per_minute or 0) <= 2920
    lim.on_throttled(7.0)  # the same burst's other 429s: within the cooldown, no second cut
    assert 2900 <= (lim.per_minute or 0) <= 2920
    assert lim.throttled == 2


def test_rate_creeps_back_up_without_passing_the_ceiling() -> None:
    t = FakeTime()
    lim = limiter(600.0, t)
    lim.on_throttled(0.0)  # nothing succeeded yet: halved
    assert lim.per_minute == 300.0
    for _ in range(20000):
        lim.acquire()
        lim.on_success()
    assert lim.per_minute == 600.0


def test_threads_share_one_budget() -> None:
    lim = RateLimiter(6000.0)  # 100/s, real time
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            lim.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    start = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.monotonic() - start
    assert len(stamps) == 80
    assert 0.55 <= elapsed <= 2.5  # (80 - 20 burst) / 100 per second = 0.6 s


def test_real_rate_limit_429_is_absorbed_and_the_limiter_adapts(emulator_factory: Any) -> None:
    emu = emulator_factory(faults=[{"kind": "rate_limit", "perMinute": 10, "path": "/api/v2/*"}])
    client = GenesysClient(Credentials("local-client", "local-secret"), api_base=emu.base_url, rate_limit=600,
                           retry=RetryPolicy(max_total=20.0), polling=PollPolicy(initial=0.01))
    client.transport.token()
    first = time.monotonic()
    for _ in range(10):  # fills the emulator's 60-second window
        assert client.find_queue("Sales", cache=False) is not None
    # age the window on the emulator clock so that it frees in about a second
    advance = 59.3 - (time.monotonic() - first)
    requests.post(emu.url("/__admin/clock"), json={"advanceSeconds": advance}, timeout=5).raise_for_status()
    start = time.monotonic()
    assert client.find_queue("Billing", cache=False) is not None  # 429 absorbed, not surfaced
    assert time.monotonic() - start >= 0.5  # waited for Retry-After
    assert client.stats.throttled >= 1
    assert (client.transport.limiter.per_minute or 0) <= 300  # adapted down from 600
    client.close()
