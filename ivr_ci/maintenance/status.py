"""`ivr-ci maintenance`: each window's state as the org has it, and start/end notifications.

The state of a window on a flow comes from the flow's *published* configuration (its prelude
names the windows it carries, with their UTC bounds) and the time:

| state     | the published flow carries it | time                     |
|-----------|-------------------------------|--------------------------|
| scheduled | no                            | before the end           |
| deployed  | yes                           | before the start         |
| active    | yes                           | inside the window        |
| expired   | yes                           | after the end            |
| cleaned   | no                            | after the end            |

A scheduled window whose start has passed is flagged: callers hear the normal flow.

`--check` sends one notification when a window starts and one when it ends. Each sent
event is recorded in the maintenance event log beside the deployment ledger
(`maintenance-events.jsonl`, one JSON object per line), which is what makes it "never twice":
the check holds the environment's deploy lock while it reads the log, notifies and appends.
An undelivered notification is recorded as such and tried again by the next check.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ivr_ci.errors import ConfigError
from ivr_ci.maintenance import windows as W
from ivr_ci.maintenance.prelude import CarriedWindow, carried_windows
from ivr_ci.util.files import write_atomic

if TYPE_CHECKING:
    from ivr_ci.config import Config
    from ivr_ci.genesys.client import GenesysClient
    from ivr_ci.promote.settings import EnvSettings

SCHEDULED, DEPLOYED, ACTIVE, EXPIRED, CLEANED = "scheduled", "deployed", "active", "expired", "cleaned"
EVENTS_FILE = "maintenance-events.jsonl"


@dataclass
class WindowState:
    id: str
    flow: str
    state: str
    start: datetime | None
    end: datetime | None
    when: str
    version: str | None = None  # published version of the flow
    note: str = ""
    in_config: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "flow": self.flow, "state": self.state, "start": W._iso(self.start),
                "end": W._iso(self.end), "when": self.when, "publishedVersion": self.version,
                "note": self.note or None, "inConfig": self.in_config}


def state_of(carried: bool, start: datetime | None, end: datetime | None, at: datetime) -> str:
    if end is not None and at >= end:
        return EXPIRED if carried else CLEANED
    if carried:
        return ACTIVE if start is not None and at >= start else DEPLOYED
    return SCHEDULED


def _when(c: CarriedWindow) -> str:
    if c.start is None or c.end is None:
        return "?"
    return f"{c.start:%a} {c.start.day} {c.start:%b} {c.start:%Y} {c.start:%H:%M}–{c.end:%H:%M} UTC"


def org_states(client: GenesysClient, config: Config, env: EnvSettings, at: datetime) -> list[WindowState]:
    """Every window of the environment (configured, or carried by a published flow) per flow."""
    from ivr_ci.promote.render import substitute
    from ivr_ci.promote.target import export_published, list_target

    windows = W.load_windows(config, env.name)
    names = sorted({substitute(n, env.substitutions)[0] for w in windows for n in w.flows} |
                   set(_repository_call_flows(config, env)))
    target = list_target(client, {"inboundCall"})
    found = {n: target.find("inboundCall", n) for n in names}
    items = [(t.id, t.published_version) for t in found.values() if t is not None and t.published_version]
    texts = export_published(client, items) if items else {}
    carried: dict[str, dict[str, CarriedWindow]] = {}
    version: dict[str, str | None] = {}
    for n, t in found.items():
        text = texts.get(t.id) if t is not None else None
        carried[n] = {c.id: c for c in carried_windows(text)}
        version[n] = t.published_version if t is not None else None
    out: list[WindowState] = []
    for w in windows:
        for written in w.flows:
            n = substitute(written, env.substitutions)[0]
            here = carried.get(n, {})
            st = state_of(w.id in here, w.start, w.end, at)
            note = ""
            if found.get(n) is None:
                note = "the flow is not in the org"
            elif st == SCHEDULED and w.start is not None and at >= w.start:
                note = "NOT DEPLOYED: the window has started but the published flow has no prelude for it"
            elif w.id in here and (here[w.id].start, here[w.id].end) != (w.start, w.end):
                note = "the published prelude has other times than .ivr-ci.yaml: run promote --apply"
            out.append(WindowState(w.id, n, st, w.start, w.end, w.when(), version.get(n), note))
    configured = {(s.id, s.flow) for s in out}
    for n, here in carried.items():  # carried by the org but no longer configured
        for c in here.values():
            if (c.id, n) not in configured:
                out.append(WindowState(c.id, n, state_of(True, c.start, c.end, at), c.start, c.end, _when(c),
                                       version.get(n), "not in .ivr-ci.yaml any more: the next apply removes it",
                                       in_config=False))
    return sorted(out, key=lambda s: (s.start or datetime.max.replace(tzinfo=timezone.utc), s.id, s.flow))


def _repository_call_flows(config: Config, env: EnvSettings) -> list[str]:
    """Names (rendered) of the repository's call flows: a window removed from the config can
    still be carried by one of them."""
    from ivr_ci.flow import expand_paths, load_flow_text
    from ivr_ci.promote.render import substitute

    roots = [config.resolve(p) for p in config.data.get("flows") or []]
    names = []
    for path in expand_paths([r for r in roots if os.path.exists(r)]) if roots else []:
        try:
            with open(path, encoding="utf-8") as fh:
                doc = load_flow_text(fh.read(), path)
        except (OSError, UnicodeDecodeError):
            continue
        if doc.flow is not None and doc.flow.type == "inboundCall" and doc.flow.name is not None:
            names.append(substitute(str(doc.flow.name), env.substitutions)[0])
    return names


def render_text(env: str, at: datetime, states: list[WindowState]) -> str:
    lines = [f"Maintenance windows of '{env}' at {at:%Y-%m-%d %H:%M} UTC"]
    if not states:
        return lines[0] + ": none\n"
    width = max(len(s.id) for s in states)
    fwidth = max(len(s.flow) for s in states)
    for s in states:
        note = f"  ({s.note})" if s.note else ""
        lines.append(f"  {s.state:9} {s.id.ljust(width)}  {s.flow.ljust(fwidth)}  {s.when}"
                     f"  published {s.version or '-'}{note}")
    return "\n".join(lines) + "\n"


# ---- the event log and --check ----------------------------------------------------------
def events_path(ledger: str) -> str:
    return os.path.join(os.path.dirname(os.path.abspath(ledger)), EVENTS_FILE)


def read_events(path: str) -> list[dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the maintenance event log: {exc.strerror}") from None
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise ConfigError(f"{path}:{number}: maintenance event line is not JSON: {exc}") from None
        if isinstance(data, dict):
            out.append(data)
    return out


def _append(path: str, entries: list[dict[str, Any]]) -> None:
    try:
        with open(path, encoding="utf-8") as fh:
            existing = fh.read()
    except FileNotFoundError:
        existing = ""
    if existing and not existing.endswith("\n"):
        existing += "\n"
    write_atomic(path, existing + "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries))


@dataclass
class CheckResult:
    sent: list[dict[str, Any]]
    messages: list[str]


def due_events(states: list[WindowState], done: set[tuple[str, str]], at: datetime) -> list[tuple[str, str, list[WindowState]]]:
    """(window id, "start"|"end", its flow states) not yet notified, start before end."""
    by_id: dict[str, list[WindowState]] = {}
    for s in states:
        if s.in_config:
            by_id.setdefault(s.id, []).append(s)
    due = []
    for wid, group in by_id.items():
        start, end = group[0].start, group[0].end
        if start is not None and at >= start and (wid, "start") not in done:
            due.append((wid, "start", group))
        if end is not None and at >= end and (wid, "end") not in done:
            due.append((wid, "end", group))
    return due


def check(states: list[WindowState], env: EnvSettings, ledger: str, at: datetime, *, run_id: str,
          notify_url: str | None) -> CheckResult:
    """Notify (once) the starts and ends that have come; call with the environment's lock held."""
    from ivr_ci.promote.ledger import current_actor, now_iso
    from ivr_ci.promote.notify import notify

    path = events_path(ledger)
    done = {(e.get("window"), str(e.get("event", "")).rsplit(".", 1)[-1]) for e in read_events(path)
            if e.get("environment") == env.name and e.get("delivered")}
    sent, messages = [], []
    for wid, event, group in due_events(states, done, at):  # type: ignore[arg-type]
        first = group[0]
        deployed = [s.flow for s in group if s.state in (ACTIVE, EXPIRED, DEPLOYED)]
        summary = (f"maintenance window {wid} {'started' if event == 'start' else 'ended'}: {first.when}; "
                   f"flows {', '.join(s.flow + ' (' + s.state + ')' for s in group)}")
        payload = {"event": f"ivr-ci.maintenance.{event}", "environment": env.name, "window": wid,
                   "start": W._iso(first.start), "end": W._iso(first.end), "when": first.when,
                   "flows": [s.to_json() for s in group], "deployedOn": deployed, "summary": summary,
                   "late": event == "start" and first.end is not None and at >= first.end,
                   "checkedAt": W._iso(at)}
        if notify_url:
            delivery = notify(notify_url, payload)
            delivered, message = delivery.delivered, delivery.message
        else:
            delivered, message = True, "no notify: URL configured for the environment; recorded only"
        messages.append(f"{summary} — {message}")
        record = {"schemaVersion": 1, "runId": run_id, "actor": current_actor(), "recordedAt": now_iso(),
                  **payload, "delivered": delivered, "result": message}
        sent.append(record)
    if sent:
        _append(path, sent)
    return CheckResult(sent, messages)
