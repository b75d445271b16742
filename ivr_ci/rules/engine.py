"""Run a stage's rules over loaded flows: severity overrides, disables, inline suppression."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ivr_ci.config import Config
from ivr_ci.findings import Finding, Severity
from ivr_ci.flow import FlowDocument
from ivr_ci.rules.catalogue import Hit, Rule, load_catalogue
from ivr_ci.rules.context import FlowContext, SetContext

_SUPPRESS_RE = re.compile(r"#\s*ivr-ci:\s*disable(-file)?=([A-Za-z0-9_, -]+)")


def _suppressions(doc: FlowDocument) -> tuple[dict[int, set[str]], set[str]]:
    """Line -> rule ids disabled there (a comment covers its own line and the next)."""
    by_line: dict[int, set[str]] = {}
    whole_file: set[str] = set()
    if "ivr-ci:" not in doc.text:
        return by_line, whole_file
    for number, text in enumerate(doc.lines, start=1):
        m = _SUPPRESS_RE.search(text)
        if not m:
            continue
        ids = {i.strip().upper() for i in m.group(2).split(",") if i.strip()}
        if m.group(1):
            whole_file |= ids
        else:
            by_line.setdefault(number, set()).update(ids)
            by_line.setdefault(number + 1, set()).update(ids)
    return by_line, whole_file


class Engine:
    def __init__(self, config: Config, env: str | None = None) -> None:
        self.config = config
        self.env = env
        self.catalogue = load_catalogue()
        lint = config.section("lint")
        self.disabled = {i.upper() for i in lint.get("disable") or []}
        self.severity_overrides = dict(lint.get("severity") or {})
        self.rule_options = dict(lint.get("options") or {})

    def severity(self, rule: Rule) -> Severity | None:
        override = self.severity_overrides.get(rule.id)
        if rule.id in self.disabled or override == "off":
            return None
        return Severity(override) if override else rule.severity

    def options(self, rule: Rule) -> dict:
        return {**rule.options, **(self.rule_options.get(rule.id) or {})}

    def run(self, stage: str, docs: list[FlowDocument], include_load: bool = True) -> list[Finding]:
        rules = [r for r in self.catalogue.values() if r.stage == stage and r.check]
        raw: list[Finding] = []
        if include_load:
            for doc in docs:
                for p in doc.problems:
                    rule = self.catalogue.get(p.rule_id)
                    # load errors cannot be switched off: the file was not understood
                    sev = p.severity if rule is None or p.severity is Severity.WARNING else rule.severity
                    raw.append(Finding(p.rule_id, sev, p.message, p.path, p.line, p.col,
                                       flow=_flow_name(doc)))
        for doc in docs:
            if doc.flow is None:
                continue
            ctx = FlowContext(doc, self.config, env=self.env)
            for rule in rules:
                if rule.scope != "flow":
                    continue
                sev = self.severity(rule)
                if sev is None:
                    continue
                ctx.options = self.options(rule)
                raw.extend(self._findings(rule, sev, rule.check(ctx), doc))
        set_rules = [r for r in rules if r.scope == "set"]
        if set_rules:
            sctx = SetContext(docs, self.config, env=self.env)
            by_path = {d.path: d for d in docs}
            for rule in set_rules:
                sev = self.severity(rule)
                if sev is None:
                    continue
                sctx.options = self.options(rule)
                for hit in rule.check(sctx):
                    doc = by_path.get(hit.path or "")
                    raw.extend(self._findings(rule, sev, [hit], doc, default_path=hit.path or ""))
        return self._suppress(raw, docs)

    def _findings(self, rule: Rule, sev: Severity, hits: Iterable[Hit], doc: FlowDocument | None,
                  default_path: str = "") -> list[Finding]:
        out = []
        for hit in hits:
            path = hit.path or (doc.path if doc else default_path)
            out.append(Finding(rule.id, sev, hit.message or rule.summary, path, hit.line, hit.col,
                               hit.end_line, hit.end_col, flow=_flow_name(doc)))
        return out

    def _suppress(self, findings: list[Finding], docs: list[FlowDocument]) -> list[Finding]:
        tables = {d.path: _suppressions(d) for d in docs}
        kept = []
        for f in findings:
            by_line, whole = tables.get(f.path, ({}, set()))
            if f.rule_id in whole or f.rule_id in by_line.get(f.line, ()):
                continue
            kept.append(f)
        return sorted(set(kept), key=Finding.sort_key)


def _flow_name(doc: FlowDocument | None) -> str | None:
    if doc is None or doc.flow is None:
        return None
    return str(doc.flow.name) if doc.flow.name is not None else None
