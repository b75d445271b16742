"""`ivr-ci promote --env NAME --plan|--apply`: plan or apply a release to an environment.

--plan is read-only: render, validate, preflight the target org, compare, order, hash.
--apply deploys the freshly computed plan all-or-nothing (docs/promote.md).
--recover restores every flow an interrupted run touched to its snapshot (its journal).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ivr_ci import gha
from ivr_ci.config import load_config
from ivr_ci.errors import OperationFailed, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", help="flow files or directories (default: `flows:` in .ivr-ci.yaml)")
    parser.add_argument("--env", required=True, help="environment of .ivr-ci.yaml to promote to")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--plan", action="store_true", help="compute and print the plan (read-only)")
    mode.add_argument("--apply", action="store_true", help="deploy the plan, all-or-nothing")
    mode.add_argument("--recover", action="store_true",
                      help="restore every flow an interrupted run touched to its snapshot, verify, record it")
    parser.add_argument("--plan-hash", help="--apply: refuse unless the plan computed now has this hash")
    parser.add_argument("--override-window", metavar="REASON",
                        help="--apply outside the maintenance window; the reason goes into the ledger")
    parser.add_argument("--force-unlock", action="store_true",
                        help="unlock flows locked in Architect, DISCARDING the holder's unpublished draft")
    parser.add_argument("--menu-overlay", action="append", default=[], metavar="FILE",
                        help="apply a menu overlay (docs/promote.md) before rendering; repeatable")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                        help="plan/result format on stdout (default: text)")
    parser.add_argument("--markdown-file", help="also write the plan (or result) as Markdown to this file")
    parser.add_argument("--json-file", help="also write the plan as JSON to this file")
    parser.add_argument("--config", help="path to .ivr-ci.yaml (default: found upward from the cwd)")
    parser.add_argument("--ledger", help="deployment ledger path (default: promotion.ledger)")
    parser.add_argument("--lock-dir", help="directory of deploy lock files (default: promotion.lock-dir)")
    parser.add_argument("--api-base", help="API base URL, e.g. an emulator (overrides the environment's)")
    parser.add_argument("--concurrency", type=int, help="import jobs in flight at once (default: promotion.concurrency)")
    parser.add_argument("--poll-interval", type=float, help="first job poll delay in seconds (tests)")
    parser.add_argument("--job-timeout", type=float, help="seconds one import/export job may take")


def _write(path: str | None, text: str) -> None:
    if path:
        from ivr_ci.util.files import write_atomic

        write_atomic(path, text)


@contextmanager
def _signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT/SIGTERM set `stop`: running jobs finish, then everything is rolled back."""
    def handler(signum: int, _frame: Any) -> None:
        name = signal.Signals(signum).name
        if not stop.is_set():
            print(f"ivr-ci promote: {name} received: no new flows start; jobs in flight finish, then this run's "
                  "changes are rolled back", file=sys.stderr, flush=True)
        stop.set()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def run(args: argparse.Namespace) -> int:
    from ivr_ci.promote.overlay import load_overlay
    from ivr_ci.promote.session import make_client, prepare

    if args.apply is False and (args.plan_hash or args.override_window or args.force_unlock):
        raise UsageError("--plan-hash, --override-window and --force-unlock go with --apply")
    if args.override_window is not None and not args.override_window.strip():
        raise UsageError("--override-window needs a reason (it is recorded in the ledger)")
    if args.concurrency is not None and not 1 <= args.concurrency <= 32:
        raise UsageError("--concurrency must be between 1 and 32")
    config = load_config(args.config)
    if args.recover:
        if args.paths or args.menu_overlay:
            raise UsageError("--recover takes no flow paths or overlays: it restores what the journal recorded")
        return _recover(config, args)
    overlays = [load_overlay(p) for p in args.menu_overlay]
    session = prepare(config, args.env, list(args.paths), overlays, ledger=args.ledger, lock_dir=args.lock_dir)
    _report_findings(session.findings, annotate=args.format == "text")  # json/markdown stdout stays clean
    errors = sum(1 for f in session.findings if f.severity.value == "error")
    if session.release.errors or errors:
        raise OperationFailed(f"the flows cannot be promoted to '{args.env}' as they are ({errors} error(s) above)")
    workers = args.concurrency or session.promotion.concurrency
    job_timeout = args.job_timeout or session.promotion.job_timeout
    if args.apply:
        _pre_apply_checks(session, args)
    with make_client(session.env, api_base=args.api_base, poll_initial=args.poll_interval,
                     job_timeout=job_timeout) as client:
        if args.plan:
            return _plan(client, session, args, workers)
        return _apply(client, session, args, workers, job_timeout)


