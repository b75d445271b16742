"""Scheduled maintenance windows of `.ivr-ci.yaml` (`maintenance:`), as absolute UTC intervals.

A window's `start` is local wall-clock time in its zone (the window's `timezone`, else the
environment's `window.timezone`), or carries an explicit offset. It is turned into UTC once,
with the zone's rules for that date (DST included); the end is start + duration in real
time, so a 3h window across the October change is three hours of callers, not two or four.
A local time that does not exist (the spring gap) or exists twice (the autumn overlap) is an
error: the author must say which one with an explicit offset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ivr_ci.config import Config
from ivr_ci.flow.yamlpos import YMap, YSeq

MIN_DURATION = timedelta(minutes=5)
MAX_DURATION = timedelta(hours=8)
DEFAULT_MAX_CONCURRENT = 3
_DURATION_RE = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?$")
_PROMPT_RE = re.compile(r"^Prompt\.[A-Za-z0-9_]+$")


def parse_duration(text: str) -> timedelta | None:
    m = _DURATION_RE.match(text.strip()) if isinstance(text, str) else None
    if not m or not (m.group(1) or m.group(2)):
        return None
    hours, minutes = int(m.group(1) or 0), int(m.group(2) or 0)
    if hours > 10_000 or minutes > 600_000:  # absurd values: out of range, not an overflow
        return MAX_DURATION * 1000
    return timedelta(hours=hours, minutes=minutes)


def format_duration(d: timedelta) -> str:
    minutes = int(d.total_seconds() // 60)
    h, m = divmod(minutes, 60)
    return f"{h}h{m:02d}m" if h and m else (f"{h}h" if h else f"{m}m")


@dataclass(frozen=True)
class Then:
    kind: str  # disconnect | queue | flow
    target: str | None = None

    def describe(self) -> str:
        if self.kind == "queue":
            return f"are transferred to queue '{self.target}'"
        if self.kind == "flow":
            return f"are transferred to flow '{self.target}'"
        return "are disconnected"

    def to_json(self) -> Any:
        return "disconnect" if self.kind == "disconnect" else {self.kind: self.target}


@dataclass
class MaintenanceWindow:
    id: str
    environment: str
    flows: list[str]
    start_text: str
    duration: timedelta | None
    message: dict[str, str]
    then: Then
    timezone: str | None  # IANA zone the window is shown in (None: an explicit offset only)
    start: datetime | None = None  # UTC; None when the start could not be resolved
    problem: str | None = None  # why start/zone could not be resolved
    line: int = 1  # the window's line in .ivr-ci.yaml
    lines: dict[str, int] = field(default_factory=dict)  # key -> line
    config_path: str = ".ivr-ci.yaml"
    index: int = 0

    @property
    def end(self) -> datetime | None:
        if self.start is None or self.duration is None:
            return None
        return self.start + self.duration

    @property
    def valid(self) -> bool:
        return self.end is not None and self.problem is None and MIN_DURATION <= (self.duration or timedelta()) <= MAX_DURATION

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)

    def where(self, key: str | None = None) -> str:
        return f"{self.config_path}:{self.line_of(key) if key else self.line}"

    def ended(self, now: datetime) -> bool:
        return self.end is not None and self.end <= now

    def active(self, now: datetime) -> bool:
        return self.start is not None and self.end is not None and self.start <= now < self.end

    def zone(self) -> Any:
        return ZoneInfo(self.timezone) if self.timezone else timezone.utc

    def when(self) -> str:
        """`Sat 5 Dec 01:00–02:30 Europe/Dublin` (the end's date too when it differs; the zone
        abbreviation where DST changes inside the window)."""
        if self.start is None or self.end is None:
            return self.start_text
        zone = self.zone()
        a, b = self.start.astimezone(zone), self.end.astimezone(zone)
        head = f"{a:%a} {a.day} {a:%b} {a:%Y} {a:%H:%M}"
        tail = f"{b:%H:%M}" if a.date() == b.date() else f"{b:%a} {b.day} {b:%b} {b:%H:%M}"
        if a.utcoffset() != b.utcoffset():
            head, tail = f"{head} {a.tzname()}", f"{tail} {b.tzname()}"
        name = self.timezone or "UTC"
        return f"{head}–{tail} {name}"

    def message_for(self, language: str | None) -> str | None:
        if language and language.lower() in self.message:
            return self.message[language.lower()]
        return None

    def describe(self, flow: str | None = None, language: str | None = None) -> str:
        """Reviewer terms: `Main IVR: maintenance Sat 5 Dec 2026 01:00–02:30 Europe/Dublin;
        callers hear '…' then are disconnected`."""
        lang = language or next(iter(self.message), None)
        text = self.message_for(lang) or next(iter(self.message.values()), "")
        heard = f"prompt {text}" if _PROMPT_RE.match(text) else f"'{_short(text)}'"
        extra = f" (+{len(self.message) - 1} more language(s))" if len(self.message) > 1 else ""
        who = f"{flow}: " if flow else ""
        return f"{who}maintenance {self.when()} [{self.id}]; callers hear {heard}{extra} then {self.then.describe()}"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "environment": self.environment, "flows": list(self.flows),
                "start": _iso(self.start), "end": _iso(self.end), "timezone": self.timezone,
                "when": self.when(), "then": self.then.to_json(), "languages": sorted(self.message)}


def _iso(dt: datetime | None) -> str | None:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def resolve_start(text: str, zone_name: str | None) -> tuple[datetime | None, str | None]:
    """(UTC start, None) or (None, why not)."""
    raw = text.strip().replace(" ", "T")
    explicit = raw.endswith("Z") or re.search(r"[+-]\d{2}:\d{2}$", raw) is not None
    try:
        naive_or_aware = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        return None, f"start '{text}' is not a date-time: {exc}"
    if explicit:
        return naive_or_aware.astimezone(timezone.utc), None
    if not zone_name:
        return None, (f"start '{text}' has no offset and no time zone: give `timezone:` on the window, "
                      "`window: {timezone: …}` on the environment, or an offset such as +01:00")
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        return None, f"unknown time zone '{zone_name}' (use an IANA name such as Europe/Dublin)"
    first = naive_or_aware.replace(tzinfo=zone, fold=0)
    second = naive_or_aware.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        # a gap (spring forward) or an overlap (fall back): which one does round-tripping keep?
        back = first.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None)
        if back != naive_or_aware:
            return None, (f"start {naive_or_aware:%Y-%m-%d %H:%M} does not exist in {zone_name} "
                          "(the clocks go forward over it)")
        return None, (f"start {naive_or_aware:%Y-%m-%d %H:%M} happens twice in {zone_name} (the clocks go "
                      f"back): give the offset, {first:%Y-%m-%dT%H:%M%z} or {second:%Y-%m-%dT%H:%M%z}")
    return first.astimezone(timezone.utc), None


def _then(value: Any) -> Then:
    if isinstance(value, dict):
        for kind in ("queue", "flow"):
            if kind in value:
                return Then(kind, str(value[kind]))
    return Then("disconnect")


def _lines(item: Any) -> dict[str, int]:
    if isinstance(item, YMap):
        return {str(k): item.line_of(k) for k in item}
    return {}


def load_windows(config: Config, environment: str | None = None) -> list[MaintenanceWindow]:
    """The windows of `.ivr-ci.yaml` (all, or one environment's), schema already checked."""
    items = config.data.get("maintenance") or []
    out: list[MaintenanceWindow] = []
    line_of_item = (lambda i: items.item_pos[i].line) if isinstance(items, YSeq) else (lambda i: 1)
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        env = str(item.get("environment"))
        if environment is not None and env != environment:
            continue
        zone = item.get("timezone")
        if zone is None:
            spec = config.environments.get(env)
            win = spec.get("window") if isinstance(spec, dict) else None
            zone = win.get("timezone") if isinstance(win, dict) else None
        start, problem = resolve_start(str(item.get("start")), str(zone) if zone else None)
        w = MaintenanceWindow(
            id=str(item.get("id")), environment=env, flows=[str(f) for f in item.get("flows") or []],
            start_text=str(item.get("start")), duration=parse_duration(str(item.get("duration"))),
            message={str(k).lower(): str(v) for k, v in (item.get("message") or {}).items()},
            then=_then(item.get("then")), timezone=str(zone) if zone else None, start=start, problem=problem,
            line=line_of_item(i), lines=_lines(item), config_path=config.path or ".ivr-ci.yaml", index=i)
        out.append(w)
    return out


def windows_for_flow(config: Config, environment: str, substitutions: dict[str, str],
                     template_name: Any) -> list[MaintenanceWindow]:
    """The environment's usable windows naming this flow (as written or rendered) that have not
    ended now: what promote renders into it."""
    if template_name is None or not config.data.get("maintenance"):
        return []
    from ivr_ci.flow.placeholders import substitute_placeholders as substitute

    written = str(template_name)
    now = now_utc()
    out = []
    for w in load_windows(config, environment):
        names = set(w.flows) | {substitute(n, substitutions) for n in w.flows}
        if (written in names or substitute(written, substitutions) in names) and w.valid and not w.ended(now):
            out.append(w)
    return out


def max_concurrent(config: Config) -> int:
    return int(config.section("promotion").get("maintenance-max-concurrent") or DEFAULT_MAX_CONCURRENT)


def now_utc() -> datetime:
    return datetime.now(timezone.utc)
