"""Promotion settings: one `.ivr-ci.yaml` environment plus the `promotion:` section, checked.

The JSON Schema checks shapes; the checks here need more than one key at a time (does
`requires` name a known environment, without a cycle? is the time zone real?) and report
with the config's file:line like schema errors do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ivr_ci.config import Config
from ivr_ci.errors import ConfigError
from ivr_ci.flow.yamlpos import YMap
from ivr_ci.util.numbers import whole_number

DEFAULT_LEDGER = ".ivr-ci/ledger.jsonl"
DEFAULT_CONCURRENCY = 4
DEFAULT_LOCK_TTL_MINUTES = 60
DEFAULT_JOB_TIMEOUT_MINUTES = 16  # the Terraform provider's import-job limit


@dataclass(frozen=True)
class Slot:
    days: tuple[str, ...]
    start: str  # HH:MM
    end: str  # HH:MM or 24:00; earlier than start = ends the next day


@dataclass(frozen=True)
class Window:
    timezone: str
    slots: tuple[Slot, ...]


@dataclass
class EnvSettings:
    name: str
    raw: dict[str, Any]  # the environment's mapping, for `client_for_environment`
    substitutions: dict[str, str]
    window: Window | None = None
    notify: str | None = None
    requires: str | None = None
    config: Config | None = field(default=None, repr=False, compare=False)

    def values_for(self, path: str) -> dict[str, str]:
        """The values `path` renders with: its Terraform resource's too, with `terraform:`."""
        if self.config is None or not self.raw.get("terraform"):
            return self.substitutions
        return self.config.substitutions(self.name, path)

    def terraform_only(self, path: str) -> dict[str, str]:
        """Key -> why only Terraform knows the value (promote cannot render those)."""
        if self.config is None or not self.raw.get("terraform"):
            return {}
        return {k: f"{v.unknown}, {v.path}:{v.line}" for k, v in self.config.terraform_only(self.name, path).items()}


@dataclass
class PromotionSettings:
    ledger: str
    lock_dir: str
    groups: list[list[str]] = field(default_factory=list)
    concurrency: int = DEFAULT_CONCURRENCY
    lock_ttl: float = DEFAULT_LOCK_TTL_MINUTES * 60.0
    job_timeout: float = DEFAULT_JOB_TIMEOUT_MINUTES * 60.0
    journal_dir: str = ""  # write-ahead journals (ivr_ci.promote.journal); default <lock-dir>/journal


def _where(config: Config, *path: str) -> str:
    """`file:line` of the key at `path` (best effort)."""
    node: Any = config.data
    line = 1
    for part in path:
        if isinstance(node, YMap) and part in node:
            line = node.line_of(part)
            node = node[part]
        else:
            break
    return f"{config.path or '.ivr-ci.yaml'}:{line}"


def environment_settings(config: Config, name: str) -> EnvSettings:
    spec = config.environment(name)  # unknown name: ConfigError listing the known ones
    window = None
    if isinstance(spec.get("window"), dict):
        window = _window(config, name, spec["window"])
    requires = spec.get("requires")
    if requires is not None:
        _check_requires(config, name)
    return EnvSettings(
        name=name,
        raw={**spec, "name": name},
        substitutions=config.substitutions(name),
        window=window,
        notify=spec.get("notify"),
        requires=requires,
        config=config,
    )


def _window(config: Config, env: str, data: dict[str, Any]) -> Window:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    tz = str(data.get("timezone"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{_where(config, 'environments', env, 'window', 'timezone')}: "
                          f"environments/{env}/window/timezone: unknown time zone '{tz}' "
                          "(use an IANA name such as Europe/Berlin or UTC)") from None
    slots = []
    for i, slot in enumerate(data.get("slots") or []):
        if slot["start"] == slot["end"]:
            raise ConfigError(f"{_where(config, 'environments', env, 'window', 'slots')}: "
                              f"environments/{env}/window/slots/{i}: start and end are both {slot['start']}")
        slots.append(Slot(tuple(slot["days"]), slot["start"], slot["end"]))
    return Window(tz, tuple(slots))


def _check_requires(config: Config, env: str) -> None:
    """`requires` must name another configured environment, and the chain must not loop."""
    seen = [env]
    current = env
    while True:
        nxt = (config.environments.get(current) or {}).get("requires")
        if nxt is None:
            return
        where = _where(config, "environments", current, "requires")
        if nxt not in config.environments:
            known = ", ".join(sorted(config.environments))
            raise ConfigError(f"{where}: environments/{current}/requires: unknown environment '{nxt}' "
                              f"(known: {known})")
        if nxt in seen:
            raise ConfigError(f"{where}: environments/{current}/requires: the chain loops: "
                              + " -> ".join([*seen, nxt]))
        seen.append(nxt)
        current = nxt


def promotion_settings(config: Config, *, ledger: str | None = None, lock_dir: str | None = None) -> PromotionSettings:
    """`promotion:` with defaults; command-line values (`--ledger`, `--lock-dir`) win."""
    section = config.section("promotion")
    ledger_path = ledger or config.resolve(section.get("ledger") or DEFAULT_LEDGER)
    if lock_dir is None:
        lock_dir = config.resolve(section["lock-dir"]) if section.get("lock-dir") else \
            os.path.join(os.path.dirname(os.path.abspath(ledger_path)), "locks")
    journal_dir = config.resolve(section["journal-dir"]) if section.get("journal-dir") else \
        os.path.join(lock_dir, "journal")
    groups = [list(g) for g in section.get("groups") or []]
    return PromotionSettings(
        ledger=ledger_path,
        lock_dir=lock_dir,
        groups=groups,
        # bounded by the config schema; read without overflow all the same (a config built in code)
        concurrency=whole_number(section.get("concurrency"), 1, 32) or DEFAULT_CONCURRENCY,
        lock_ttl=(whole_number(section.get("lock-ttl-minutes"), 1, 10080) or DEFAULT_LOCK_TTL_MINUTES) * 60.0,
        job_timeout=(whole_number(section.get("job-timeout-minutes"), 1, 60) or DEFAULT_JOB_TIMEOUT_MINUTES) * 60.0,
        journal_dir=journal_dir,
    )