def _report_findings(findings: list[Any], *, annotate: bool) -> None:
    """Render/validate findings: on stderr, and as annotations on the files in Actions."""
    for f in findings:
        print(f"{f.location()}: {f.severity.value}: {f.message} [{f.rule_id}]", file=sys.stderr)
        if annotate and gha.in_actions() and f.severity.value in ("error", "warning"):
            emit = gha.error if f.severity.value == "error" else gha.warning
            emit(f.message, file=f.path, line=f.line or None, col=f.col or None, title=f"ivr-ci promote {f.rule_id}")


def _pre_apply_checks(session: Any, args: argparse.Namespace) -> None:
    """Offline refusals, before any request: the maintenance window and `requires:`."""
    from ivr_ci.promote import window
    from ivr_ci.promote.ledger import requires_problem
    from ivr_ci.promote.plan import source_hash

    env = session.env
    if env.window is not None and not window.is_open(env.window):
        if not args.override_window:
            nxt = window.next_opening(env.window)
            when = f"; it next opens {nxt.isoformat(timespec='minutes')}" if nxt else ""
            raise OperationFailed(f"'{env.name}' is outside its maintenance window ({window.describe(env.window)})"
                                  f"{when}. Use --override-window REASON for an emergency deploy")
        print(f"ivr-ci promote: outside the maintenance window, overridden: {args.override_window}", file=sys.stderr)
    elif args.override_window:
        print("ivr-ci promote: inside the maintenance window: --override-window not needed (not recorded)",
              file=sys.stderr)
        args.override_window = None
    if env.requires:
        problem = requires_problem(session.promotion.ledger, env.name, env.requires,
                                   source_hash(session.release.source_hashes()))
        if problem:
            raise OperationFailed(problem)


def _plan(client: Any, session: Any, args: argparse.Namespace, workers: int) -> int:
    from ivr_ci.promote.planner import compute_plan
    from ivr_ci.promote.release import git_sha
    from ivr_ci.promote.report import render_plan

    interrupted = _interrupted_runs(client, session)
    plan = compute_plan(client, session.release, git_sha=git_sha(session.config.base_dir), workers=workers,
                        export_timeout=args.job_timeout)
    plan.interrupted = interrupted
    sys.stdout.write(render_plan(args.format, plan))
    markdown = render_plan("markdown", plan)
    _write(args.markdown_file, markdown)
    _write(args.json_file, render_plan("json", plan))
    gha.append_summary(markdown)
    gha.set_output("plan-hash", plan.hash)
    gha.set_output("changed-flows", json.dumps([f.name for f in plan.changed]))
    return 1 if plan.errors or plan.interrupted else 0


def _interrupted_runs(client: Any, session: Any) -> list[dict[str, Any]]:
    """Open journals of the environment, announced loudly: a plan over a half-deployed org is
    not a normal plan. A journal whose run still holds a live lock is a run in progress."""
    import os

    from ivr_ci.promote import journal as J
    from ivr_ci.promote.lock import read_lock, stale_reason
    from ivr_ci.promote.recover import announce, retry_command
    from ivr_ci.promote.target import list_target

    promotion, env = session.promotion, session.env
    lock = read_lock(os.path.join(promotion.lock_dir, f"{env.name}.lock"))
    live = lock.get("runId") if lock and stale_reason(lock) is None else None
    if lock is not None and live is None:
        print(f"ivr-ci promote: the deploy lock of '{env.name}' is stale (run {lock.get('runId', '?')}: "
              f"{stale_reason(lock)}); the next --apply or --recover breaks it", file=sys.stderr)
    found = []
    for journal in J.open_journals(promotion.journal_dir, env.name):
        try:
            target = list_target(client, {f.type for f in journal.flows})
        except Exception:  # noqa: BLE001 - shown as unknown
            target = None
        running = journal.run_id == live
        action = ("that run is still in progress (it holds the deploy lock): this plan may change under it"
                  if running else f"run `{retry_command(env.name, session.config.path)}` (or a plain --apply, "
                                  "which recovers first), then plan again")
        states = announce(journal, target, action=action)
        found.append({"runId": journal.run_id, "actor": journal.begin.get("actor"),
                      "host": journal.begin.get("host"), "startedAt": journal.begin.get("startedAt"),
                      "outcome": "running" if running else journal.outcome, "flows": states, "next": action})
    return found


