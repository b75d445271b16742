"""JSON Schemas shipped with ivr-ci (config, flow, seed, paths, ledger, diff, trace...)."""

from __future__ import annotations

import os

SCHEMA_DIR = os.path.dirname(os.path.abspath(__file__))


def schema_text(name: str) -> str:
    # A plain file read: importlib.resources costs ~10 ms of import on every hook run.
    with open(os.path.join(SCHEMA_DIR, name), encoding="utf-8") as fh:
        return fh.read()
