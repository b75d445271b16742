"""Flow analytics aggregates (audit-report's metrics) and the client's own identity (`/tokens/me`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ivr_ci.genesys.transport import Transport

FLOW_METRICS = ["nFlow", "nFlowOutcome", "nFlowOutcomeFailed", "tFlow", "tFlowDisconnect", "tFlowExit", "tFlowOutcome"]


class InsightsMixin:
    """Analytics and identity calls of `GenesysClient`."""

    _t: Transport

    # --- analytics -------------------------------------------------------------------------
    def flow_aggregates(
        self,
        interval: str,
        *,
        metrics: list[str] | None = None,
        group_by: list[str] | None = None,
        flow_ids: list[str] | None = None,
        granularity: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """`POST /analytics/flows/aggregates/query` -> `results` (group + data[].metrics)."""
        query: dict[str, Any] = {"interval": interval, "metrics": metrics or FLOW_METRICS,
                                 "groupBy": group_by or ["flowId"]}
        if granularity:
            query["granularity"] = granularity
        if flow_ids:
            query["filter"] = {"type": "or", "predicates": [
                {"type": "dimension", "dimension": "flowId", "operator": "matches", "value": fid} for fid in flow_ids]}
        query.update(extra or {})
        data = self._t.json("POST", "/api/v2/analytics/flows/aggregates/query", json=query, safe=True) or {}
        return list(data.get("results") or [])

    # --- identity ----------------------------------------------------------------------------
    def token_info(self) -> dict[str, Any]:
        """`GET /tokens/me`: organization, OAuthClient (with roleDivisions), authorizedScope."""
        return self._t.json("GET", "/api/v2/tokens/me", params={"preserveIdleTTL": True}) or {}
