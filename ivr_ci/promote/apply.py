"""`promote --apply`: all-or-nothing deploy of a freshly computed plan.

Order of business: take the environment's deploy lock (a stale one is broken, printed and
recorded); recover any run that did not finish (an open write-ahead journal: the org may be
half-deployed); compute the plan again (under the lock, so nothing else moves the target
between plan and deploy); refuse on plan errors, a plan-hash mismatch or a lock held by someone
else; write the journal (snapshots of every flow the run may touch) before the first write;
deploy the changed flows callee-first with bounded concurrency; verify every published result
by exporting it again; on any failure (or SIGINT/SIGTERM, signalled through `stop`) roll back
everything this run changed and verify that too. Every run that reaches the deploy stage
writes one ledger entry and notifies `notify:` of its outcome.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from ivr_ci.errors import OperationFailed
from ivr_ci.flow import load_flow_text
from ivr_ci.promote import journal as J
from ivr_ci.promote import ledger as L
from ivr_ci.promote.deploy import Deployer, JobState, ProgressPrinter
from ivr_ci.promote.lock import acquire, describe_broken
from ivr_ci.promote.maintenance_render import carry_versions
from ivr_ci.promote.ordering import FlowKey, dependencies
from ivr_ci.promote.outcome import Recorded, record
from ivr_ci.promote.plan import Plan, PlanFlow
from ivr_ci.promote.planner import compute_plan
from ivr_ci.promote.poller import AdaptivePoller
from ivr_ci.promote.prompts import PromptDeployment
from ivr_ci.promote.recover import Recovery, RecoveryFailed, announce, failure_report, recover
from ivr_ci.promote.release import Release
from ivr_ci.promote.rollback import rollback
from ivr_ci.promote.scheduler import run_ordered
from ivr_ci.promote.settings import EnvSettings, PromotionSettings
from ivr_ci.promote.target import export_published, list_target

if TYPE_CHECKING:
    from ivr_ci.genesys.client import GenesysClient
    from ivr_ci.promote.github_deployments import DeploymentRecorder


@dataclass
class ApplyOptions:
    plan_hash: str | None = None
    override_window: str | None = None
    force_unlock: bool = False
    workers: int = 4
    job_timeout: float = 16 * 60.0
    poller: AdaptivePoller = field(default_factory=AdaptivePoller)
    on_progress: Callable[[str, str, str], None] | None = None  # (flow label, stage, detail)
    notify_url: str | None = None  # `notify:` of the environment
    github: DeploymentRecorder | None = None  # record the run as a GitHub Deployment (Actions)
    config_path: str | None = None  # for the retry command printed after a failed rollback


@dataclass
class ApplyResult:
    plan: Plan
    entry: L.LedgerEntry
    ok: bool
    recoveries: list[Recovery] = field(default_factory=list)  # runs recovered before this one applied
    recorded: Recorded | None = None  # ledger + notification of this run

    @property
    def notification_failed(self) -> bool:
        """A failed deploy (or a recovery) that change management was not told of."""
        recs = [self.recorded] + [r.recorded for r in self.recoveries]
        return any(r is not None and r.failed_notification_of_failure for r in recs)


class Refused(OperationFailed):
    """The apply did not start: nothing in the org was changed."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _refusals(plan: Plan, opts: ApplyOptions) -> list[str]:
    reasons = [f"{f.location()}: {f.message}" for f in plan.errors]
    if opts.plan_hash and opts.plan_hash != plan.hash:
        reasons.append(f"the plan changed since it was reviewed: --plan-hash {opts.plan_hash[:12]}… but the plan "
                       f"computed now is {plan.hash[:12]}… (re-run --plan and review it)")
    if not opts.force_unlock:
        for pf in plan.locked:
            assert pf.lock is not None
            reasons.append(f"flow '{pf.name}' is locked by {pf.lock.describe()}; an apply never discards a draft "
                           "silently: ask them to publish or discard it, or pass --force-unlock")
    return reasons


def print_broken_lock(broken: dict[str, Any] | None, stream: TextIO | None) -> None:
    if broken:
        print(f"ivr-ci promote: {describe_broken(broken)}", file=stream or sys.stderr, flush=True)


