"""The promote write-ahead journal: what a run is about to change, on disk before it changes it.

A run that dies without running a handler (`kill -9`, an OOM kill, a lost runner) leaves the org
half-deployed and, without this, no record of it. So before the first write to the org an
apply durably records (fsync + atomic rename of a directory) the plan hash, every flow it may
touch with its published YAML (the snapshot, a file beside the journal) and its rendered YAML,
and every import job, publish, restore and delete is appended (one fsync'd JSON line each) as
it happens. A journal without a `close` record, or closed `rollback-failed`, is **open**: the
next `promote --plan/--apply/--recover` of that environment finds it (`open_journals`) and
recovery restores every flow to its snapshot (`ivr_ci.promote.recover`).

Layout (`promotion.journal-dir`, default `<lock-dir>/journal`, so journals are shared wherever
the locks are)::

    <journal-dir>/<environment>/<runId>/journal.jsonl      begin record, then events
    <journal-dir>/<environment>/<runId>/snapshots/001.yaml published YAML before the run
    <journal-dir>/<environment>/<runId>/rendered/001.yaml  what the run deploys

Why files and not the org: Genesys offers no place to write a record atomically, and the
journal must exist before the first org write. A torn last line (killed mid-append) is ignored
on reading; everything before it was fsync'd.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from ivr_ci.errors import ConfigError

SCHEMA_VERSION = 1
IN_PROGRESS = "in-progress"
KEEP_CLOSED = 20  # closed journals kept per environment (the newest); older ones are pruned
NEEDS_RECOVERY = ("rollback-failed",)  # close outcomes that leave the journal open


def _fsync_dir(path: str) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be fsync'd
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_durable(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


@dataclass
class JournalFlow:
    """One flow the run may touch, as recorded before the first write."""

    index: int
    name: str
    type: str
    action: str  # create | update
    flow_id: str | None
    previous_version: str | None
    snapshot: str | None  # the published YAML (None: created by the run, or never published)
    rendered: str
    order: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.name)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.type})"


@dataclass
class Journal:
    path: str  # the run's directory
    begin: dict[str, Any]
    flows: list[JournalFlow]
    events: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # ---- reading ---------------------------------------------------------------------------
    @property
    def run_id(self) -> str:
        return str(self.begin.get("runId"))

    @property
    def environment(self) -> str:
        return str(self.begin.get("environment"))

    @property
    def closed(self) -> dict[str, Any] | None:
        closes = [e for e in self.events if e.get("event") == "close"]
        return closes[-1] if closes else None

    @property
    def outcome(self) -> str:
        close = self.closed
        return str(close.get("outcome")) if close else IN_PROGRESS

    @property
    def is_open(self) -> bool:
        return self.closed is None or self.outcome in NEEDS_RECOVERY

    def jobs(self) -> dict[str, dict[str, Any]]:
        """Import jobs the run registered, by id, with their last known state."""
        out: dict[str, dict[str, Any]] = {}
        for e in self.events:
            if e.get("event") == "job" and e.get("jobId"):
                out[str(e["jobId"])] = dict(e)
            elif e.get("event") in ("published", "restored-job", "failed") and e.get("jobId") in out:
                out[str(e["jobId"])]["final"] = e["event"]
        return out

    def github_deployment(self) -> dict[str, Any] | None:
        found = [e for e in self.events if e.get("event") == "github-deployment"]
        return found[-1] if found else None

    # ---- writing ---------------------------------------------------------------------------
    def append(self, event: str, **data: Any) -> dict[str, Any]:
        """One fsync'd JSON line; returns the record."""
        from ivr_ci.promote.ledger import now_iso

        record = {"event": event, "at": now_iso(), **data}
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            with open(os.path.join(self.path, "journal.jsonl"), "a", encoding="utf-8") as fh:
                fh.write(line)
                fh.flush()
                os.fsync(fh.fileno())
            self.events.append(record)
        return record

    def close(self, outcome: str, summary: str, **data: Any) -> None:
        self.append("close", outcome=outcome, summary=summary, **data)
        if outcome not in NEEDS_RECOVERY:
            prune(os.path.dirname(self.path))

    def describe(self) -> str:
        """One line: run id, who, where, when."""
        b = self.begin
        return (f"run {self.run_id} by {b.get('actor') or '?'} on {b.get('host') or '?'} (pid {b.get('pid')}), "
                f"started {b.get('startedAt')}, plan {str(b.get('planHash') or '')[:12]}")


def env_dir(journal_dir: str, environment: str) -> str:
    return os.path.join(journal_dir, environment)


