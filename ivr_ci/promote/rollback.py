"""Undo an apply: every flow this run may have changed goes back to its snapshot.

Decisions are made from the org's state, not from what the run believes happened: a flow is
restored when its published version is no longer the snapshot's, a flow the run created is
deleted when it exists. That covers uploads that "failed" after landing and jobs that
published after we stopped polling. Callers are undone before their callees (a new callee is
only deleted once nothing published refers to it), and each step is retried, because a
rollback that gives up early leaves exactly the partial state it exists to prevent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ivr_ci.flow import load_flow_text
from ivr_ci.promote.deploy import Deployer
from ivr_ci.promote.ledger import RollbackRecord
from ivr_ci.promote.ordering import FlowKey, dependencies
from ivr_ci.promote.plan import CREATE, PlanFlow
from ivr_ci.promote.scheduler import run_ordered
from ivr_ci.promote.target import TargetIndex, export_published, list_target

if TYPE_CHECKING:
    from ivr_ci.genesys.client import GenesysClient

ATTEMPTS = 3


def _retry(fn: Any, attempts: int = ATTEMPTS, pause: float = 1.0) -> Any:
    for n in range(1, attempts + 1):
        try:
            return fn()
        except Exception:
            if n == attempts:
                raise
            time.sleep(pause * n)


def _already_restored(client: GenesysClient, flows: list[tuple[PlanFlow, str, str]],
                      export_timeout: float | None) -> set[FlowKey]:
    """Flows whose published version differs from the snapshot's but whose content equals it:
    restored by an earlier rollback or recovery (a restore publishes a new version). Checking
    content makes a retried recovery idempotent; when the export fails, everything is restored."""
    from ivr_ci.diff.normalize import semantically_equal

    if not flows:
        return set()
    try:
        texts = _retry(lambda: export_published(client, [(fid, ver) for _, fid, ver in flows], timeout=export_timeout))
    except Exception:  # noqa: BLE001 - unknown content: restore it again (harmless)
        return set()
    out = set()
    for pf, fid, _ in flows:
        now = load_flow_text(texts.get(fid, ""), "<published>").flow
        snap = load_flow_text(pf.snapshot or "", "<snapshot>").flow
        if now is not None and snap is not None and semantically_equal(now, snap):
            out.add((pf.type, pf.name))
    return out


def rollback(client: GenesysClient, deployer: Deployer, flows: list[PlanFlow], *, workers: int,
             export_timeout: float | None = None,
             on_step: Callable[[RollbackRecord], None] | None = None) -> tuple[list[RollbackRecord], bool]:
    """Restore/delete every touched flow; returns the records and whether it verified.
    `on_step` is called after each successful restore/delete (the journal records it)."""
    by_key: dict[FlowKey, PlanFlow] = {(f.type, f.name): f for f in flows}
    touched = [k for k in deployer.touched if k in by_key]
    for k in touched:  # jobs still in flight may publish later: know their outcome first
        state = deployer.touched[k]
        if state is not None:
            deployer.settle(state, by_key[k].label)
    current = _retry(lambda: list_target(client, {f.type for f in flows}))
    records: dict[FlowKey, RollbackRecord] = {}
    work: list[FlowKey] = []
    moved: list[tuple[PlanFlow, str, str]] = []
    for k in touched:
        pf = by_key[k]
        now = current.find(pf.type, pf.name)
        if pf.action == CREATE:
            if now is not None:
                work.append(k)
                records[k] = RollbackRecord(pf.name, pf.type, "deleted", expected="absent")
        elif now is not None and now.published_version != pf.target_version:
            if now.published_version and pf.snapshot is not None:
                moved.append((pf, now.id, now.published_version))
            work.append(k)
            records[k] = RollbackRecord(pf.name, pf.type, "restored", pf.target_version,
                                        expected=f"the content of version {pf.target_version}")
    done = _already_restored(client, moved, export_timeout)
    work = [k for k in work if k not in done]
    records = {k: records[k] for k in work}
    if not work:
        return [], True

    # callers first: reverse the deploy dependencies
    parsed = {k: load_flow_text(by_key[k].text, by_key[k].path).flow for k in work}
    reverse: dict[FlowKey, set[FlowKey]] = {}
    for d in dependencies(f for f in parsed.values() if f is not None):
        reverse.setdefault(d.callee, set()).add(d.caller)

    def undo(k: FlowKey) -> None:
        pf, rec = by_key[k], records[k]
        deployer.progress(pf.label, "rolling back", rec.action.replace("restored", "restoring").replace(
            "deleted", "deleting"))
        try:
            if rec.action == "deleted":
                target = current.find(pf.type, pf.name)
                assert target is not None
                _retry(lambda: client.delete_flow(target.id))
            else:
                if pf.snapshot is None:
                    raise RuntimeError("no published version to restore (the flow was never published)")
                _retry(lambda: deployer.publish(("rollback", k), pf.label, pf.snapshot or ""))
            rec.ok = True
        except Exception as exc:
            rec.fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            raise
        if on_step is not None:
            on_step(rec)

    outcome = run_ordered(work, reverse, undo, workers=workers, stop=threading.Event(), keep_going=True)
    for k in outcome.not_started:  # its callers' restores failed: it was left alone on purpose
        callers = ", ".join(by_key[c].label for c in reverse.get(k, set()) if c in outcome.failed)
        records[k].fail(f"not attempted: the restore of its caller(s) {callers or '?'} failed first")
    verified = _verify(client, [by_key[k] for k in work], records, export_timeout)
    return [records[k] for k in work], verified


def _verify(client: GenesysClient, flows: list[PlanFlow], records: dict[FlowKey, RollbackRecord],
            export_timeout: float | None) -> bool:
    """Deleted flows are gone; restored flows export equal to their snapshots."""
    from ivr_ci.diff.normalize import semantically_equal

    try:
        after: TargetIndex = _retry(lambda: list_target(client, {f.type for f in flows}))
        exports: list[tuple[str, str]] = []
        ids: dict[FlowKey, str] = {}
        ok = True
        for pf in flows:
            k = (pf.type, pf.name)
            now = after.find(pf.type, pf.name)
            records[k].published_version = now.published_version if now is not None else None
            if records[k].action == "deleted":
                if now is not None:
                    records[k].fail("still exists after delete")
                    ok = False
                else:
                    records[k].ok = True  # the org is what counts (a delete whose answer was lost)
            elif now is None or now.published_version is None:
                records[k].fail("not published after restore")
                ok = False
            else:
                exports.append((now.id, now.published_version))
                ids[k] = now.id
        texts = _retry(lambda: export_published(client, exports, timeout=export_timeout)) if exports else {}
        for pf in flows:
            k = (pf.type, pf.name)
            if k in ids:
                restored = load_flow_text(texts.get(ids[k], ""), "<restored>").flow
                snap = load_flow_text(pf.snapshot or "", "<snapshot>").flow
                if restored is None or snap is None or not semantically_equal(restored, snap):
                    records[k].fail("published configuration differs from the snapshot")
                    ok = False
                else:
                    records[k].ok = True  # read back equal: restored, even if its job's answer was lost
        return ok and all(r.ok for r in records.values())
    except Exception as exc:  # noqa: BLE001 - an unverifiable rollback is reported as such
        for rec in records.values():
            rec.fail(f"verification failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
        return False
