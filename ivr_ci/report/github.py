"""GitHub workflow-command annotations (`::error file=…,line=…,col=…,title=ID::message`)."""

from __future__ import annotations

from ivr_ci.findings import Finding, Severity

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, message: str, *, file: str | None = None, line: int | None = None,
               col: int | None = None, end_line: int | None = None, end_col: int | None = None,
               title: str | None = None) -> str:
    props = [(k, v) for k, v in (("file", file), ("line", line), ("endLine", end_line), ("col", col),
                                 ("endColumn", end_col), ("title", title)) if v not in (None, "", 0)]
    head = ",".join(f"{k}={escape_property(str(v))}" for k, v in props)
    return f"::{level} {head}::{escape_data(message)}" if head else f"::{level}::{escape_data(message)}"


def render_github(findings: list[Finding]) -> str:
    out = [annotation(_LEVEL[f.severity], f.message, file=f.path, line=f.line or None, col=f.col or None,
                      end_line=f.end_line, end_col=f.end_col, title=f.rule_id) for f in findings]
    return "\n".join(out) + ("\n" if out else "")
