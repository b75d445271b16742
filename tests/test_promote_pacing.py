"""Pacing of an apply: the sliding-window limiter, the adaptive job poller and the scheduler."""

from __future__ import annotations

import threading
import time

from ivr_ci.promote.poller import AdaptivePoller
from ivr_ci.promote.ratewindow import SlidingWindowLimiter
from ivr_ci.promote.scheduler import run_ordered


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, s: float) -> None:
        self.t += s


def test_window_limiter_spends_a_minute_at_once_then_follows_the_window():
    clock = FakeClock()
    lim = SlidingWindowLimiter(10, margin=0.5, clock=clock, sleep=clock.sleep)
    sent = []
    for _ in range(25):
        lim.acquire()
        sent.append(clock.t - 1000.0)
        clock.t += 0.1  # each request takes 100 ms
    assert max(sent[:10]) < 1.0  # the whole budget at once
    assert sent[10] >= 60.5  # the 11th waits for the first to leave the window (+margin)
    assert 60.5 <= sent[19] < 62.0 and sent[20] >= 120.9
    for i in range(len(sent)):  # never more than 10 in any 60 s
        assert sum(1 for t in sent if sent[i] <= t < sent[i] + 60.0) <= 10


def test_window_limiter_pauses_everyone_on_429_and_returns_the_slot():
    clock = FakeClock()
    lim = SlidingWindowLimiter(2, clock=clock, sleep=clock.sleep)
    lim.acquire()
    lim.acquire()
    lim.on_throttled(5)  # the server said no to the second one: its slot comes back
    start = clock.t
    lim.acquire()
    assert clock.t - start == 5 and lim.throttled == 1


def test_poller_learns_the_job_time_and_first_polls_when_jobs_are_done():
    p = AdaptivePoller(initial=0.1, factor=2.0, scouts=1)
    with p.job() as scout:  # nothing known: a geometric ramp
        assert [scout.next_delay(0) for _ in range(3)] == [0.1, 0.2, 0.4]
        scout.not_final(0.7)
        scout.final(1.5)
    assert p.estimate() == (0.7 + 1.5) / 2
    with p.job() as job:
        assert job.next_delay(0.05) == p.estimate() - 0.05  # one poll when jobs are usually done
        job.final(1.1)  # final at the first poll: only the upper bound is known
    assert p.estimate() == (1.1 + 1.1) / 2
    with p.job() as job:
        job.final(5.0, informative=False)  # held up by 429s: not a job duration
    assert p.estimate() == 1.1


def test_poller_lets_only_the_scouts_poll_before_anything_is_known():
    p = AdaptivePoller(initial=0.01, scouts=1)
    order: list[str] = []

    def waiter() -> None:
        with p.job() as job:
            job.next_delay(0.0)  # blocks until the scout reports
            order.append("waiter polled")

    with p.job() as scout:
        scout.next_delay(0.0)
        t = threading.Thread(target=waiter)
        t.start()
        time.sleep(0.1)
        order.append("scout done")
        scout.final(0.5)
    t.join(timeout=5)
    assert order == ["scout done", "waiter polled"]


def test_scheduler_runs_dependencies_first_and_stops_after_a_failure():
    done: list[str] = []
    lock = threading.Lock()

    def task(k: str) -> str:
        if k == "bad":
            raise RuntimeError("boom")
        time.sleep(0.01)
        with lock:
            done.append(k)
        return k

    deps = {"a": {"m"}, "b": {"m"}, "c": {"a", "b"}}
    out = run_ordered(["c", "b", "a", "m"], deps, task, workers=4, stop=threading.Event())
    assert done[0] == "m" and done[-1] == "c" and set(out.done) == {"a", "b", "c", "m"}

    out = run_ordered(["bad", "x", "y"], {"x": {"bad"}}, task, workers=1, stop=threading.Event())
    assert set(out.failed) == {"bad"} and set(out.not_started) == {"x", "y"}
    stop = threading.Event()
    stop.set()
    out = run_ordered(["p", "q"], {}, task, workers=2, stop=stop)
    assert out.stopped and set(out.not_started) == {"p", "q"} and not out.done
