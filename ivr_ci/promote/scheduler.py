"""Run tasks with dependencies on a bounded pool: a task starts once all it depends on succeeded.

Used for deploys (callees first) and rollbacks (callers first). After the first failure, or
when `stop` is set (SIGINT/SIGTERM), no new task starts; tasks already running are waited for,
since an import job in flight keeps going server-side and its outcome must be known before
anything is rolled back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass
class Outcome(Generic[K]):
    done: dict[K, Any] = field(default_factory=dict)  # key -> result
    failed: dict[K, BaseException] = field(default_factory=dict)
    not_started: list[K] = field(default_factory=list)
    stopped: bool = False  # `stop` was set


def run_ordered(keys: list[K], depends: dict[K, set[K]], task: Callable[[K], Any], *, workers: int,
                stop: threading.Event, keep_going: bool = False) -> Outcome[K]:
    """Run `task(key)` for every key, each after its `depends[key]` (keys outside `keys` are
    ignored). `keep_going`: a failure does not stop independent tasks (used by rollbacks)."""
    out: Outcome[K] = Outcome()
    pending = list(keys)
    needs = {k: {d for d in depends.get(k, set()) if d in set(keys)} for k in keys}
    running: dict[Future[Any], K] = {}
    halted = False
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="ivr-ci-deploy") as pool:
        while pending or running:
            if stop.is_set():
                out.stopped = True
            if not halted and not out.stopped:
                blocked = {k for k in pending if needs[k] & (set(out.failed) | set(out.not_started))}
                for k in [k for k in pending if k in blocked]:
                    pending.remove(k)
                    out.not_started.append(k)
                for k in [k for k in pending if needs[k] <= set(out.done)]:
                    if len(running) >= max(1, workers):
                        break
                    pending.remove(k)
                    running[pool.submit(task, k)] = k
            if (halted or out.stopped) and pending:
                out.not_started.extend(pending)
                pending.clear()
            if not running:
                if pending:  # nothing runnable and nothing running: unmet dependencies
                    out.not_started.extend(pending)
                    pending.clear()
                break
            finished, _ = wait(list(running), timeout=0.2, return_when=FIRST_COMPLETED)
            for fut in finished:
                k = running.pop(fut)
                exc = fut.exception()
                if exc is None:
                    out.done[k] = fut.result()
                else:
                    out.failed[k] = exc
                    if not keep_going:
                        halted = True
    return out
