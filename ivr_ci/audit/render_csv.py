"""CSV: one row per flow change event, streamed while the audit log is read (every event, not
just the bounded timelines). Drift and metrics are in the Markdown/HTML/JSON forms."""

from __future__ import annotations

import csv
from typing import IO

from ivr_ci.audit.aggregate import Classified

COLUMNS = ["time", "flow_id", "flow", "action", "actor", "actor_kind", "user_id", "client_id", "version",
           "status", "class", "reason", "deployment"]
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: a leading quote keeps them text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


class CsvEventWriter:
    def __init__(self, stream: IO[str]) -> None:
        self._w = csv.writer(stream, lineterminator="\n")
        self._w.writerow(COLUMNS)
        self.rows = 0

    def __call__(self, item: Classified) -> None:
        data = item.to_json()
        self._w.writerow([_cell(v) for v in (
            data["time"], data["flowId"], data["flow"], data["action"], data["actor"], data["actorKind"],
            data["userId"], data["clientId"], data["version"], data["status"], data["class"], data["reason"],
            data["deployment"])])
        self.rows += 1
