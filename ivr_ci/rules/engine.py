"""Run a stage's rules over loaded flows: severity overrides, disables, inline suppression."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ivr_ci.config import Config, nearest_rule_id
from ivr_ci.findings import Finding, Severity
from ivr_ci.flow import FlowDocument
from ivr_ci.rules.catalogue import Hit, Rule, load_catalogue
from ivr_ci.rules.context import FlowContext, SetContext

_SUPPRESS_RE = re.compile(r"#\s*ivr-ci:\s*disable(-file)?=([A-Za-z0-9_, -]+)")


Suppressions = tuple[dict[int, set[str]], set[str]]
UNKNOWN_SUPPRESSION = "IVR004"


def _suppression_comments(text: str, lines: list[str] | None = None) -> Iterator[tuple[int, int, bool, list[str]]]:
    """Each `# ivr-ci: disable[-file]=` comment: line, column of its ids, whole-file?, the ids."""
    if "ivr-ci:" not in text:
        return
    for number, line in enumerate(lines if lines is not None else text.splitlines(), start=1):
        m = _SUPPRESS_RE.search(line)
        if m:
            ids = [i.strip().upper() for i in m.group(2).split(",") if i.strip()]
            yield number, m.start(2) + 1, bool(m.group(1)), ids


def _suppressions(text: str, lines: list[str] | None = None) -> Suppressions:
    """Line -> rule ids disabled there (a comment covers its own line and the next), and the
    ids disabled for the whole file."""
    by_line: dict[int, set[str]] = {}
    whole_file: set[str] = set()
    for number, _col, whole, id_list in _suppression_comments(text, lines):
        ids = set(id_list)
        if whole:
            whole_file |= ids
        else:
            by_line.setdefault(number, set()).update(ids)
            by_line.setdefault(number + 1, set()).update(ids)
    return by_line, whole_file


class Engine:
    def __init__(self, config: Config, env: str | None = None) -> None:
        self.config = config
        self.env = env
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

    def run(self, stage: str, docs: list[FlowDocument], include_load: bool = True,
            targets: Iterable[str] | None = None, exclude: Iterable[str] = ()) -> list[Finding]:
        """The findings of `stage`'s rules over `docs`, sorted, suppressions applied.

        `targets`: the paths to report on when `docs` also holds context (the rest of the flow
        set, for cross-file rules): flow rules run on the targets only, and no finding is
        reported on a context file (findings about files outside the set, such as the config
        or a prompt file, stay). `exclude`: rule ids not to run."""
        skip = {i.upper() for i in exclude}
        # the load rules and this stage's: the other stages' rule modules are not even imported;
        # (rule, its check): rules without a check (load problems, documented only) do not run
        catalogue = load_catalogue(("load", stage))
        rules = [(r, r.check) for r in catalogue.values()
                 if r.stage == stage and r.check is not None and r.id not in skip]
        keep = None if targets is None else set(targets)
        context = set() if keep is None else {d.path for d in docs} - keep
        raw: list[Finding] = []
        origins: dict[int, FlowDocument] = {}  # id(finding) -> the flow a flow rule checked
        if include_load:
            for doc in docs:
                for p in doc.problems:
                    load_rule = catalogue.get(p.rule_id)
                    # load errors cannot be switched off: the file was not understood
                    load_sev = p.severity if load_rule is None or p.severity is Severity.WARNING \
                        else load_rule.severity
                    raw.append(Finding(p.rule_id, load_sev, p.message, p.path, p.line, p.col,
                                       flow=_flow_name(doc)))
            raw.extend(self._unknown_suppressions(docs if keep is None else [d for d in docs if d.path in keep]))
        for doc in docs:
            if doc.flow is None or (keep is not None and doc.path not in keep):
                continue
            ctx = FlowContext(doc, self.config, env=self.env)
            for rule, check in rules:
                if rule.scope != "flow":
                    continue
                sev = self.severity(rule)
                if sev is None:
                    continue
                ctx.options = self.options(rule)
                for finding in self._findings(rule, sev, check(ctx), doc):
                    origins[id(finding)] = doc
                    raw.append(finding)
        set_rules = [(r, check) for r, check in rules if r.scope == "set"]
        if set_rules:
            sctx = SetContext(docs, self.config, env=self.env)
            by_path = {d.path: d for d in docs}
            for rule, check in set_rules:
                sev = self.severity(rule)
                if sev is None:
                    continue
                sctx.options = self.options(rule)
                for hit in check(sctx):
                    raw.extend(self._findings(rule, sev, [hit], by_path.get(hit.path or ""),
                                              default_path=hit.path or ""))
        if context:
            raw = [f for f in raw if f.path not in context or id(f) in origins]
        return self._suppress(raw, docs, origins)

    def _unknown_suppressions(self, docs: list[FlowDocument]) -> list[Finding]:
        """IVR004: a suppression comment naming no rule silences nothing (ruff's RUF102 does the
        same for `# noqa`); the nearest real id is named, as for the config's rule ids."""
        comments = [(doc, c) for doc in docs for c in _suppression_comments(doc.text, doc.lines)]
        if not comments:
            return []
        catalogue = load_catalogue()  # every stage's ids: only files with suppressions pay for it
        rule = catalogue.get(UNKNOWN_SUPPRESSION)
        sev = self.severity(rule) if rule is not None else None
        if rule is None or sev is None:
            return []
        out = []
        ids = sorted(catalogue)
        for doc, (line, col, whole, found) in comments:
            for rule_id in found:
                if rule_id in catalogue:
                    continue
                near = nearest_rule_id(rule_id, ids)
                hint = f"; did you mean {near} ({catalogue[near].name})?" if near else ""
                kind = "disable-file" if whole else "disable"
                out.append(Finding(rule.id, sev, f"`# ivr-ci: {kind}=` names {rule_id!r}, which is not a rule "
                                   f"id{hint} (it silences nothing; `ivr-ci rules` lists them)",
                                   doc.path, line, col, flow=_flow_name(doc)))
        return out

    def _findings(self, rule: Rule, sev: Severity, hits: Iterable[Hit], doc: FlowDocument | None,
                  default_path: str = "") -> list[Finding]:
        out = []
        for hit in hits:
            path = hit.path or (doc.path if doc else default_path)
            out.append(Finding(rule.id, sev, hit.message or rule.summary, path, hit.line, hit.col,
                               hit.end_line, hit.end_col, flow=_flow_name(doc)))
        return out

    def _suppress(self, findings: list[Finding], docs: list[FlowDocument],
                  origins: dict[int, FlowDocument]) -> list[Finding]:
        """Drop what `# ivr-ci: disable=` comments silence: in the file a finding points at (a
        flow, or a file a flow rule reported into, such as its *.paths.yaml), and `disable-file=`
        in the flow a flow rule was checking."""
        tables: dict[str, Suppressions] = {d.path: _suppressions(d.text, d.lines) for d in docs}
        kept = []
        for f in findings:
            origin = origins.get(id(f))
            if f.path not in tables and origin is not None:
                tables[f.path] = _file_suppressions(f.path)
            by_line, whole = tables.get(f.path, ({}, set()))
            if f.rule_id in whole or f.rule_id in by_line.get(f.line, ()):
                continue
            if origin is not None and origin.path != f.path and f.rule_id in tables[origin.path][1]:
                continue
            kept.append(f)
        return sorted(set(kept), key=Finding.sort_key)


def _file_suppressions(path: str) -> Suppressions:
    """The suppressions of a file a flow rule reported into (its *.paths.yaml); none if unreadable."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return _suppressions(fh.read())
    except OSError:
        return {}, set()


def _flow_name(doc: FlowDocument | None) -> str | None:
    if doc is None or doc.flow is None:
        return None
    return str(doc.flow.name) if doc.flow.name is not None else None
