"""Recovery of a run that did not finish: every flow its journal lists goes back to its snapshot.

Used by `promote --recover` and, first of all, by an `--apply` that finds an open journal.
Decisions come from the org, as in a rollback (`ivr_ci.promote.rollback`): the import jobs the
dead run registered are polled until final first (a job keeps running server-side after its
runner died), then a flow is restored when its published content is not the snapshot's and a
flow the run created is deleted when it exists; then everything is read back. Running it again
after a failure is safe: what is already restored is compared equal and left alone.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from ivr_ci.errors import OperationFailed
from ivr_ci.promote import ledger as L
from ivr_ci.promote.deploy import Deployer, JobState, ProgressPrinter
from ivr_ci.promote.journal import Journal
from ivr_ci.promote.plan import PlanFlow
from ivr_ci.promote.poller import AdaptivePoller
from ivr_ci.promote.rollback import rollback
from ivr_ci.promote.target import TargetIndex, list_target

if TYPE_CHECKING:
    from ivr_ci.genesys.client import GenesysClient


class RecoveryFailed(OperationFailed):
    """The org could not be brought back to the interrupted run's snapshots."""


@dataclass
class Recovery:
    journal: Journal
    records: list[L.RollbackRecord]
    verified: bool
    entry: L.LedgerEntry
    before: list[str] = field(default_factory=list)  # the org's state found, one line per flow
    recorded: Any = None  # ivr_ci.promote.outcome.Recorded once the entry is written


def retry_command(environment: str, config_path: str | None = None) -> str:
    cfg = f" --config {config_path}" if config_path else ""
    return f"ivr-ci promote --env {environment} --recover{cfg}"


def flow_states(journal: Journal, target: TargetIndex | None) -> list[str]:
    """Which flows are on which release, from one listing of the org (no export needed)."""
    published = {(e.get("type"), e.get("name")) for e in journal.events if e.get("event") == "published"}
    restored = {(e.get("type"), e.get("name")) for e in journal.events if e.get("event") in ("restored", "deleted")}
    lines = []
    for f in journal.flows:
        now = target.find(f.type, f.name) if target is not None else None
        if target is None:
            state = "unknown (the org could not be read)"
        elif f.action == "create":
            state = "absent (its previous state)" if now is None else \
                f"CREATED by run {journal.run_id} (version {now.published_version or 'unpublished'})"
        elif now is None:
            state = "MISSING from the org"
        elif now.published_version == f.previous_version:
            state = f"previous release (version {f.previous_version})"
        elif f.key in restored:
            state = f"restored to the previous release (version {now.published_version})"
        elif f.key in published:
            state = f"NEW release (version {now.published_version}, published by run {journal.run_id})"
        else:
            state = (f"CHANGED to version {now.published_version} (previously {f.previous_version}; an import "
                     "job of the run that finished after it stopped watching)")
        lines.append(f"{f.label}: {state}")
    return lines


def announce(journal: Journal, target: TargetIndex | None, *, stream: TextIO | None = None,
             action: str = "") -> list[str]:
    """Print the open journal loudly: who, when, and which flow is on which release."""
    out = stream or sys.stderr
    what = "its ROLLBACK FAILED" if journal.outcome == L.ROLLBACK_FAILED else \
        "it DIED mid-deploy (no handler ran: kill -9, an OOM kill, a lost runner)"
    states = flow_states(journal, target)
    bar = "!" * 78
    lines = [bar, f"PREVIOUS PROMOTE TO '{journal.environment}' DID NOT FINISH: {what}",
             f"  {journal.describe()}", f"  journal: {journal.path}"]
    lines += [f"  {s}" for s in states]
    if action:
        lines.append(f"  {action}")
    lines.append(bar)
    print("\n".join(lines), file=out, flush=True)
    return states


def _plan_flows(journal: Journal) -> list[PlanFlow]:
    return [PlanFlow(name=f.name, type=f.type, path=f"<journal {journal.run_id}>", action=f.action, sha256="",
                     source_sha256="", target_id=f.flow_id, target_version=f.previous_version, text=f.rendered,
                     snapshot=f.snapshot, order=f.order) for f in journal.flows]


def _settle_jobs(deployer: Deployer, journal: Journal) -> None:
    """Wait for every import job the dead run left without a final state: it may still publish."""
    labels: dict[tuple[object, object], str] = {f.key: f.label for f in journal.flows}
    for job_id, job in journal.jobs().items():
        if job.get("final"):
            continue
        label = labels.get((job.get("type"), job.get("name")), str(job.get("name")))
        deployer.progress(label, "settling", f"job {job_id} of run {journal.run_id}")
        deployer.settle(JobState(job_id), label)


