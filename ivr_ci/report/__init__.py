"""Reporters: findings -> text, GitHub annotations, JSON, SARIF 2.1.0, Markdown."""

from __future__ import annotations

from ivr_ci.findings import Finding

FORMATS = ("text", "github", "json", "sarif", "markdown")


def render(fmt: str, findings: list[Finding], *, tool_stage: str, files: list[str]) -> str:
    if fmt == "text":
        from ivr_ci.report.text import render_text

        return render_text(findings, files)
    if fmt == "github":
        from ivr_ci.report.github import render_github

        return render_github(findings)
    if fmt == "json":
        from ivr_ci.report.jsonfmt import render_json

        return render_json(findings, tool_stage, files)
    if fmt == "sarif":
        from ivr_ci.report.sarif import render_sarif

        return render_sarif(findings, tool_stage)
    if fmt == "markdown":
        from ivr_ci.report.markdown import render_markdown

        return render_markdown(findings, tool_stage, files)
    raise ValueError(fmt)
