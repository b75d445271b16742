"""What every resource backend of one org shares: the org's name and id, the emulator's clock,
settings and faults, the org's id counter and the names of its OAuth clients.

The context is handed to each backend when the org is built; backends never reach into each
other's state through it. It owns one piece of persisted state, the id counter.
"""

from __future__ import annotations

from typing import Any

from ivr_ci.emulator.faults import FaultInjector
from ivr_ci.emulator.settings import Settings
from ivr_ci.emulator.util import Clock, iso_ms, stable_id


class OrgContext:
    def __init__(self, name: str, clock: Clock, settings: Settings, faults: FaultInjector) -> None:
        self.name = name
        self.id = stable_id("org", name)
        self.clock = clock
        self.settings = settings  # shared with the EmulatorBackend and changed in place by the admin API
        self.faults = faults
        self.client_names: dict[str, str] = {}  # OAuth client id → display name (rebuilt from the clients)
        self.counter = 0

    def new_id(self, kind: str) -> str:
        self.counter += 1
        return stable_id(self.id, kind, self.counter)

    def message(self, text: str, details: list[dict[str, Any]] | None = None,
                kind: str = "Error") -> dict[str, Any]:
        """An Architect job message (import, export and validate jobs) stamped with the clock."""
        out: dict[str, Any] = {"dateTime": iso_ms(self.clock.now_ms()), "type": kind, "text": text}
        if details:
            out["details"] = details
        return out

    def to_state(self) -> dict[str, Any]:
        return {"counter": self.counter}

    def load_state(self, data: dict[str, Any]) -> None:
        self.counter = int(data.get("counter", 0))
