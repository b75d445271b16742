"""Stable JSON: {"version": 1, "stage", "files", "summary", "findings": [...]}.

Each finding is one line: easy to grep and diff, and written by json's C encoder (the
indenting encoder is pure Python, a tenth of a second for 10,000 findings).
"""

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
        "findings": [],
    }
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    if findings:
        rows = ",\n".join("    " + json.dumps(f.to_json(), ensure_ascii=False) for f in findings)
        head, _, tail = text.rpartition('"findings": []')  # the last key
        text = f'{head}"findings": [\n{rows}\n  ]{tail}'
    return text + "\n"
