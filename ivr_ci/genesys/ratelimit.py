"""Client-side rate limiter shared by every thread using one client (one token).

A GCRA token bucket: each request reserves the next free slot under a lock, then sleeps outside
it until its slot, so N worker threads together never exceed the rate.

The rate adapts. Genesys limits requests per token per minute, so a 429 means the configured
rate is above what the server grants. On a 429 (at most once per cooldown) every thread pauses
for `Retry-After`, and the rate is set just under (`headroom`, 97 %) what the server demonstrably
let through: the successes of the last 60 s, per minute — clamped between half and 95 % of the
current rate. For a per-minute window that is the server's limit itself. While no 429 arrives the
rate creeps back up (`increase` per second, multiplicative) to that observed grant, then probes
beyond it ten times slower, up to the configured ceiling. So a limit set too high converges on
the server's real limit (and stays just under it), and a limit set too low is never exceeded.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

WINDOW = 60.0  # seconds: Genesys limits are per minute


class Limiter(Protocol):
    """What the transport needs from a limiter (`RateLimiter`, or e.g. a sliding-window one)."""

    @property
    def per_minute(self) -> float | None: ...

    def acquire(self) -> float: ...

    def on_success(self) -> None: ...

    def on_throttled(self, retry_after: float | None) -> None: ...


class RateLimiter:
    """Thread-safe adaptive token bucket. `per_minute=None` disables limiting."""

    def __init__(
        self,
        per_minute: float | None = 300.0,
        *,
        burst: float | None = None,
        adaptive: bool = True,
        min_per_minute: float = 6.0,
        increase: float = 0.001,
        headroom: float = 0.97,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute is not None and per_minute <= 0:
            raise ValueError("rate limit must be positive (requests per minute)")
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self.ceiling = per_minute  # the configured limit, requests/minute
        self._rate = (per_minute or 0.0) / 60.0  # current rate, requests/second
        self._burst = burst
        self._min_rate = min_per_minute / 60.0
        self._increase = increase
        self._headroom = headroom
        self.adaptive = adaptive
        self._tat = 0.0  # theoretical arrival time of the next request (GCRA)
        self._blocked_until = 0.0
        self._cooldown_until = 0.0
        self._last_increase = clock()
        self._successes: deque[float] = deque()
        self._granted: float | None = None  # requests/s the server let through before the last 429
        self.throttled = 0  # 429s reported
        self.waited = 0.0  # total seconds callers spent waiting

    def __repr__(self) -> str:
        return f"RateLimiter(ceiling={self.ceiling}, per_minute={self.per_minute}, throttled={self.throttled})"

    @property
    def enabled(self) -> bool:
        return self.ceiling is not None

    @property
    def per_minute(self) -> float | None:
        """The current (possibly adapted) rate in requests per minute."""
        return self._rate * 60.0 if self.enabled else None

    def _tolerance(self) -> float:
        burst = self._burst if self._burst is not None else max(1.0, self._rate * 0.2)  # 200 ms worth
        return (max(1.0, burst) - 1.0) / self._rate

    def acquire(self) -> float:
        """Wait for a slot; return the seconds waited."""
        if not self.enabled:
            return 0.0
        with self._lock:
            now = self._clock()
            tat = max(self._tat, now, self._blocked_until)
            self._tat = tat + 1.0 / self._rate
            wait = max(0.0, tat - self._tolerance() - now, self._blocked_until - now)
        waited = wait
        if wait > 0:
            self._sleep(wait)
        while True:  # a 429 seen by another thread while we slept pauses us too
            with self._lock:
                extra = self._blocked_until - self._clock()
            if extra <= 0:
                break
            self._sleep(extra)
            waited += extra
        if waited:
            with self._lock:
                self.waited += waited
        return waited

    def _trim(self, now: float) -> None:
        while self._successes and self._successes[0] <= now - WINDOW:
            self._successes.popleft()

    def on_success(self) -> None:
        """A request went through: count it; let the rate creep back towards the ceiling."""
        if not self.enabled:
            return
        with self._lock:
            now = self._clock()
            if self.adaptive:
                self._successes.append(now)
                self._trim(now)
            ceiling = (self.ceiling or 0.0) / 60.0
            if not self.adaptive or now < self._cooldown_until:
                return
            if self._rate >= ceiling:
                self._last_increase = now
                return
            elapsed = min(5.0, max(0.0, now - self._last_increase))
            self._last_increase = now
            # back to the server's observed grant at `increase`/s, then probe beyond it 10x slower
            step = self._increase if self._granted is None or self._rate < self._granted else self._increase / 10
            self._rate = min(ceiling, self._rate * (1.0 + step * elapsed))

    def on_throttled(self, retry_after: float | None) -> None:
        """The server answered 429: pause everyone for `retry_after`, adapt the rate."""
        if not self.enabled:
            return
        with self._lock:
            self.throttled += 1
            now = self._clock()
            pause = max(0.0, retry_after if retry_after is not None else 1.0)
            self._blocked_until = max(self._blocked_until, now + pause)
            self._tat = max(self._tat, self._blocked_until)
            if not self.adaptive or now < self._cooldown_until:
                return
            self._trim(now)
            observed = len(self._successes) / WINDOW  # what the server let through, per second
            self._granted = observed or None
            target = observed * self._headroom
            self._rate = max(self._min_rate, min(self._rate * 0.95, max(self._rate * 0.5, target)))
            self._cooldown_until = self._blocked_until + 1.0
            self._last_increase = self._cooldown_until
