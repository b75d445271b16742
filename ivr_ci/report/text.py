"""`path:line:col: ID message` — the hook and terminal format."""

from __future__ import annotations

from collections import Counter

from ivr_ci.findings import Finding


def render_text(findings: list[Finding], files: list[str]) -> str:
    lines = [f"{f.location()}: {f.rule_id} [{f.severity.value}] {f.message}" for f in findings]
    counts = Counter(f.severity.value for f in findings)
    if findings:
        parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}" for s in ("error", "warning", "info")
                 if counts[s]]
        lines.append(f"{len(files)} file{'s' if len(files) != 1 else ''} checked: {', '.join(parts)}")
    return "\n".join(lines) + ("\n" if lines else "")
