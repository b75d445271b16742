"""The emulator's tunables (seed `settings:`, `POST /__admin/settings`)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass
class Settings:
    """Tunables (seed `settings:`; camelCase there)."""

    token_expires_in: int = 86399
    import_job_polls: int = 2  # the poll that reports Success/Failure; earlier polls say Started
    export_job_polls: int = 2
    audit_query_polls: int = 2  # the status poll that says Succeeded; earlier ones say Running
    job_latency_ms: int = 0  # and at least this long after the upload
    # An uploaded import job finishes on its own this long after the upload, polled or not, as the
    # real service's jobs do: a client that registers, uploads and dies still changes the org.
    import_job_completes_ms: int = 5000
    presign_ttl: int = 900
    audit_large_results: int = 10000  # allowRedirect=true beyond this many results → 302
    realtime_audit_days: int = 14

    @classmethod
    def from_seed(cls, data: dict[str, Any] | None) -> Settings:
        out = cls()
        for f in fields(cls):
            camel = "".join(w.capitalize() if i else w for i, w in enumerate(f.name.split("_")))
            if data and camel in data:
                setattr(out, f.name, int(data[camel]))
        return out
