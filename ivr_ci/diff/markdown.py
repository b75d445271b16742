"""Markdown for `diff --format markdown`, the PR comment and the job summary.

Built as whole `Section`s (ivr_ci.github.sticky.Section) so the comment can be shrunk to
GitHub's size limit by dropping detail, never by cutting a table in half. Order and priority
(higher survives longer): summary and footer (always) · rename warnings 95 · per-flow lines 90 ·
behavioural table 80 · prompt changes 60 · findings 50 · menu-tree diagrams 30 · other changes 20.
Every piece of flow text goes through ivr_ci.diff.escape.
"""

from __future__ import annotations

import re

from ivr_ci import __version__
from ivr_ci.diff import mermaid
from ivr_ci.diff.escape import code_block, html_text, md_inline
from ivr_ci.diff.model import Change, DiffResult, FlowDiff, Risk
from ivr_ci.diff.render import counts_phrase
from ivr_ci.findings import Finding
from ivr_ci.github.sticky import Section

TITLE = "### IVR flow changes"
ROWS_PER_TABLE = 40  # behavioural rows per Section: a dropped chunk never splits a table
MAX_OTHER_ROWS = 200


def _loc(c: Change) -> str:
    return md_inline(f"{c.path}:{c.line}" if c.path and c.line else (c.path or ""), 120)


def _flow_label(f: FlowDiff) -> str:
    return md_inline(f"{f.old_name} → {f.name}" if f.old_name else f.name, 120)


def _ref(ref: str) -> str:
    """A git ref or path for display: full commit ids shortened the way git does."""
    return md_inline(ref[:12] if re.fullmatch(r"[0-9a-f]{40}", ref) else ref, 60)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def summary_line(result: DiffResult) -> str:
    changed = result.changed_flows
    if not changed:
        return f"No flow changes between {_ref(result.base)} and {_ref(result.head)}."
    counts = result.counts()
    parts = " · ".join(f"{n} {risk}" for risk, n in counts.items())
    return f"**{len(changed)} flow{'s' if len(changed) != 1 else ''} changed** · {parts}"


def _flow_lines(result: DiffResult) -> str:
    out = []
    for f in result.changed_flows:
        out.append(f"- **{_flow_label(f)}** ({md_inline(f.type, 40)}, {md_inline(f.path, 150)}): "
                   f"{f.status} — {counts_phrase(f.counts())}")
    return "\n".join(out)


def _warnings(result: DiffResult) -> str:
    lines = [w for f in result.changed_flows for w in f.warnings]
    if not lines:
        return ""
    return "> [!WARNING]\n" + "\n".join(f"> {md_inline(w, 500)}" for w in lines)


def _behavioural(result: DiffResult) -> list[Section]:
    rows = [[_flow_label(f), md_inline(c.where, 200), md_inline(c.summary, 300), _loc(c)]
            for f in result.changed_flows for c in f.changes if c.risk is Risk.BEHAVIOURAL]
    if not rows:
        return []
    out = []
    for i in range(0, len(rows), ROWS_PER_TABLE):
        chunk = rows[i:i + ROWS_PER_TABLE]
        head = f"#### Behavioural changes ({len(rows)})\n\n" if i == 0 else \
            f"#### Behavioural changes, continued ({i + 1}–{i + len(chunk)})\n\n"
        out.append(Section(head + _table(["Flow", "Where", "Change", "File"], chunk), priority=80))
    return out


def _prompts(result: DiffResult) -> list[Section]:
    out = []
    for f in result.changed_flows:
        items = [c for c in f.changes if c.kind == "prompt-changed"]
        if not items:
            continue
        parts = [f"#### Prompt changes: {_flow_label(f)}"]
        for c in items:
            old = "\n".join(f"- {line}" for line in str(c.old if c.old is not None else "(none)").splitlines() or [""])
            new = "\n".join(f"+ {line}" for line in str(c.new if c.new is not None else "(none)").splitlines() or [""])
            parts.append(f"{md_inline(c.where, 200)} · {md_inline(c.field or '', 80)} ({_loc(c)})\n\n"
                         + code_block(f"{old}\n{new}", "diff"))
        out.append(Section("\n\n".join(parts), priority=60))
    return out


def _others(result: DiffResult) -> list[Section]:
    out = []
    for f in result.changed_flows:
        items = [c for c in f.changes if c.risk is not Risk.BEHAVIOURAL and c.kind != "prompt-changed"]
        if not items:
            continue
        rows = [[c.risk.value, md_inline(c.where, 200), md_inline(c.summary, 300), _loc(c)]
                for c in items[:MAX_OTHER_ROWS]]
        more = f"\n\n… and {len(items) - MAX_OTHER_ROWS} more" if len(items) > MAX_OTHER_ROWS else ""
        body = _table(["Risk", "Where", "Change", "File"], rows)
        out.append(Section(f"<details><summary>Other changes in {html_text(f.name, 120)} ({len(items)})</summary>"
                           f"\n\n{body}{more}\n\n</details>", priority=20))
    return out


def _diagrams(result: DiffResult) -> list[Section]:
    out = []
    for f in result.changed_flows:
        source, reason = mermaid.render(f)
        if source is None and reason == "no menus":
            continue
        title = f"<details><summary>Menu tree: {html_text(f.name, 120)}</summary>\n\n"
        if source is None:
            out.append(Section(f"{title}Diagram left out: {md_inline(reason)}.\n\n</details>", priority=30))
        else:
            out.append(Section(f"{title}{code_block(source, 'mermaid')}\n\n</details>", priority=30))
    return out


def _findings(findings: list[Finding]) -> list[Section]:
    rows = [[f.severity.value, md_inline(f.rule_id, 20), md_inline(f.message, 300),
             md_inline(f.location(), 150)] for f in findings]
    errors = sum(1 for f in findings if f.severity.value == "error")
    head = f"<details{' open' if errors else ''}><summary>Findings on the changed flows ({len(findings)}, {errors} errors)</summary>\n\n"
    if not rows:
        return [Section("No lint/validate findings on the changed flows.", priority=50)]
    return [Section(head + _table(["Severity", "Rule", "Message", "Where"], rows) + "\n\n</details>", priority=50)]


def footer(result: DiffResult) -> str:
    return (f"<sub>ivr-ci {__version__} · semantic diff of {_ref(result.base)} → "
            f"{_ref(result.head)} · the full report is in the job summary</sub>")


def sections(result: DiffResult, findings: list[Finding] | None = None) -> list[Section]:
    out = [Section(f"{TITLE}\n\n{summary_line(result)}", droppable=False)]
    if result.problems:
        lines = [f"- {md_inline(p.location(), 150)} ({p.side}): {md_inline(p.message, 200)}" for p in result.problems]
        out.append(Section("Could not compare:\n" + "\n".join(lines), priority=96))
    if result.changed_flows:
        warn = _warnings(result)
        if warn:
            out.append(Section(warn, priority=95))
        out.append(Section(_flow_lines(result), priority=90))
        out += _behavioural(result)
        out += _prompts(result)
        if findings is not None:
            out += _findings(findings)
        out += _diagrams(result)
        out += _others(result)
    out.append(Section(footer(result), droppable=False))
    return out


def render_markdown(result: DiffResult, findings: list[Finding] | None = None) -> str:
    return "\n\n".join(s.markdown.strip("\n") for s in sections(result, findings)) + "\n"
