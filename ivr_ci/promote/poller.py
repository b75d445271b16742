"""Adaptive polling of import jobs, learned from the jobs of this run.

Every poll costs a request against the rate limit and every late poll costs wall time; the
Terraform provider polls every 15 s. Jobs of one run take about the same time (same org,
similar flows), so the poller learns it:

* each finished job brackets its duration: after the last poll that said "not done" (`lo`) and
  by the poll that saw it final (`hi`); the estimate is the median of recent samples (see
  `record`);
* with an estimate E, a job's first poll comes at E after its upload, then in small steps
  (10% of E, growing), so a typical job costs one or two polls;
* before any job has finished, only a few "scout" jobs poll on a geometric ramp; the others
  wait (without requests) for the scouts' estimate, or for a scout slot to free up. Without
  scouts, 16 concurrent first jobs would each burn five polls learning the same thing.
"""

from __future__ import annotations

import statistics
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class AdaptivePoller:
    def __init__(self, initial: float = 0.2, factor: float = 1.5, cap: float = 5.0, *, scouts: int = 2,
                 step: float = 0.1, min_step: float = 0.02, history: int = 20) -> None:
        self.initial, self.factor, self.cap = initial, factor, cap
        self.scouts, self.step, self.min_step, self.history = max(1, scouts), step, min_step, history
        self._mids: list[float] = []
        self._active_scouts = 0
        self._cond = threading.Condition()

    def record(self, lo: float, hi: float) -> None:
        """A job was seen not final at `lo` seconds after upload (0: never) and final at `hi`.

        Seen not final first: it finished in (lo, hi], the midpoint is the sample. Final at the
        first poll: only the upper bound is known; halving it would make the next jobs poll too
        early and pay a second poll, so `hi` itself is the sample (stable: jobs polled at the
        estimate report the estimate)."""
        with self._cond:
            self._mids.append((lo + hi) / 2 if lo > 0 else hi)
            del self._mids[:-self.history]
            self._cond.notify_all()

    def estimate(self) -> float | None:
        with self._cond:
            return statistics.median(self._mids) if self._mids else None

    @contextmanager
    def job(self) -> Iterator[JobPolls]:
        polls = JobPolls(self)
        try:
            yield polls
        finally:
            polls.release()


class JobPolls:
    """The poll schedule of one job (times are seconds since its upload)."""

    def __init__(self, poller: AdaptivePoller) -> None:
        self.p = poller
        self.scout = False
        self.lo = 0.0  # last time the job was seen not final
        self._ramp = poller.initial
        self._step: float | None = None

    def release(self) -> None:
        if self.scout:
            with self.p._cond:
                self.p._active_scouts -= 1
                self.p._cond.notify_all()
            self.scout = False

    def _wait_for_estimate_or_slot(self, max_wait: float) -> float | None:
        """Block until an estimate exists (returned) or this job becomes a scout (None)."""
        p = self.p
        with p._cond:
            while True:
                if p._mids:
                    return statistics.median(p._mids)
                if p._active_scouts < p.scouts:
                    p._active_scouts += 1
                    self.scout = True
                    return None
                if not p._cond.wait(timeout=max_wait):
                    return None  # scouts are slow: fall back to the ramp rather than stall

    def next_delay(self, elapsed: float) -> float:
        """Seconds to sleep before the next poll; `elapsed` is the time since the upload."""
        estimate = self.p.estimate() if self.scout else self._wait_for_estimate_or_slot(max_wait=30.0)
        if estimate is None:  # scouting (or fallback): geometric ramp
            delay = self._ramp
            self._ramp = min(self.p.cap, self._ramp * self.p.factor)
            return delay
        if elapsed + 1e-3 < estimate and self.lo == 0.0 and self._step is None:
            return estimate - elapsed  # first poll: when jobs like this one are usually done
        self._step = max(self.p.min_step, estimate * self.p.step) if self._step is None else \
            min(self.p.cap, self._step * self.p.factor)
        return self._step

    def not_final(self, elapsed: float) -> None:
        self.lo = elapsed

    def final(self, elapsed: float, *, informative: bool = True) -> None:
        """The job was seen final; `informative=False` when that poll itself was held up (by
        429 pauses or retries), which would teach the poller a duration jobs do not have."""
        if informative:
            self.p.record(self.lo, elapsed)
        self.release()