def _recover(config: Any, args: argparse.Namespace) -> int:
    """`--recover`: under the deploy lock, restore every open journal's flows to their snapshots."""
    from ivr_ci.promote import journal as J
    from ivr_ci.promote.apply import ApplyOptions, print_broken_lock, recover_open
    from ivr_ci.promote.ledger import current_actor, new_run_id
    from ivr_ci.promote.lock import acquire
    from ivr_ci.promote.poller import AdaptivePoller
    from ivr_ci.promote.session import make_client
    from ivr_ci.promote.settings import environment_settings, promotion_settings

    env = environment_settings(config, args.env)
    promotion = promotion_settings(config, ledger=args.ledger, lock_dir=args.lock_dir)
    job_timeout = args.job_timeout or promotion.job_timeout
    opts = ApplyOptions(workers=args.concurrency or promotion.concurrency, job_timeout=job_timeout,
                        poller=AdaptivePoller(initial=args.poll_interval) if args.poll_interval else AdaptivePoller(),
                        notify_url=env.notify, github=_github_recorder(env), config_path=args.config)
    run_id = new_run_id()
    with make_client(env, api_base=args.api_base, poll_initial=args.poll_interval, job_timeout=job_timeout) as client, \
            acquire(promotion.lock_dir, env.name, run_id, ttl=promotion.lock_ttl,
                    info={"actor": current_actor(), "recovering": True}) as lock:
        print_broken_lock(lock.broken, sys.stderr)
        if not J.open_journals(promotion.journal_dir, env.name, except_run=run_id):
            print(f"ivr-ci promote: nothing to recover: no interrupted run of '{env.name}' in "
                  f"{promotion.journal_dir}", file=sys.stderr)
            return 0
        done = recover_open(client, env, promotion, opts, run_id=run_id, broke=lock.broken, stream=sys.stderr,
                            action="--recover restores every flow it touched to its snapshot")
    for rec in done:
        print(f"ledger: {promotion.ledger}\n{rec.entry.to_line()}", file=sys.stderr)
    lines = [rec.entry.to_line() for rec in done]
    gha.set_output("ledger-entry", lines[-1] if lines else "")
    if any(r.recorded is not None and r.recorded.failed_notification_of_failure for r in done):
        raise OperationFailed("the org was recovered, but change management was not notified (see above)")
    return 0


def _github_recorder(env: Any) -> Any:
    from ivr_ci.promote.github_deployments import recorder_from_environment

    return recorder_from_environment(env)


def _apply(client: Any, session: Any, args: argparse.Namespace, workers: int, job_timeout: float) -> int:
    from ivr_ci.promote.apply import ApplyOptions, apply_release
    from ivr_ci.promote.poller import AdaptivePoller
    from ivr_ci.promote.release import git_sha
    from ivr_ci.promote.report import apply_markdown, apply_text

    poller = AdaptivePoller(initial=args.poll_interval) if args.poll_interval else AdaptivePoller()
    opts = ApplyOptions(plan_hash=args.plan_hash, override_window=args.override_window,
                        force_unlock=args.force_unlock, workers=workers, job_timeout=job_timeout, poller=poller,
                        notify_url=session.env.notify, github=_github_recorder(session.env),
                        config_path=args.config)
    stop = threading.Event()
    with _signals(stop):
        result = apply_release(client, session.release, session.env, session.promotion, opts,
                               git_sha=git_sha(session.config.base_dir), stop=stop)
    entry = result.entry
    text = apply_text(entry)
    markdown = apply_markdown(entry)
    sys.stdout.write(markdown if args.format == "markdown" else
                     (json.dumps(entry.to_json(), indent=2) + "\n" if args.format == "json" else text))
    print(f"ledger: {session.promotion.ledger}\n{entry.to_line()}", file=sys.stderr)
    _write(args.markdown_file, markdown)
    _write(args.json_file, json.dumps(entry.to_json(), indent=2) + "\n")
    gha.append_summary(markdown)
    gha.set_output("plan-hash", result.plan.hash)
    gha.set_output("changed-flows", json.dumps([f.name for f in result.plan.changed]))
    gha.set_output("ledger-entry", entry.to_line())
    if not result.ok:
        raise OperationFailed(f"promote to '{session.env.name}' failed: {entry.summary}")
    if result.notification_failed:
        raise OperationFailed("change management was not notified of a failed deploy (see above)")
    return 0