def recover_open(client: GenesysClient, env: EnvSettings, promotion: PromotionSettings, opts: ApplyOptions, *,
                 run_id: str, broke: dict[str, Any] | None, stream: TextIO | None,
                 action: str) -> list[Recovery]:
    """Recover every open journal of the environment (oldest first), recording each; raises
    RecoveryFailed (after recording it) when one cannot be completed."""
    done = []
    for journal in J.open_journals(promotion.journal_dir, env.name, except_run=run_id):
        try:
            target = list_target(client, {f.type for f in journal.flows})
        except Exception:  # noqa: BLE001 - shown as unknown; the recovery reports the failure
            target = None
        announce(journal, target, stream=stream, action=action)
        rec = recover(client, journal, by_run=run_id, workers=opts.workers, job_timeout=opts.job_timeout,
                      poller=opts.poller, stream=stream, on_progress=opts.on_progress, broke_stale_lock=broke)
        broke = None  # recorded once
        gh = journal.github_deployment()
        rec.recorded = record(rec.entry, ledger_path=promotion.ledger, notify_url=opts.notify_url,
                              github=opts.github, github_deployment_id=int(gh["id"]) if gh else None, stream=stream)
        done.append(rec)
        out = stream or sys.stderr
        if not rec.verified:
            print(failure_report(env.name, rec.records, config_path=opts.config_path, what="recovery"), file=out)
            raise RecoveryFailed(f"recovery of run {journal.run_id} failed: {rec.entry.summary}")
        print(f"ivr-ci promote: recovered run {journal.run_id}: {rec.entry.summary}", file=out, flush=True)
    return done


def apply_release(client: GenesysClient, release: Release, env: EnvSettings, promotion: PromotionSettings,
                  opts: ApplyOptions, *, git_sha: str | None, stop: threading.Event,
                  stream: TextIO | None = None) -> ApplyResult:
    run_id = L.new_run_id()
    with acquire(promotion.lock_dir, env.name, run_id, ttl=promotion.lock_ttl,
                 info={"actor": L.current_actor(), "gitSha": git_sha}) as lock:
        print_broken_lock(lock.broken, stream)
        recoveries = recover_open(client, env, promotion, opts, run_id=run_id, broke=lock.broken, stream=stream,
                                  action="this --apply recovers it first (restores every flow to its snapshot), "
                                         "then applies its own plan")
        plan = compute_plan(client, release, git_sha=git_sha, workers=opts.workers,
                            force_unlock=opts.force_unlock, export_timeout=opts.job_timeout, token_details=False)
        reasons = _refusals(plan, opts)
        if reasons:
            if recoveries and opts.plan_hash and opts.plan_hash != plan.hash:
                reasons.append(f"the interrupted run(s) {', '.join(r.journal.run_id for r in recoveries)} were "
                               "recovered first, which changed the org's versions: plan again and apply that plan")
            raise Refused("apply refused, nothing was changed:\n  " + "\n  ".join(reasons))
        if stop.is_set():
            raise Refused("interrupted before the deploy started; nothing was changed")
        entry = L.LedgerEntry(env.name, plan.hash, plan.source_hash, git_sha, run_id=run_id,
                              client_id=getattr(client, "client_id", None),
                              window_override=opts.override_window)
        entry.maintenance = plan.maintenance_windows  # the windows the deployed flows now carry
        entry.broke_stale_lock = lock.broken if not recoveries else None
        started = time.monotonic()
        journal = _begin_journal(client, plan, entry, promotion, opts) if plan.changed else None
        gh_id = _github_start(opts, entry, journal)
        try:
            ok = _run(client, plan, entry, opts, stop, stream, journal) if plan.changed or plan.changed_prompts else True
        except BaseException as exc:
            # a bug or an unexpected error mid-deploy: the org may be partial, say so in the ledger;
            # the journal stays open, so the next run recovers
            entry.outcome, ok = L.ROLLBACK_FAILED, False
            entry.summary = f"deploy aborted by an unexpected error, org state unknown: {_first_line(exc)}"
            entry.finished_at = L.now_iso()
            if journal is not None:
                journal.close(L.ROLLBACK_FAILED, entry.summary)
            record(entry, ledger_path=promotion.ledger, notify_url=opts.notify_url, github=opts.github,
                   github_deployment_id=gh_id, stream=stream)
            raise
        if not plan.changed and not plan.changed_prompts:
            entry.outcome, entry.summary = L.UNCHANGED, "every flow already matches the target org: nothing deployed"
        entry.finished_at = L.now_iso()
        carry_versions(entry, plan)
        entry.duration_seconds = time.monotonic() - started
        stats = client.stats
        entry.api = {k: int(getattr(stats, k)) for k in ("requests", "throttled", "retries", "server_errors",
                                                          "connection_errors", "unauthorized_refreshes")}
        if journal is not None:
            journal.close(entry.outcome, entry.summary)
        if entry.outcome == L.ROLLBACK_FAILED:
            print(failure_report(env.name, entry.rollback, config_path=opts.config_path), file=stream or sys.stderr)
        recorded = record(entry, ledger_path=promotion.ledger, notify_url=opts.notify_url, github=opts.github,
                          github_deployment_id=gh_id, stream=stream)
    return ApplyResult(plan, entry, ok, recoveries, recorded)


