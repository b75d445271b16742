"""Deployment ledger: one JSON object per line, one line per apply (docs/ledger.md).

Appends go through `write_atomic` (the whole file is rewritten to a temp file and renamed)
while the environment's deploy lock is held, so a reader never sees half a line and two
runs never interleave. `audit-report` reads the same file (schema: ledger.schema.json).
"""

from __future__ import annotations

import getpass
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ivr_ci.errors import ConfigError
from ivr_ci.util.files import write_atomic

SCHEMA_VERSION = 2
SUCCESS, UNCHANGED, ROLLED_BACK, ROLLBACK_FAILED = "success", "unchanged", "rolled-back", "rollback-failed"
INTERRUPTED = "interrupted"  # the run died mid-deploy (no handler ran); a later run recovered the org
OUTCOMES = (SUCCESS, UNCHANGED, ROLLED_BACK, ROLLBACK_FAILED, INTERRUPTED)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def current_actor() -> str:
    """Who ran the deploy: the GitHub actor in Actions, else the local user."""
    actor = os.environ.get("GITHUB_ACTOR")
    if actor:
        return actor
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return "unknown"


def new_run_id() -> str:
    return uuid.uuid4().hex[:16]


@dataclass
class FlowRecord:
    name: str
    type: str
    action: str  # create | update
    flow_id: str | None = None
    previous_version: str | None = None
    new_version: str | None = None
    status: str = "pending"  # pending | published | failed | rolled-back | deleted | skipped
    job_id: str | None = None
    seconds: float | None = None
    error: str | None = None
    discarded_draft_of: str | None = None  # --force-unlock: whose lock (and draft) was discarded

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "type": self.type, "action": self.action, "flowId": self.flow_id,
            "previousVersion": self.previous_version, "newVersion": self.new_version,
            "status": self.status, "jobId": self.job_id,
            "seconds": round(self.seconds, 3) if self.seconds is not None else None,
            "error": self.error, "discardedDraftOf": self.discarded_draft_of,
        }


@dataclass
class RollbackRecord:
    name: str
    type: str
    action: str  # restored | deleted
    version: str | None = None  # the version restored (snapshot) or None for deletes
    ok: bool = False
    error: str | None = None  # the first error (a restore's own HTTP error is never overwritten)
    errors: list[str] = field(default_factory=list)  # every error, in order
    published_version: str | None = None  # read back after the rollback (None: absent or unpublished)
    expected: str | None = None  # what it should be: "the content of version 3.0" / "absent"

    def fail(self, message: str) -> None:
        self.ok = False
        self.error = self.error or message
        if message not in self.errors:
            self.errors.append(message)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "action": self.action, "version": self.version,
                               "ok": self.ok, "error": self.error}
        if self.errors[1:] or (self.errors and self.errors[0] != self.error):
            out["errors"] = list(self.errors)
        if self.published_version is not None or self.expected is not None:
            out["publishedVersion"], out["expected"] = self.published_version, self.expected
        return out


