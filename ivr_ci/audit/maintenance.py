"""Maintenance windows in the audit report: which windows the pipeline rendered, with the
published versions of the flows that carried them (from the ledger's `maintenance`)."""

from __future__ import annotations

from typing import Any

from ivr_ci.audit.deployments import Deployment


def windows_carried(deployments: list[Deployment]) -> list[dict[str, Any]]:
    """One item per window id: when, then, and per flow the versions that carried it (oldest
    deployment first), with the runs that published or kept them."""
    out: dict[str, dict[str, Any]] = {}
    for dep in sorted(deployments, key=lambda d: d.started):
        if dep.outcome not in ("success", "unchanged"):
            continue
        for w in dep.maintenance:
            if not isinstance(w, dict) or not w.get("id"):
                continue
            item = out.setdefault(str(w["id"]), {"id": str(w["id"]), "when": w.get("when"), "start": w.get("start"),
                                                 "end": w.get("end"), "then": w.get("then"), "flows": {}})
            item.update({k: w.get(k) for k in ("when", "start", "end", "then") if w.get(k)})
            versions = w.get("versions")
            if not isinstance(versions, dict):
                versions = {}
            for flow in w.get("flows") or []:
                carried = item["flows"].setdefault(str(flow), [])
                version = versions.get(flow)
                if not any(c["version"] == version for c in carried):
                    carried.append({"version": version, "runId": dep.run_id, "gitSha": dep.git_sha})
    return sorted(out.values(), key=lambda i: (str(i.get("start") or ""), i["id"]))


def then_text(then: Any) -> str:
    if isinstance(then, dict):
        kind, target = next(iter(then.items()), ("", ""))
        return f"transfer to {kind} '{target}'"
    return "disconnect" if then else "?"