def _begin_journal(client: GenesysClient, plan: Plan, entry: L.LedgerEntry, promotion: PromotionSettings,
                   opts: ApplyOptions) -> J.Journal:
    """The write-ahead record, durable before the first write to the org."""
    flows = [J.JournalFlow(i, f.name, f.type, f.action, f.target_id, f.target_version, f.snapshot, f.text, f.order)
             for i, f in enumerate(plan.changed, start=1)]
    begin = {"runId": entry.run_id, "environment": entry.environment, "planHash": entry.plan_hash,
             "sourceHash": entry.source_hash, "gitSha": entry.git_sha, "actor": entry.actor,
             "clientId": entry.client_id, "startedAt": entry.started_at, "windowOverride": entry.window_override,
             "apiBase": client.endpoints.api_base, "brokeStaleLock": entry.broke_stale_lock}
    return J.create(promotion.journal_dir, begin, flows)


def _github_start(opts: ApplyOptions, entry: L.LedgerEntry, journal: J.Journal | None) -> int | None:
    if opts.github is None or journal is None:
        return None
    started = opts.github.start(entry, journal)
    if started is None:
        return None
    entry.github_deployment = started
    journal.append("github-deployment", id=started["id"], url=started.get("url"))
    return int(started["id"])


def _journal_hooks(journal: J.Journal | None, deployer: Deployer) -> None:
    if journal is None:
        return

    def unpack(key: Any) -> tuple[str, FlowKey]:
        if isinstance(key, tuple) and len(key) == 2 and key[0] == "rollback":
            return "restore", key[1]
        return "deploy", key

    def on_job(key: Any, job_id: str) -> None:
        phase, (ftype, name) = unpack(key)
        journal.append("job", phase=phase, type=ftype, name=name, jobId=job_id)

    def on_final(key: Any, state: JobState) -> None:
        phase, (ftype, name) = unpack(key)
        if state.final == "Success":
            journal.append("published" if phase == "deploy" else "restored-job", phase=phase, type=ftype, name=name,
                           jobId=state.job_id, flowId=state.flow_id)
        elif state.final is not None:
            journal.append("failed", phase=phase, type=ftype, name=name, jobId=state.job_id, status=state.final)

    deployer.on_job, deployer.on_final = on_job, on_final