def create(journal_dir: str, begin: dict[str, Any], flows: list[JournalFlow]) -> Journal:
    """Write the begin record and the snapshots durably, then make them visible at once (a
    directory rename): a journal either exists whole or not at all."""
    parent = env_dir(journal_dir, str(begin["environment"]))
    os.makedirs(parent, exist_ok=True)
    run_id = str(begin["runId"])
    final = os.path.join(parent, run_id)
    tmp = os.path.join(parent, f".tmp-{run_id}")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(tmp, "snapshots"))
    os.makedirs(os.path.join(tmp, "rendered"))
    listed = []
    for f in flows:
        name = f"{f.index:03d}.yaml"
        snap = None
        if f.snapshot is not None:
            snap = f"snapshots/{name}"
            _write_durable(os.path.join(tmp, snap), f.snapshot)
        _write_durable(os.path.join(tmp, "rendered", name), f.rendered)
        listed.append({"index": f.index, "name": f.name, "type": f.type, "action": f.action, "flowId": f.flow_id,
                       "previousVersion": f.previous_version, "snapshot": snap, "rendered": f"rendered/{name}",
                       "order": f.order})
    record = {"event": "begin", "schemaVersion": SCHEMA_VERSION, "host": socket.gethostname(), "pid": os.getpid(),
              **begin, "outcome": IN_PROGRESS, "flows": listed}
    _write_durable(os.path.join(tmp, "journal.jsonl"), json.dumps(record, ensure_ascii=False) + "\n")
    for sub in ("snapshots", "rendered", ""):
        _fsync_dir(os.path.join(tmp, sub))
    os.rename(tmp, final)
    _fsync_dir(parent)
    return Journal(final, record, flows, [])


def load(path: str) -> Journal:
    """Read one run's journal directory; a torn last line is dropped."""
    file = os.path.join(path, "journal.jsonl")
    try:
        with open(file, encoding="utf-8") as fh:
            lines = fh.read().split("\n")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the promote journal: {exc.strerror or exc}") from None
    records: list[dict[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError:
            if number == len(lines):  # the last line, killed mid-append (no newline yet)
                break
            raise ConfigError(f"{file}:{number}: journal line is not JSON") from None
        if isinstance(data, dict):
            records.append(data)
    if not records or records[0].get("event") != "begin":
        raise ConfigError(f"{file}:1: not a promote journal (no begin record)")
    begin = records[0]
    flows = []
    for f in begin.get("flows") or []:
        snapshot = _read(path, f.get("snapshot")) if f.get("snapshot") else None
        flows.append(JournalFlow(int(f["index"]), str(f["name"]), str(f["type"]), str(f["action"]), f.get("flowId"),
                                 f.get("previousVersion"), snapshot, _read(path, f.get("rendered")) or "",
                                 f.get("order")))
    return Journal(path, begin, flows, records[1:])


def _read(base: str, rel: str | None) -> str | None:
    if not rel:
        return None
    file = os.path.join(base, rel)
    try:
        with open(file, encoding="utf-8") as fh:
            return fh.read()
    except OSError as exc:
        raise ConfigError(f"{file}: snapshot of the promote journal is missing: {exc.strerror or exc}") from None


def all_journals(journal_dir: str, environment: str) -> list[Journal]:
    parent = env_dir(journal_dir, environment)
    try:
        names = sorted(n for n in os.listdir(parent) if not n.startswith("."))
    except FileNotFoundError:
        return []
    out = [load(os.path.join(parent, n)) for n in names if os.path.isfile(os.path.join(parent, n, "journal.jsonl"))]
    return sorted(out, key=lambda j: str(j.begin.get("startedAt") or ""))


def open_journals(journal_dir: str, environment: str, *, except_run: str | None = None) -> list[Journal]:
    """Journals of runs that did not finish cleanly (oldest first)."""
    return [j for j in all_journals(journal_dir, environment) if j.is_open and j.run_id != except_run]


def prune(parent: str, keep: int = KEEP_CLOSED) -> None:
    try:
        names = [n for n in os.listdir(parent) if not n.startswith(".")]
    except FileNotFoundError:
        return
    closed = []
    for n in names:
        with contextlib.suppress(ConfigError, OSError):
            j = load(os.path.join(parent, n))
            if not j.is_open:
                closed.append(j)
    closed.sort(key=lambda j: str(j.begin.get("startedAt") or ""))
    for j in closed[:-keep] if keep else closed:
        shutil.rmtree(j.path, ignore_errors=True)
