"""Recording how a run ended, in one place for apply and recovery: the ledger line, the
`notify:` webhook (every outcome but `unchanged`) with its delivery written back into that
line, and the final status of the run's GitHub Deployment.

The ledger line is written before the webhook is tried, so a run that dies while notifying
still has its entry; the delivery then replaces the line (`replace_entry`).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TextIO

from ivr_ci.promote import ledger as L

if TYPE_CHECKING:
    from ivr_ci.promote.github_deployments import DeploymentRecorder
    from ivr_ci.promote.notify import Delivery

NOTIFIED_OUTCOMES = (L.SUCCESS, L.ROLLED_BACK, L.ROLLBACK_FAILED, L.INTERRUPTED)
FAILED_OUTCOMES = (L.ROLLED_BACK, L.ROLLBACK_FAILED, L.INTERRUPTED)


@dataclass
class Recorded:
    outcome: str
    delivery: Delivery | None  # None: nothing to notify (no URL, or outcome unchanged)

    @property
    def failed_notification_of_failure(self) -> bool:
        """Change management did not hear of a failed deploy: the command must not exit 0."""
        return self.outcome in FAILED_OUTCOMES and self.delivery is not None and not self.delivery.delivered


def payload(entry: L.LedgerEntry) -> dict[str, Any]:
    return {"event": "ivr-ci.deploy", "notifiedAt": datetime.now(timezone.utc).isoformat(), **entry.to_json()}


def record(entry: L.LedgerEntry, *, ledger_path: str, notify_url: str | None,
           github: DeploymentRecorder | None = None, github_deployment_id: int | None = None,
           stream: TextIO | None = None) -> Recorded:
    """Write the entry, notify, record the delivery, close the GitHub Deployment. Call under
    the environment's deploy lock."""
    out = stream or sys.stderr
    L.append_entry(ledger_path, entry)
    delivery = None
    if notify_url and entry.outcome in NOTIFIED_OUTCOMES:
        from ivr_ci.promote.notify import notify

        delivery = notify(notify_url, payload(entry))
        entry.notification = delivery.to_json()
        print(f"ivr-ci promote: {delivery.message}", file=out, flush=True)
        L.replace_entry(ledger_path, entry)
        if not delivery.delivered:
            from ivr_ci import gha

            if gha.in_actions():
                (gha.error if entry.outcome in FAILED_OUTCOMES else gha.warning)(delivery.message)
    if github is not None and github_deployment_id is not None:
        github.finish(github_deployment_id, entry)
        L.replace_entry(ledger_path, entry)  # with the deployment's final state
    return Recorded(entry.outcome, delivery)