@dataclass
class LedgerEntry:
    environment: str
    plan_hash: str
    source_hash: str
    git_sha: str | None
    run_id: str = field(default_factory=new_run_id)
    actor: str = field(default_factory=current_actor)
    client_id: str | None = None  # the OAuth client that deployed: audit-report matches events on it
    started_at: str = field(default_factory=now_iso)
    finished_at: str | None = None
    duration_seconds: float | None = None
    outcome: str = SUCCESS
    summary: str = ""
    window_override: str | None = None
    flows: list[FlowRecord] = field(default_factory=list)
    rollback: list[RollbackRecord] = field(default_factory=list)
    rollback_verified: bool | None = None
    api: dict[str, int] = field(default_factory=dict)
    maintenance: list[dict[str, Any]] = field(default_factory=list)  # windows the deployed flows carry
    prompts: list[Any] = field(default_factory=list)  # ivr_ci.promote.prompts.PromptRecord
    broke_stale_lock: dict[str, Any] | None = None  # the stale lock this run broke (lock.describe_broken)
    notification: dict[str, Any] | None = None  # {url, delivered, status, attempts, error}
    recovered_by: str | None = None  # interrupted runs: the run that restored the org
    recovers: str | None = None  # a recovery run: the run whose changes it undid
    github_deployment: dict[str, Any] | None = None  # {id, url, state} when recorded as a GitHub Deployment

    def to_json(self) -> dict[str, Any]:
        return {
            "schemaVersion": SCHEMA_VERSION, "runId": self.run_id, "environment": self.environment,
            "gitSha": self.git_sha, "planHash": self.plan_hash, "sourceHash": self.source_hash,
            "actor": self.actor, "clientId": self.client_id, "startedAt": self.started_at, "finishedAt": self.finished_at,
            "durationSeconds": round(self.duration_seconds, 3) if self.duration_seconds is not None else None,
            "outcome": self.outcome, "summary": self.summary, "windowOverride": self.window_override,
            "flows": [f.to_json() for f in self.flows],
            "rollback": {"flows": [r.to_json() for r in self.rollback], "verified": self.rollback_verified}
            if self.rollback or self.rollback_verified is not None else None,
            "api": self.api,
            **({"maintenance": self.maintenance} if self.maintenance else {}),
            **({"prompts": [p.to_json() for p in self.prompts]} if self.prompts else {}),
            **self._optional(),
        }

    def _optional(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in (("brokeStaleLock", self.broke_stale_lock), ("notification", self.notification),
                           ("recoveredBy", self.recovered_by), ("recovers", self.recovers),
                           ("githubDeployment", self.github_deployment)):
            if value is not None:
                out[key] = value
        return out

    def to_line(self) -> str:
        return json.dumps(self.to_json(), sort_keys=False, separators=(",", ":"), ensure_ascii=False)


def read_ledger(path: str) -> list[dict[str, Any]]:
    """Every entry of the ledger (oldest first); a missing file is an empty ledger."""
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the deployment ledger: {exc.strerror}") from None
    entries = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise ConfigError(f"{path}:{number}: ledger line is not JSON: {exc}") from None
        if not isinstance(data, dict) or "environment" not in data or "outcome" not in data:
            raise ConfigError(f"{path}:{number}: ledger line is not a deployment entry (see docs/ledger.md)")
        entries.append(data)
    return entries


def append_entry(path: str, entry: LedgerEntry) -> None:
    """Append one line; call with the environment's deploy lock held."""
    try:
        with open(path, encoding="utf-8") as fh:
            existing = fh.read()
    except FileNotFoundError:
        existing = ""
    if existing and not existing.endswith("\n"):
        existing += "\n"
    write_atomic(path, existing + entry.to_line() + "\n")


def replace_entry(path: str, entry: LedgerEntry) -> None:
    """Rewrite the (last) line of `entry.run_id` with the entry as it is now, e.g. once the
    notification was delivered; appends when the line is missing. Call under the deploy lock."""
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        lines = []
    for i in range(len(lines) - 1, -1, -1):
        try:
            data = json.loads(lines[i])
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("runId") == entry.run_id and data.get("environment") == entry.environment:
            lines[i] = entry.to_line()
            write_atomic(path, "\n".join(lines) + "\n")
            return
    append_entry(path, entry)


def deployed_releases(entries: list[dict[str, Any]], environment: str) -> list[dict[str, Any]]:
    """Entries where the environment ended up running the release (deployed or already there)."""
    return [e for e in entries if e.get("environment") == environment and e.get("outcome") in (SUCCESS, UNCHANGED)]


def requires_problem(path: str, environment: str, required: str, source_hash: str) -> str | None:
    """Why `environment` may not be deployed yet (`requires: required`), or None.

    The plan hash cannot be compared across environments (it covers rendered content and
    target versions, which differ per org), so the ledger is searched for the same *release*:
    the same templates with the same content (`sourceHash`).
    """
    entries = read_ledger(path)
    for entry in reversed(deployed_releases(entries, required)):
        if entry.get("sourceHash") == source_hash:
            return None
    last = next(reversed(deployed_releases(entries, required)), None)
    seen = f"; its last deploy was {last.get('gitSha') or '?'} at {last.get('finishedAt')}" if last else \
        "; it has no successful deploy in the ledger"
    return (f"environment '{environment}' requires this release to be deployed to '{required}' first "
            f"(no entry in {path} for source hash {source_hash[:12]}{seen})")
