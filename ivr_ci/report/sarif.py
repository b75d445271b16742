"""SARIF 2.1.0 with rule metadata from the catalogue (for GitHub code scanning)."""

from __future__ import annotations

import json
import os
from typing import Any

from ivr_ci import __version__
from ivr_ci.findings import Finding, Severity
from ivr_ci.rules.catalogue import load_catalogue

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _uri(path: str) -> str:
    rel = os.path.relpath(path) if os.path.isabs(path) else path
    return rel.replace(os.sep, "/")


def sarif_rules(stage: str | None = None) -> list[dict]:
    out = []
    for r in load_catalogue(("load", stage) if stage else None).values():
        out.append({
            "id": r.id,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": r.rationale},
            "help": {"text": f"{r.rationale}\n\nBad:\n{r.bad}\n\nGood:\n{r.good}",
                     "markdown": f"{r.rationale}\n\n**Bad**\n```yaml\n{r.bad}\n```\n\n"
                                 f"**Good**\n```yaml\n{r.good}\n```"},
            "helpUri": r.help_uri,
            "defaultConfiguration": {"level": _LEVEL[r.severity]},
            "properties": {"stage": r.stage, "tags": ["ivr", r.stage]},
        })
    return out


def render_sarif(findings: list[Finding], stage: str) -> str:
    rules = sarif_rules(stage)
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for f in findings:
        region: dict[str, int] = {"startLine": max(f.line, 1), "startColumn": max(f.col, 1)}
        if f.end_line:
            region["endLine"] = f.end_line
            region["endColumn"] = max(f.end_col or 1, 1)
        result: dict[str, Any] = {
            "ruleId": f.rule_id,
            "level": _LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(f.path)},
                                                "region": region}}],
        }
        if f.rule_id in index:
            result["ruleIndex"] = index[f.rule_id]
        results.append(result)
    doc = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "ivr-ci", "version": __version__,
                                "informationUri": "https://github.com/ivr-ci/ivr-ci", "rules": rules}},
            "automationDetails": {"id": f"ivr-ci/{stage}/"},
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
