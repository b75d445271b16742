"""Architect dependency tracking, flow analytics aggregates, and the client's own identity."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ivr_ci.genesys.transport import Transport

log = logging.getLogger("ivr_ci.genesys")

DEPENDENCIES = "/api/v2/architect/dependencytracking"

# Flow.type -> dependency-tracking object type (TF dependent_consumers SetFlowTypeObjectMaps)
_FLOW_OBJECT_TYPE_EXCEPTIONS = {"WORKFLOW": "WORKFLOW", "BOT": "BOTFLOW", "DIGITALBOT": "DIGITALBOTFLOW"}

FLOW_METRICS = ["nFlow", "nFlowOutcome", "nFlowOutcomeFailed", "tFlow", "tFlowDisconnect", "tFlowExit", "tFlowOutcome"]


def flow_object_type(flow_type: str) -> str:
    """INBOUNDCALL -> INBOUNDCALLFLOW, COMMONMODULE -> COMMONMODULEFLOW, WORKFLOW -> WORKFLOW."""
    upper = flow_type.upper()
    if upper in _FLOW_OBJECT_TYPE_EXCEPTIONS:
        return _FLOW_OBJECT_TYPE_EXCEPTIONS[upper]
    return upper if upper.endswith("FLOW") else upper + "FLOW"


@dataclass(frozen=True)
class Dependencies:
    """Resources from dependency tracking. `partial` is True when the API answered 206 (the
    org's dependency data is being rebuilt): the list may then be incomplete."""

    resources: list[dict[str, Any]] = field(default_factory=list)
    partial: bool = False


class InsightsMixin:
    """Dependency tracking, analytics and identity calls of `GenesysClient`."""

    _t: Transport

    def _dependency_pages(self, path: str, params: dict[str, Any], page_size: int) -> Dependencies:
        resources: list[dict[str, Any]] = []
        partial = False
        page_number = 1
        while True:
            query = {**params, "pageNumber": page_number, "pageSize": page_size}
            resp = self._t.request("GET", path, params=query)
            partial = partial or resp.status_code == 206
            page = resp.json() if resp.content else {}
            entities = page.get("entities") or []
            resources.extend(entities)
            page_count = page.get("pageCount")
            if not entities or (isinstance(page_count, int) and page_number >= page_count) or (
                not isinstance(page_count, int) and len(entities) < page_size
            ):
                break
            page_number += 1
        if partial:
            log.warning("GET %s -> 206: dependency data is being rebuilt; results may be incomplete", path)
        return Dependencies(resources, partial)

    def consumed_resources(
        self,
        flow_id: str,
        version: str,
        flow_type: str,
        *,
        resource_types: list[str] | None = None,
        page_size: int = 100,
    ) -> Dependencies:
        """What a flow version uses (queues, prompts, data actions, other flows ...)."""
        params = {"id": flow_id, "version": str(version), "objectType": flow_object_type(flow_type),
                  "resourceType": resource_types}
        return self._dependency_pages(f"{DEPENDENCIES}/consumedresources", params, page_size)

    def consuming_resources(
        self,
        object_id: str,
        object_type: str,
        *,
        flow_filter: str | None = None,
        resource_types: list[str] | None = None,
        page_size: int = 100,
    ) -> Dependencies:
        """Who uses a resource (`flow_filter`: checkedIn | published)."""
        params = {"id": object_id, "objectType": object_type, "flowFilter": flow_filter,
                  "resourceType": resource_types}
        return self._dependency_pages(f"{DEPENDENCIES}/consumingresources", params, page_size)

    def dependency_object(self, object_id: str, **params: Any) -> dict[str, Any]:
        return self._t.json("GET", f"{DEPENDENCIES}/object", params={"id": object_id, **params}) or {}

    def dependency_build_status(self) -> dict[str, Any]:
        return self._t.json("GET", f"{DEPENDENCIES}/build") or {}

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

    def organization(self) -> dict[str, Any]:
        """`GET /organizations/me`: id, name, domain, state, features ..."""
        return self._t.json("GET", "/api/v2/organizations/me") or {}

    def authorized_scopes(self) -> list[str]:
        """The token's OAuth scopes. Individual permissions are not exposed by the API subset
        this client targets; `roleDivisions` of the OAuth client (in `token_info()`) is."""
        return [str(s) for s in self.token_info().get("authorizedScope") or []]
