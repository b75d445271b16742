"""A realistic org history for the audit-report tests, built against the emulator.

Two pipeline releases (promote, which writes the ledger) and, between and after them, what
happens in real orgs: people editing and publishing in Architect, another OAuth client
publishing, and the pipeline's own client publishing outside any deployment. `History`
records what each step did, so tests can derive the expected class of every audit event
from the steps instead of hard-coding results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import requests

from ivr_ci.audit.events import parse_event_date
from ivr_ci.genesys import Credentials, GenesysClient
from ivr_ci.promote.ledger import read_ledger
from tests.genesys_helpers import flow_action, get_flow
from tests.promote_helpers import CLIENT, FAST_RETRY, Runner, release_files, seed, write_project

OPS_CLIENT = ("ops-script", "ops-secret")
USERS = ("Jane Doe", "Bob Builder")
SKEW = timedelta(seconds=2)


def audit_seed() -> dict[str, Any]:
    data = seed({})
    org = data["orgs"][0]
    org["clients"].append({"id": OPS_CLIENT[0], "secret": OPS_CLIENT[1], "name": "ops script"})
    org["users"].append("Bob Builder")
    return data


def api_client(base_url: str, client: tuple[str, str] = CLIENT) -> GenesysClient:
    from ivr_ci.genesys import PollPolicy

    return GenesysClient(Credentials(client[0], client[1]), api_base=base_url, rate_limit=None,
                         retry=FAST_RETRY, polling=PollPolicy(initial=0.02))


@dataclass
class History:
    base_url: str
    project: Path
    ledger: Path
    flow_ids: dict[str, str] = field(default_factory=dict)  # flow name -> id
    rogue: list[tuple[str, str, datetime]] = field(default_factory=list)  # (flow id, version, not before)
    no_deploy_after: datetime | None = None  # pipeline-client events from here on have no deployment
    end: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def admin(self, path: str, body: dict[str, Any]) -> Any:
        r = requests.post(f"{self.base_url}/__admin/{path}", json=body, timeout=10)
        assert r.status_code < 300, r.text
        return r.json()

    def entries(self) -> list[dict[str, Any]]:
        return read_ledger(str(self.ledger))

    def expected(self, event: dict[str, Any]) -> tuple[str, str | None]:
        """(class, deployment run id) an event must get, from what the steps did."""
        when = parse_event_date(event["time"])
        assert when is not None
        if event["userId"] or event["clientId"] != CLIENT[0]:
            return "out-of-band", None
        if self.no_deploy_after and when >= self.no_deploy_after:
            return "out-of-band", None
        if any(event["flowId"] == fid and event["version"] == v and when >= t for fid, v, t in self.rogue):
            return "out-of-band", None
        for entry in self.entries():
            lo = parse_event_date(entry["startedAt"])
            hi = parse_event_date(entry["finishedAt"])
            if lo and hi and lo <= when <= hi:  # the emulator shares this host's clock
                return "pipeline", entry["runId"]
        raise AssertionError(f"the scenario did not produce {event}")


def build_history(tmp_path: Path, emulator_factory: Any) -> History:
    emu = emulator_factory(seed=audit_seed())
    v1, v2 = release_files(3, "v1"), release_files(3, "v2")
    config = write_project(tmp_path, v1, emu.base_url)
    runner = Runner(config, emu.base_url)
    h = History(emu.base_url, tmp_path, tmp_path / "ledger.jsonl")

    first = runner.apply()  # release A (creates the module and three IVRs)
    assert first.ok, first.entry.summary
    with api_client(emu.base_url) as ci:
        h.flow_ids = {f["name"]: f["id"] for f in ci.iter_flows()}
    h.admin("ui-edit", {"flow": "DEV IVR 01", "user": USERS[0], "description": "Jane's tweak"})
    h.admin("ui-edit", {"flow": "DEV IVR 02", "user": USERS[1], "description": "Bob's draft", "publish": False})
    with api_client(emu.base_url, OPS_CLIENT) as ops:
        flow_action(ops, "publish", h.flow_ids["DEV IVR 02"])  # another client publishes Bob's draft

    write_project(tmp_path, v2, emu.base_url)
    second = runner.apply()  # release B (every flow changes)
    assert second.ok, second.entry.summary
    with api_client(emu.base_url) as ci:
        # the deploying client rolls IVR 02 back by hand, right after release B: not in the ledger
        flow_action(ci, "publish", h.flow_ids["DEV IVR 02"], version="1.0")
        finished = parse_event_date(second.entry.finished_at)
        assert finished is not None
        h.rogue.append((h.flow_ids["DEV IVR 02"], "1.0", finished))
        h.admin("ui-edit", {"flow": "DEV IVR 03", "user": USERS[0], "description": "Jane again"})
        # an hour later the same client republishes the module, with no deployment running
        module_id = h.flow_ids["DEV Common Greeting"]
        version = get_flow(ci, module_id)["publishedVersion"]["id"]
        h.admin("clock", {"advanceSeconds": 3600})
        h.no_deploy_after = datetime.now(timezone.utc) + timedelta(seconds=3600) - SKEW
        flow_action(ci, "publish", module_id, version=version)
        h.admin("clock", {"offsetSeconds": 0})
    # a read-only record (exports are audited too): counted, never classified
    h.admin("audits", {"records": [{"action": "Export", "entityId": module_id, "entityName": "DEV Common Greeting",
                                    "clientId": CLIENT[0]}]})
    h.end = datetime.now(timezone.utc) + timedelta(hours=2)
    return h
