"""Markdown for job summaries and PR comments; flow text is escaped so it cannot break tables."""

from __future__ import annotations

from collections import Counter

from ivr_ci.diff.escape import md_inline
from ivr_ci.findings import Finding

_ICON = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}


def render_markdown(findings: list[Finding], stage: str, files: list[str]) -> str:
    counts = Counter(f.severity.value for f in findings)
    head = f"### ivr-ci {stage}: {len(files)} file{'s' if len(files) != 1 else ''} checked"
    if not findings:
        return f"{head}\n\n✅ No findings.\n"
    summary = ", ".join(f"{_ICON[s]} {counts[s]} {s}{'s' if counts[s] != 1 else ''}"
                        for s in ("error", "warning", "info") if counts[s])
    rows = ["| | Rule | Location | Message |", "|---|---|---|---|"]
    for f in findings:
        rows.append(f"| {_ICON[f.severity.value]} | `{f.rule_id}` | {md_inline(f.location(), None)} | "
                    f"{md_inline(f.message, None)} |")
    return f"{head}\n\n{summary}\n\n" + "\n".join(rows) + "\n"
