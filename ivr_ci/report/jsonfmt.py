"""Stable JSON: {"version": 1, "stage", "files", "summary", "findings": [...]}."""

from __future__ import annotations

import json
from collections import Counter

from ivr_ci import __version__
from ivr_ci.findings import Finding


def render_json(findings: list[Finding], stage: str, files: list[str]) -> str:
    counts = Counter(f.severity.value for f in findings)
    doc = {
        "version": 1,
        "tool": {"name": "ivr-ci", "version": __version__, "stage": stage},
        "files": len(files),
        "summary": {s: counts.get(s, 0) for s in ("error", "warning", "info")},
        "findings": [f.to_json() for f in findings],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