def recover(client: GenesysClient, journal: Journal, *, by_run: str, workers: int, job_timeout: float,
            poller: AdaptivePoller | None = None, stream: TextIO | None = None,
            on_progress: Any = None, broke_stale_lock: dict[str, Any] | None = None) -> Recovery:
    """Restore every flow of `journal` to its snapshot, verify, close the journal and build the
    ledger entry (the caller records it). Raises nothing for a failed restore: see `.verified`."""
    started = time.monotonic()
    flows = _plan_flows(journal)
    progress = ProgressPrinter(len(flows), stream, on_progress)
    deployer = Deployer(client, poller or AdaptivePoller(), progress, job_timeout)
    journal.append("recovery", runId=by_run, actor=L.current_actor())
    _settle_jobs(deployer, journal)
    try:
        before = list_target(client, {f.type for f in journal.flows})
    except Exception:  # noqa: BLE001 - the rollback lists again with retries and reports it
        before = None
    states = flow_states(journal, before)
    deployer.touched.update({(f.type, f.name): None for f in flows})

    def on_step(rec: L.RollbackRecord) -> None:
        journal.append("deleted" if rec.action == "deleted" else "restored", name=rec.name, type=rec.type,
                       version=rec.version, by=by_run)

    def on_job(key: Any, job_id: str) -> None:
        k = key[1] if isinstance(key, tuple) and key and key[0] == "rollback" else key
        journal.append("job", phase="restore", type=k[0], name=k[1], jobId=job_id, by=by_run)

    deployer.on_job = on_job
    try:
        records, verified = rollback(client, deployer, flows, workers=workers, export_timeout=job_timeout,
                                     on_step=on_step)
    except Exception as exc:  # noqa: BLE001 - e.g. the org cannot even be listed: a failed recovery
        records, verified = [], False
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        records = [L.RollbackRecord(f.name, f.type, "restored", f.previous_version, errors=[problem], error=problem)
                   for f in journal.flows]
    entry = _entry(journal, records, verified, by_run, before, started)
    entry.broke_stale_lock = broke_stale_lock
    if verified:
        restored = [r.to_json() for r in records]
        journal.close(L.INTERRUPTED if journal.closed is None else L.ROLLED_BACK, entry.summary, by=by_run,
                      restored=restored)
    else:
        journal.append("recovery-failed", by=by_run, errors=[f"{r.name}: {'; '.join(r.errors)}"
                                                               for r in records if not r.ok])
    return Recovery(journal, records, verified, entry, states)


def _entry(journal: Journal, records: list[L.RollbackRecord], verified: bool, by_run: str,
           before: TargetIndex | None, started: float) -> L.LedgerEntry:
    """The ledger entry: for a killed run (no entry of its own yet) the run itself, outcome
    `interrupted`, once recovered; otherwise an entry of the recovery run naming the run it undid."""
    b = journal.begin
    killed = journal.closed is None
    own = killed and verified
    entry = L.LedgerEntry(
        journal.environment, str(b.get("planHash") or ""), str(b.get("sourceHash") or ""), b.get("gitSha"),
        run_id=journal.run_id if own else by_run, actor=str(b.get("actor") or "?") if own else L.current_actor(),
        client_id=b.get("clientId"), started_at=str(b.get("startedAt")) if own else L.now_iso(),
        window_override=b.get("windowOverride") if own else None)
    by_key = {(r.type, r.name): r for r in records}
    jobs = journal.jobs()
    for f in journal.flows:
        now = before.find(f.type, f.name) if before is not None else None
        left = now.published_version if now is not None else None
        rec = L.FlowRecord(f.name, f.type, f.action, f.flow_id or (now.id if now else None), f.previous_version,
                           left if left != f.previous_version else None)
        rec.job_id = next((j for j, e in jobs.items() if (e.get("type"), e.get("name")) == f.key
                           and e.get("phase", "deploy") == "deploy"), None)
        r = by_key.get(f.key)
        if r is None:
            rec.status = "skipped"  # the org still had (or was already back on) its previous release
        elif r.ok:
            rec.status = "deleted" if r.action == "deleted" else "rolled-back"
        else:
            rec.status, rec.error = "failed", r.error
        entry.flows.append(rec)
    entry.rollback, entry.rollback_verified = records, verified
    entry.finished_at = L.now_iso()
    entry.duration_seconds = time.monotonic() - started
    n_restored = sum(1 for r in records if r.ok and r.action == "restored")
    n_deleted = sum(1 for r in records if r.ok and r.action == "deleted")
    undone = f"{n_restored} flow(s) restored, {n_deleted} deleted" if records else "no flow had changed"
    cause = "died mid-deploy (no handler ran)" if killed else "ended with its rollback failed"
    if own:
        entry.outcome = L.INTERRUPTED
        entry.recovered_by = by_run
        entry.summary = f"run {journal.run_id} {cause}; recovered by run {by_run}: {undone}, verified"
    else:
        entry.recovers = journal.run_id
        entry.outcome = L.ROLLED_BACK if verified else L.ROLLBACK_FAILED
        problems = "; ".join(f"{r.name}: {r.error}" for r in records if not r.ok) or "not verified"
        entry.summary = (f"recovery of run {journal.run_id} (which {cause}): " +
                         (f"{undone}, verified" if verified else f"RECOVERY INCOMPLETE: {problems}"))
    return entry


def failure_report(environment: str, records: list[L.RollbackRecord], *, config_path: str | None = None,
                   what: str = "rollback") -> str:
    """What a person needs after a failed rollback: each flow, its published version and what it
    should be, every error as it happened, and the exact command to retry."""
    lines = [f"{what.upper()} INCOMPLETE — the org is NOT consistent. Flows:"]
    for r in records:
        state = "ok" if r.ok else "NOT RESTORED"
        lines.append(f"  {r.name} ({r.type}): {state}; published now: {r.published_version or 'nothing'}; "
                     f"should be: {r.expected or ('absent' if r.action == 'deleted' else 'its snapshot')}")
        for err in r.errors:
            lines.append(f"      error: {err}")
    lines.append(f"Retry (safe to repeat; it restores only what is still wrong): {retry_command(environment, config_path)}")
    return "\n".join(lines)
