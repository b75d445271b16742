"""The target org's side of a plan: which flows exist, their published versions, their locks,
and their published YAML (export jobs).

Flows are listed once per run (one paged `GET /flows` for all involved types) instead of one
name lookup per flow, and published configurations are exported in batches: one export job
holds many flows and downloads as a zip. For 50 flows that is a handful of requests instead
of a few hundred, which is what the rate limit charges for.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ivr_ci.flow.types import api_type
from ivr_ci.genesys.errors import ExportJobFailed
from ivr_ci.promote.plan import LockInfo

if TYPE_CHECKING:
    from ivr_ci.genesys.client import GenesysClient

EXPORT_JOBS = "/api/v2/flows/export/jobs"
EXPORT_BATCH = 50


@dataclass
class TargetFlow:
    id: str
    name: str
    type: str  # API type, upper case
    published_version: str | None
    lock: LockInfo | None
    locked_by_us: bool = False


def _ms_iso(value: Any) -> str | None:
    if isinstance(value, (int, float)) and value > 0:
        return datetime.fromtimestamp(value / 1000, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, str) and value:
        return value
    return None


def lock_of(entity: dict[str, Any], own_client_id: str | None) -> tuple[LockInfo | None, bool]:
    """(the lock held by someone else, whether we hold it ourselves)."""
    user = entity.get("lockedUser") or None
    client = entity.get("lockedClient") or None
    since = _ms_iso((entity.get("savedVersion") or {}).get("dateSaved"))
    if user:
        return LockInfo("user", user.get("id"), user.get("name"), since), False
    if client:
        if own_client_id and client.get("id") == own_client_id:
            return None, True
        return LockInfo("client", client.get("id"), client.get("name"), since), False
    return None, False


def to_target(entity: dict[str, Any], own_client_id: str | None) -> TargetFlow:
    lock, ours = lock_of(entity, own_client_id)
    return TargetFlow(
        id=str(entity["id"]), name=str(entity.get("name")), type=str(entity.get("type", "")).upper(),
        published_version=(entity.get("publishedVersion") or {}).get("id"), lock=lock, locked_by_us=ours,
    )


class TargetIndex:
    """The org's flows of the given YAML types, by (type, name); exact name, else case-insensitive."""

    def __init__(self, entities: list[dict[str, Any]], own_client_id: str | None) -> None:
        self.flows = [to_target(e, own_client_id) for e in entities if e.get("id") and not e.get("deleted")]

    def find(self, yaml_type: str, name: str) -> TargetFlow | None:
        wanted = api_type(yaml_type).upper()
        same_type = [f for f in self.flows if f.type == wanted]
        exact = [f for f in same_type if f.name == name]
        if exact:
            return exact[0]
        folded = [f for f in same_type if f.name.casefold() == name.casefold()]
        return folded[0] if len(folded) == 1 else None


def list_target(client: GenesysClient, yaml_types: set[str]) -> TargetIndex:
    types = sorted({api_type(t) for t in yaml_types})
    entities = list(client.iter_flows(types)) if types else []
    return TargetIndex(entities, client.client_id)


def export_published(client: GenesysClient, items: list[tuple[str, str]], *,
                     timeout: float | None = None) -> dict[str, str]:
    """YAML of each (flow id, version), exported in batches; returns {flow id: yaml}."""
    out: dict[str, str] = {}
    for start in range(0, len(items), EXPORT_BATCH):
        batch = items[start:start + EXPORT_BATCH]
        names = {f"f{start + i}": fid for i, (fid, _) in enumerate(batch)}
        body = {"flows": [{"flow": {"id": fid, "version": str(ver)}, "fileName": f"f{start + i}", "exportType": "Yaml"}
                          for i, (fid, ver) in enumerate(batch)]}
        data = client.transport.json("POST", EXPORT_JOBS, json=body, safe=True) or {}
        job_id = str(data.get("id") or "")
        url = client.wait_export_job(job_id, timeout=timeout)
        content = client.transport.plain("GET", client.transport.url(url),
                                         max_total=client.polling.upload_timeout).content
        out.update(_unpack(content, names, batch, job_id))
    return out


def _unpack(content: bytes, names: dict[str, str], batch: list[tuple[str, str]], job_id: str) -> dict[str, str]:
    if content[:2] != b"PK":
        if len(batch) != 1:
            raise ExportJobFailed(f"export job {job_id} of {len(batch)} flows did not answer a zip", job_id)
        return {batch[0][0]: content.decode("utf-8-sig")}
    out = {}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for member in archive.namelist():
            stem = member.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            if stem in names:
                out[names[stem]] = archive.read(member).decode("utf-8-sig")
    missing = [fid for fid, _ in batch if fid not in out]
    if missing:
        raise ExportJobFailed(f"export job {job_id}: the download lacks flows {', '.join(missing)}", job_id)
    return out
