"""`promote --apply`: all-or-nothing deploy of a freshly computed plan.

Order of business: take the environment's deploy lock; compute the plan again (under the lock,
so nothing else moves the target between plan and deploy); refuse on plan errors, a plan-hash
mismatch or a lock held by someone else; deploy the changed flows callee-first with bounded
concurrency; verify every published result by exporting it again; on any failure (or
SIGINT/SIGTERM, signalled through `stop`) roll back everything this run changed and verify
that too. Every run that reaches the deploy stage writes one ledger entry.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from ivr_ci.errors import OperationFailed
from ivr_ci.flow import load_flow_text
from ivr_ci.promote import ledger as L
from ivr_ci.promote.deploy import Deployer, ProgressPrinter
from ivr_ci.promote.lock import acquire
from ivr_ci.promote.maintenance_render import carry_versions
from ivr_ci.promote.ordering import FlowKey, dependencies
from ivr_ci.promote.plan import Plan, PlanFlow
from ivr_ci.promote.planner import compute_plan
from ivr_ci.promote.poller import AdaptivePoller
from ivr_ci.promote.prompts import PromptDeployment
from ivr_ci.promote.release import Release
from ivr_ci.promote.rollback import rollback
from ivr_ci.promote.scheduler import run_ordered
from ivr_ci.promote.settings import EnvSettings, PromotionSettings
from ivr_ci.promote.target import export_published, list_target

if TYPE_CHECKING:
    from ivr_ci.genesys.client import GenesysClient


@dataclass
class ApplyOptions:
    plan_hash: str | None = None
    override_window: str | None = None
    force_unlock: bool = False
    workers: int = 4
    job_timeout: float = 16 * 60.0
    poller: AdaptivePoller = field(default_factory=AdaptivePoller)
    on_progress: Callable[[str, str, str], None] | None = None  # (flow label, stage, detail)


@dataclass
class ApplyResult:
    plan: Plan
    entry: L.LedgerEntry
    ok: bool


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


def apply_release(client: GenesysClient, release: Release, env: EnvSettings, promotion: PromotionSettings,
                  opts: ApplyOptions, *, git_sha: str | None, stop: threading.Event,
                  stream: TextIO | None = None) -> ApplyResult:
    run_id = L.new_run_id()
    with acquire(promotion.lock_dir, env.name, run_id, ttl=promotion.lock_ttl,
                 info={"actor": L.current_actor(), "gitSha": git_sha}):
        plan = compute_plan(client, release, git_sha=git_sha, workers=opts.workers,
                            force_unlock=opts.force_unlock, export_timeout=opts.job_timeout, token_details=False)
        reasons = _refusals(plan, opts)
        if reasons:
            raise Refused("apply refused, nothing was changed:\n  " + "\n  ".join(reasons))
        if stop.is_set():
            raise Refused("interrupted before the deploy started; nothing was changed")
        entry = L.LedgerEntry(env.name, plan.hash, plan.source_hash, git_sha, run_id=run_id,
                              client_id=getattr(client, "client_id", None),
                              window_override=opts.override_window)
        entry.maintenance = plan.maintenance_windows  # the windows the deployed flows now carry
        started = time.monotonic()
        try:
            ok = _run(client, plan, entry, opts, stop, stream) if plan.changed or plan.changed_prompts else True
        except BaseException as exc:
            # a bug or an unexpected error mid-deploy: the org may be partial, say so in the ledger
            entry.outcome, ok = L.ROLLBACK_FAILED, False
            entry.summary = f"deploy aborted by an unexpected error, org state unknown: {_first_line(exc)}"
            entry.finished_at = L.now_iso()
            L.append_entry(promotion.ledger, entry)
            raise
        if not plan.changed and not plan.changed_prompts:
            entry.outcome, entry.summary = L.UNCHANGED, "every flow already matches the target org: nothing deployed"
        entry.finished_at = L.now_iso()
        carry_versions(entry, plan)
        entry.duration_seconds = time.monotonic() - started
        stats = client.stats
        entry.api = {k: int(getattr(stats, k)) for k in ("requests", "throttled", "retries", "server_errors",
                                                          "connection_errors", "unauthorized_refreshes")}
        L.append_entry(promotion.ledger, entry)
    return ApplyResult(plan, entry, ok)


def _run(client: GenesysClient, plan: Plan, entry: L.LedgerEntry, opts: ApplyOptions, stop: threading.Event,
         stream: TextIO | None) -> bool:
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
    rolled, verified = rollback(client, deployer, changed, workers=opts.workers, export_timeout=opts.job_timeout)
    if prompts.touched or prompts.created:  # after the flows that play them
        verified = prompts.rollback() and verified
    entry.rollback, entry.rollback_verified = rolled, verified
    for rec in rolled:
        r = records[(rec.type, rec.name)]
        if rec.ok:
            r.status = "deleted" if rec.action == "deleted" else "rolled-back"
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
