"""Publish one rendered flow through an import job, with progress lines and adaptive polling.

`Deployer.touched` records every flow whose YAML may have reached the org (the upload was
attempted): exactly the set a rollback must look at. A job whose final state is unknown (the
poll failed after retries) is remembered so the rollback can settle it before acting, because
that job may still publish after we stopped watching it.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from ivr_ci.genesys.errors import ImportJobFailed, JobTimeout, message_texts
from ivr_ci.promote.poller import AdaptivePoller

if TYPE_CHECKING:
    from ivr_ci.genesys.client import GenesysClient


SLOW_POLL = 2.0  # seconds: a status call slower than this waited on throttling or retries


class ProgressPrinter:
    """Thread-safe progress lines: `[3/20] Main IVR (inboundCall): importing (Started) 1.2s`."""

    def __init__(self, total: int, stream: TextIO | None = None,
                 hook: Callable[[str, str, str], None] | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        self.hook = hook  # observers (tests inject org changes at a given step through it)
        self._lock = threading.Lock()
        self._numbers: dict[str, int] = {}

    def __call__(self, label: str, stage: str, detail: str = "") -> None:
        with self._lock:
            n = self._numbers.setdefault(label, len(self._numbers) + 1)
            text = f"[{n}/{self.total}] {label}: {stage}" + (f" {detail}" if detail else "")
            print(text, file=self.stream, flush=True)
        if self.hook is not None:
            self.hook(label, stage, detail)


Progress = Callable[[str, str, str], None]


@dataclass
class Published:
    flow_id: str
    job_id: str
    seconds: float
    polls: int


@dataclass
class JobState:
    job_id: str
    final: str | None = None  # Success | Failure | NotUploaded | None (unknown)
    flow_id: str | None = None


@dataclass
class Deployer:
    client: GenesysClient
    poller: AdaptivePoller
    progress: Progress
    timeout: float
    touched: dict[Any, JobState | None] = field(default_factory=dict)  # key -> its job (None: not registered)
    # write-ahead journal hooks: a registered job (before its upload) and a job's final state
    on_job: Callable[[Any, str], None] | None = None
    on_final: Callable[[Any, JobState], None] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _touch(self, key: Any, state: JobState | None) -> None:
        with self._lock:
            self.touched[key] = state

    def publish(self, key: Any, label: str, text: str, *, unlock_flow_id: str | None = None) -> Published:
        start = time.monotonic()
        if unlock_flow_id:
            self.progress(label, "unlocking", "(--force-unlock)")
            self.client.unlock_flow(unlock_flow_id)
        self.progress(label, "queued", "")
        job = self.client.register_import_job()
        state = JobState(job.id)
        self._touch(key, state)  # before the upload: a failed-looking upload may still have landed
        if self.on_job is not None:
            self.on_job(key, job.id)  # durable before the upload: the YAML may land from here on
        self.progress(label, "uploading", f"job {job.id}")
        self.client.upload_import(job, text)
        uploaded = time.monotonic()
        result = self.wait(state, label, uploaded)
        if self.on_final is not None:
            self.on_final(key, state)
        if state.final != "Success":
            raise result
        seconds = time.monotonic() - start
        self.progress(label, "published", f"in {seconds:.1f}s")
        return Published(state.flow_id or "", job.id, seconds, getattr(result, "polls", 0))

    def wait(self, state: JobState, label: str, since: float, *, settling: bool = False) -> Any:
        """Poll until the job is final; returns an object with `.polls`, or the error to raise.
        `settling`: our upload attempts are over, so a job still `Registered` never got the YAML
        and never will: that is final too."""
        polls = 0
        with self.poller.job() as schedule:
            while True:
                delay = schedule.next_delay(time.monotonic() - since)
                if time.monotonic() - since + delay > self.timeout:
                    return JobTimeout(f"import job {state.job_id} not finished after {self.timeout:.0f}s",
                                      state.job_id)
                time.sleep(delay)
                asked = time.monotonic()
                data = self.client.get_import_job(state.job_id)
                polls += 1
                status = data.get("status")
                elapsed = time.monotonic() - since
                # a poll held up by 429s/retries says nothing about how long jobs take
                informative = time.monotonic() - asked < SLOW_POLL
                if settling and status == "Registered":
                    state.final = "NotUploaded"
                    return _Polls(polls)
                if status not in ("Success", "Failure"):
                    schedule.not_final(elapsed)
                    self.progress(label, "importing", f"({status})")
                    continue
                schedule.final(elapsed, informative=informative)
                state.final = status
                if status == "Failure":
                    messages = data.get("messages") or []
                    # what Architect said is the part a person can act on: keep it in the summary
                    said = "; ".join(message_texts(messages)[:3])
                    return ImportJobFailed(f"import job {state.job_id} failed" + (f": {said}" if said else ""),
                                           state.job_id, messages)
                state.flow_id = str((data.get("flow") or {}).get("id") or "")
                if not state.flow_id:
                    state.final = "Failure"
                    return ImportJobFailed(f"import job {state.job_id} succeeded without a flow id", state.job_id)
                return _Polls(polls)

    def settle(self, state: JobState, label: str) -> None:
        """Wait for a job whose outcome we lost track of (best effort, bounded by the timeout)."""
        if state.final is not None:
            return
        with contextlib.suppress(Exception):  # the rollback reads the org's state next anyway
            self.wait(state, label, time.monotonic(), settling=True)


@dataclass
class _Polls:
    polls: int
