"""Client-side rate limiter shared by every thread using one client (one token).

A GCRA token bucket: each request reserves the next free slot under a lock, then sleeps outside
it until its slot, so N worker threads together never exceed the rate. The rate adapts: a 429
from the server means the configured limit is above what the server grants, so the rate is cut
(at most once per cooldown) and a `Retry-After` pauses every thread; successes then let it
creep back up, slowly, towards the configured ceiling. A limit set too high therefore converges
on the server's real limit.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """Thread-safe adaptive token bucket. `per_minute=None` disables limiting."""

    def __init__(
        self,
        per_minute: float | None = 300.0,
        *,
        burst: float | None = None,
        adaptive: bool = True,
        min_per_minute: float = 6.0,
        decrease: float = 0.9,
        increase_window: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute is not None and per_minute <= 0:
            raise ValueError("rate limit must be positive (requests per minute)")
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self.ceiling = per_minute  # the configured limit
        self._rate = (per_minute or 0.0) / 60.0  # current rate, requests/second
        self._burst = burst
        self._min_rate = min_per_minute / 60.0
        self._decrease = decrease
        self._increase_window = increase_window
        self.adaptive = adaptive
        self._tat = 0.0  # theoretical arrival time of the next request
        self._blocked_until = 0.0
        self._cooldown_until = 0.0
        self._successes: deque[float] = deque()
        self.throttled = 0  # 429s reported
        self.waited = 0.0  # total seconds callers spent waiting

    @property
    def enabled(self) -> bool:
        return self.ceiling is not None

    @property
    def per_minute(self) -> float | None:
        """The current (possibly adapted) rate in requests per minute."""
        with self._lock:
            return self._rate * 60.0 if self.enabled else None

    def _tolerance(self) -> float:
        burst = self._burst if self._burst is not None else max(1.0, self._rate)  # ~1 s worth
        return (max(1.0, burst) - 1.0) / self._rate

    def acquire(self) -> float:
        """Wait for a slot; return the seconds waited."""
        if not self.enabled:
            return 0.0
        with self._lock:
            now = self._clock()
            interval = 1.0 / self._rate
            tat = max(self._tat, now, self._blocked_until)
            allowed_at = max(tat - self._tolerance(), self._blocked_until)
            self._tat = tat + interval
            wait = max(0.0, allowed_at - now)
        waited = wait
        if wait > 0:
            self._sleep(wait)
        # a 429 seen by another thread while we slept pauses us too
        while True:
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

    def on_success(self) -> None:
        """A request went through: let the rate creep back towards the ceiling."""
        if not (self.enabled and self.adaptive):
            return
        with self._lock:
            ceiling = (self.ceiling or 0.0) / 60.0
            if self._rate >= ceiling:
                return
            now = self._clock()
            if now < self._cooldown_until:
                return
            # additive increase: +1% of the current rate per window's worth of successes
            self._rate = min(ceiling, self._rate + 0.01 * self._rate / max(1.0, self._rate * self._increase_window))

    def on_throttled(self, retry_after: float | None) -> None:
        """The server answered 429: cut the rate (once per cooldown) and pause everyone."""
        if not self.enabled:
            return
        with self._lock:
            self.throttled += 1
            now = self._clock()
            pause = max(0.0, retry_after or 0.0)
            self._blocked_until = max(self._blocked_until, now + pause)
            if self.adaptive and now >= self._cooldown_until:
                self._rate = max(self._min_rate, self._rate * self._decrease)
                self._cooldown_until = now + max(pause, 1.0)
            # restart the schedule after the pause at the (new) rate
            self._tat = max(now, self._blocked_until)
