"""Text (terminal) and JSON renderers of a DiffResult; Markdown lives in markdown.py."""

from __future__ import annotations

import json

from ivr_ci.diff.model import Change, DiffResult, FlowDiff, Risk, counts_phrase

FORMATS = ("text", "json", "markdown")
_TAG = {Risk.BEHAVIOURAL: "BEHAVIOUR", Risk.CONTENT: "CONTENT", Risk.CONFIGURATION: "CONFIG",
        Risk.COSMETIC: "COSMETIC"}


def _sorted(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: c.risk.rank)


def _text_change(c: Change) -> list[str]:
    loc = f"{c.path}:{c.line}" if c.path and c.line else (c.path or "")
    lines = [f"  [{_TAG[c.risk]:<9}] {loc}  {c.where}: {c.summary}"]
    if c.kind == "prompt-changed":
        lines.append(f"      - {_one_line(c.old)}")
        lines.append(f"      + {_one_line(c.new)}")
    return lines


def _one_line(value: object) -> str:
    if value is None:
        return "(none)"
    return " ".join(str(value).split())


def flow_heading(f: FlowDiff) -> str:
    name = f"{f.old_name} → {f.name}" if f.old_name else f.name
    where = f.path if not (f.old_path and f.new_path and f.old_path != f.new_path) \
        else f"{f.old_path} → {f.new_path}"
    return f"{name} ({f.type}) {f.status}: {counts_phrase(f.counts())}  [{where}]"


def render_text(result: DiffResult) -> str:
    out: list[str] = []
    changed = result.changed_flows
    for f in changed:
        out.append(flow_heading(f))
        for w in f.warnings:
            out.append(f"  warning: {w}")
        for c in _sorted(f.changes):
            if c.kind != "flow-renamed":  # already said by the warning
                out.extend(_text_change(c))
        out.append("")
    for p in result.side_findings:
        out.append(f"{p.location()}: note ({'base' if p.side == 'old' else 'head'} side): {p.message}")
    for p in result.fixed:
        out.append(f"{p.location()}: fixed: the base version did not load ({p.message}); it loads now")
    for pd in result.prompts:
        out.append(f"{pd.name} (prompt) {pd.status}: {pd.summary()}  [{pd.path}]")
        for lang in pd.languages:
            if "tts" in lang.changed:
                out.append(f"  {pd.path}:{lang.line}  {lang.language}")
                out.append(f"      - {_one_line(lang.tts[0])}")
                out.append(f"      + {_one_line(lang.tts[1])}")
            elif lang.status != "changed" or lang.changed:
                out.append(f"  {pd.path}:{lang.line}  {lang.summary()}")
        out.append("")
    for p in result.problems:
        out.append(f"{p.location()}: could not compare ({p.side} side): {p.message}")
    total = result.counts()
    summary = f"{len(changed)} flow(s) changed between {result.base} and {result.head}: {counts_phrase(total)}"
    if result.prompts:
        summary += f"; {len(result.prompts)} prompt(s) changed"
    if result.problems:
        n = len(result.problems)
        summary += f"; {n} file{'s' if n != 1 else ''} could not be compared"
    if result.fixed:
        n = len(result.fixed)
        summary += f"; {n} file{'s' if n != 1 else ''} fixed"
    out.append(summary)
    return "\n".join(out) + "\n"


def render_json(result: DiffResult) -> str:
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"


def render(fmt: str, result: DiffResult) -> str:
    if fmt == "json":
        return render_json(result)
    if fmt == "markdown":
        from ivr_ci.diff.markdown import render_markdown

        return render_markdown(result)
    return render_text(result)