def _run(client: GenesysClient, plan: Plan, entry: L.LedgerEntry, opts: ApplyOptions, stop: threading.Event,
         stream: TextIO | None, journal: J.Journal | None = None) -> bool:
    changed = plan.changed
    by_key: dict[FlowKey, PlanFlow] = {(f.type, f.name): f for f in changed}
    records = {k: L.FlowRecord(f.name, f.type, f.action, f.target_id, f.target_version,
                               discarded_draft_of=f.lock.describe() if f.lock and opts.force_unlock else None)
               for k, f in by_key.items()}
    entry.flows = [records[(f.type, f.name)] for f in changed]
    progress = ProgressPrinter(len(changed) + len(plan.changed_prompts), stream, opts.on_progress)
    deployer = Deployer(client, opts.poller, progress, opts.job_timeout)
    prompts = PromptDeployment(client, plan.prompts, progress)  # ivr_ci/promote/prompts.py
    entry.prompts = prompts.records
    prompt_failure = prompts.deploy()  # before the flows: they resolve Prompt.X when published
    _journal_hooks(journal, deployer)
    parsed = [load_flow_text(f.text, f.path).flow for f in changed]
    depends: dict[FlowKey, set[FlowKey]] = {}
    for d in dependencies(f for f in parsed if f is not None):
        depends.setdefault(d.caller, set()).add(d.callee)

    def deploy(k: FlowKey) -> Any:
        pf = by_key[k]
        unlock = pf.target_id if pf.lock is not None and opts.force_unlock else None
        return deployer.publish(k, pf.label, pf.text, unlock_flow_id=unlock)

    work = [(f.type, f.name) for f in changed] if prompt_failure is None else []
    outcome = run_ordered(work, depends, deploy, workers=opts.workers, stop=stop)
    for k, res in outcome.done.items():
        records[k].status, records[k].job_id, records[k].seconds = "published", res.job_id, res.seconds
        records[k].flow_id = res.flow_id or records[k].flow_id
    for k, exc in outcome.failed.items():
        records[k].status, records[k].error = "failed", _first_line(exc)
        state = deployer.touched.get(k)
        records[k].job_id = state.job_id if state else None
    for k in outcome.not_started:
        records[k].status = "skipped"
    failure = None
    if prompt_failure is not None:
        failure = prompt_failure
        for rec in records.values():
            rec.status = "skipped"
    elif outcome.failed:
        k, exc = next(iter(outcome.failed.items()))
        failure = f"{by_key[k].label} failed: {_first_line(exc)}"
    elif outcome.stopped:
        failure = "interrupted (SIGINT/SIGTERM) while deploying"
    else:
        failure = _verify(client, changed, records, opts) or prompts.verify()
    if failure is None:
        entry.outcome = L.SUCCESS
        entry.summary = f"deployed {len(changed)} flow(s) to {plan.environment}"
        if prompts.prompts:
            entry.summary += f" with {len(prompts.prompts)} prompt(s)"
        return True
    progress("release", "failed", f"- {failure}; rolling back")
    if journal is not None:
        journal.append("rollback", reason=failure)

    def on_step(rec: L.RollbackRecord) -> None:
        if journal is not None:
            journal.append("deleted" if rec.action == "deleted" else "restored", name=rec.name, type=rec.type,
                           version=rec.version)

    rolled, verified = rollback(client, deployer, changed, workers=opts.workers, export_timeout=opts.job_timeout,
                                on_step=on_step)
    if prompts.touched or prompts.created:  # after the flows that play them
        verified = prompts.rollback() and verified
    entry.rollback, entry.rollback_verified = rolled, verified
    for undo in rolled:  # RollbackRecords: what each flow's rollback did
        if undo.ok:
            records[(undo.type, undo.name)].status = "deleted" if undo.action == "deleted" else "rolled-back"
    entry.outcome = L.ROLLED_BACK if verified else L.ROLLBACK_FAILED
    problems = "; ".join([*(f"{r.name}: {r.error}" for r in rolled if not r.ok),
                          *(f"{r.name}: {r.error}" for r in prompts.records if r.status == "rollback-failed")]) \
        or "not verified"
    undone_prompts = sum(1 for r in prompts.records if r.status == "rolled-back")
    what = f"{len(rolled)} flow(s)" + (f" and {undone_prompts} prompt(s)" if undone_prompts else "")
    undone = f"{what} rolled back and verified" if verified else f"ROLLBACK INCOMPLETE: {problems}"
    entry.summary = f"{failure}; {undone if rolled or undone_prompts or not verified else 'nothing had changed in the org'}"
    return False


def _verify(client: GenesysClient, changed: list[PlanFlow], records: dict[FlowKey, L.FlowRecord],
            opts: ApplyOptions) -> str | None:
    """Export every published result and compare it with what was rendered; None when all match."""
    from ivr_ci.diff.normalize import semantically_equal

    try:
        now = list_target(client, {f.type for f in changed})
        items: list[tuple[str, str]] = []
        for f in changed:
            t = now.find(f.type, f.name)
            rec = records[(f.type, f.name)]
            if t is None or t.published_version is None:
                return f"{f.label} is not published after its import job succeeded"
            rec.flow_id, rec.new_version = t.id, t.published_version
            items.append((t.id, t.published_version))
        texts = export_published(client, items, timeout=opts.job_timeout)
    except Exception as exc:  # noqa: BLE001 - an unverifiable deploy is a failed deploy
        return f"verification failed: {_first_line(exc)}"
    for f in changed:
        rec = records[(f.type, f.name)]
        published = load_flow_text(texts.get(rec.flow_id or "", ""), "<published>").flow
        rendered = load_flow_text(f.text, f.path).flow
        if published is None or rendered is None or not semantically_equal(published, rendered):
            rec.status, rec.error = "failed", "published configuration differs from what was rendered"
            return f"verification failed: {f.label}'s published configuration differs from what was rendered"
    return None
