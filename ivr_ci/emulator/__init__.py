"""Genesys Cloud API emulator (`ivr-ci emulator`), moto-style.

* `models` — one backend per org, composed of resource backends that own their state
  (`orgobjects`, `audits`, `flowops`, `imports`, `exports`; shared `context`)
* `responses*` — thin HTTP handlers; `urls` — the route table
* `exceptions` — Genesys-shaped errors; `faults` — fault injection
* `server.start_emulator` — the single entry point for tests and the CLI

Standard library only on the serving side (http.server); PyYAML/jsonschema for seeds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ivr_ci.emulator.server import RunningEmulator

__all__ = ["RunningEmulator", "start_emulator"]


def start_emulator(*args: Any, **kwargs: Any) -> RunningEmulator:
    from ivr_ci.emulator.server import start_emulator as _start

    return _start(*args, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "RunningEmulator":
        from ivr_ci.emulator.server import RunningEmulator

        return RunningEmulator
    raise AttributeError(name)
