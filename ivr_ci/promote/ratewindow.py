"""A client-side limiter shaped like a per-minute server limit: at most N requests in any 60 s.

Why promote does not pace evenly: a deploy is one burst of work. Genesys counts requests per
token per minute, so the whole minute's budget may be spent at once; pacing at N/60 per second
(a token bucket) stretches a 110-request deploy under a 60/min limit to ~110 s, where the
server's own window allows it in ~60 s. Remembering when each request was sent and waiting
only when N were sent in the last 60 s follows the server's window exactly (a sliding window
is also never more permissive than a fixed one), so the server rarely has to say 429 at all.
When it does (another client on the same token), every worker pauses for the Retry-After.

Drop-in for `ivr_ci.genesys.ratelimit.RateLimiter` as far as the transport is concerned:
`acquire()`, `on_success()`, `on_throttled(retry_after)`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    def __init__(self, per_minute: float, *, window: float = 60.0, margin: float = 0.5,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        if per_minute <= 0:
            raise ValueError("rate limit must be positive (requests per minute)")
        self.ceiling = per_minute
        self.limit = max(1, int(per_minute))
        # a request counts on the server from its arrival, a little after we send it: keep
        # each one `margin` seconds longer so the server's window has always freed the slot
        self.span = window + margin
        self._sent: deque[float] = deque()
        self._blocked_until = 0.0
        self._lock = threading.Lock()
        self._clock, self._sleep = clock, sleep
        self.throttled = 0
        self.waited = 0.0

    @property
    def enabled(self) -> bool:
        return True

    @property
    def per_minute(self) -> float:
        return float(self.ceiling)

    def acquire(self) -> float:
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and self._sent[0] <= now - self.span:
                    self._sent.popleft()
                if now >= self._blocked_until and len(self._sent) < self.limit:
                    self._sent.append(now)
                    self.waited += waited
                    return waited
                wait = max(self._blocked_until - now,
                           (self._sent[0] + self.span - now) if len(self._sent) >= self.limit else 0.0, 0.005)
            self._sleep(wait)
            waited += wait

    def on_success(self) -> None:
        """Nothing to learn: the window is known."""

    def on_throttled(self, retry_after: float | None) -> None:
        """The server counted more than we did (another user of the token): everyone pauses.
        The throttled request was not counted by the server, so its slot is given back."""
        with self._lock:
            self.throttled += 1
            now = self._clock()
            pause = 1.0 if retry_after is None else max(0.0, retry_after)
            self._blocked_until = max(self._blocked_until, now + pause)
            if self._sent:
                self._sent.pop()
