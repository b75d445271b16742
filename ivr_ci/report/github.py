"""GitHub workflow-command annotations (`::error file=…,line=…,col=…,title=ID::message`)."""

from __future__ import annotations

from ivr_ci.findings import Finding, Severity
from ivr_ci.gha import format_annotation

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render_github(findings: list[Finding]) -> str:
    out = [format_annotation(_LEVEL[f.severity], f.message, file=f.path, line=f.line or None,
                             col=f.col or None, end_line=f.end_line, end_column=f.end_col,
                             title=f.rule_id) for f in findings]
    return "\n".join(out) + ("\n" if out else "")
