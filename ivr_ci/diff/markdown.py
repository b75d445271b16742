"""Markdown for `diff --format markdown`, the PR comment and the job summary, within a budget.

The report is a list of `Part`s in reading order. Fitting it to a budget (GitHub's 65,536
characters for a comment, 1 MiB for a step's job summary) keeps the parts that matter most and,
instead of silently dropping the rest, *counts* what is left out: every behavioural change is
listed or counted, per flow. Priority (higher is kept longer): title, summary, fixes, problems,
rename warnings and per-flow lines (always) · behavioural changes 80 · prompt changes 60 ·
findings 50 · menu-tree diagrams 30 · other changes 20. A note at the top says what was left out
and where the rest is. Every piece of flow text goes through ivr_ci.diff.escape.
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from ivr_ci import __version__
from ivr_ci.diff import mermaid
from ivr_ci.diff.escape import code_block, html_text, md_inline
from ivr_ci.diff.model import Change, DiffResult, FlowDiff, Risk, counts_phrase
from ivr_ci.findings import Finding

TITLE = "### IVR flow changes"
ROWS_PER_TABLE = 20  # behavioural rows per part: what is left out is whole tables, never half
MAX_OTHER_ROWS = 200
PROMPT_WIDTH = 96  # prompt text is wrapped so a long TTS reads without scrolling sideways


@dataclass(frozen=True)
class Links:
    """Where file:line references point: the blob of the compared head commit on GitHub."""

    server: str  # https://github.com
    repo: str  # owner/name
    head_sha: str

    def blob(self, path: str, line: int = 0) -> str:
        url = f"{self.server.rstrip('/')}/{self.repo}/blob/{self.head_sha}/{quote(path)}"
        return f"{url}#L{line}" if line else url


@dataclass
class Part:
    """A whole unit of the report: kept whole, counted (`collapsed`), or left out."""

    markdown: str
    priority: int = 100  # 100: always kept
    group: str = ""  # parts of one group that are left out are counted together
    counts: Counter[str] = field(default_factory=Counter)  # flow name -> items in this part
    noun: str = ""  # what the counted items are ("behavioural changes")
    where: str = ""  # for the note: which flows / what (when not counted per flow)

    @property
    def required(self) -> bool:
        return self.priority >= 100


def _ref(ref: str) -> str:
    """A git ref or path for display: full commit ids shortened the way git does."""
    return md_inline(ref[:12] if re.fullmatch(r"[0-9a-f]{40}", ref) else ref, 60)


def _loc_text(path: str | None, line: int) -> str:
    return f"{path}:{line}" if path and line else (path or "")


def _flow_label(f: FlowDiff) -> str:
    return md_inline(f"{f.old_name} → {f.name}" if f.old_name else f.name, 120)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def summary_line(result: DiffResult) -> str:
    changed = result.changed_flows
    prompts = f" · **{len(result.prompts)} prompt file change{'s' if len(result.prompts) != 1 else ''}**" \
        if result.prompts else ""
    if not changed:
        return f"No flow changes between {_ref(result.base)} and {_ref(result.head)}.{prompts}"
    parts = " · ".join(f"{n} {risk}" for risk, n in result.counts().items())
    return f"**{len(changed)} flow{'s' if len(changed) != 1 else ''} changed** · {parts}{prompts}"


class _Report:
    def __init__(self, result: DiffResult, findings: list[Finding] | None, links: Links | None) -> None:
        self.result, self.findings, self.links = result, findings, links

    def loc(self, path: str | None, line: int = 0, shown: str | None = None) -> str:
        text = md_inline(shown if shown is not None else _loc_text(path, line), 120)
        if self.links and path:
            return f"[{text}]({self.links.blob(path, line)})"
        return text

    def change_loc(self, c: Change) -> str:
        # a change located on the old side (something removed) has no line in the head blob
        head_side = self.links is None or c.path in {f.new_path for f in self.result.changed_flows}
        return self.loc(c.path, c.line) if head_side else md_inline(_loc_text(c.path, c.line), 120)

    def parts(self) -> list[Part]:
        r = self.result
        out = [Part(f"{TITLE}\n\n{summary_line(r)}")]
        if r.fixed:
            lines = [f"- {self.loc(p.path)}: the base version did not load ({md_inline(p.message, 200)}); "
                     "it loads now" for p in r.fixed]
            out.append(Part("Fixed by this change:\n" + "\n".join(lines)))
        if r.problems:
            lines = [f"- {md_inline(p.location(), 150)} ({p.side}): {md_inline(p.message, 200)}" for p in r.problems]
            out.append(Part("Could not compare:\n" + "\n".join(lines)))
        side = r.side_findings
        if side:
            lines = [f"- {md_inline(p.location(), 150)} ({'base' if p.side == 'old' else 'head'}): "
                     f"{md_inline(p.message, 300)}" for p in side]
            out.append(Part("Findings on one side (not shown as changes):\n" + "\n".join(lines)))
        if r.changed_flows:
            warnings = [w for f in r.changed_flows for w in f.warnings]
            if warnings:
                out.append(Part("> [!WARNING]\n" + "\n".join(f"> {md_inline(w, 500)}" for w in warnings)))
            out.append(Part(self._flow_lines()))
            out += self._behavioural()
            out += self._prompts()
            if self.findings is not None:
                out += self._findings(self.findings)
            out += self._diagrams()
            out += self._others()
        out += self._prompt_files()
        return out

    def _prompt_files(self) -> list[Part]:
        """Prompt files (docs/prompts.md): per language, the old and new TTS; recordings by hash."""
        out: list[Part] = []
        for pd in self.result.prompts:
            head = f"**{md_inline(pd.name, 120)}** ({self.loc(pd.path)}): {md_inline(pd.summary(), 300)}"
            diffs = []
            for lang in pd.languages:
                if "tts" in lang.changed or lang.status in ("added", "removed"):
                    text = "\n".join([*_wrapped("-", lang.tts[0]), *_wrapped("+", lang.tts[1])]) \
                        if lang.tts != (None, None) else "(no text)"
                    diffs.append(f"{md_inline(lang.language, 20)} ({self.loc(pd.path, lang.line)})\n\n"
                                 + code_block(text, "diff"))
            title = "#### Prompt files\n\n" if not out else ""
            out.append(Part(title + "\n\n".join([head, *diffs]), 60, "prompt-files",
                            Counter({pd.name: max(1, len(pd.languages))}), "prompt file changes"))
        return out

    def _flow_lines(self) -> str:
        return "\n".join(f"- **{_flow_label(f)}** ({md_inline(f.type, 40)}, {self.loc(f.path)}): "
                         f"{f.status} — {counts_phrase(f.counts())}" for f in self.result.changed_flows)

    def _behavioural(self) -> list[Part]:
        # a renamed flow is said once, in the warning; its row would say it again
        rows = [(f, c) for f in self.result.changed_flows for c in f.changes
                if c.risk is Risk.BEHAVIOURAL and c.kind != "flow-renamed"]
        out = []
        for i in range(0, len(rows), ROWS_PER_TABLE):
            chunk = rows[i:i + ROWS_PER_TABLE]
            head = f"#### Behavioural changes ({len(rows)})\n\n" if i == 0 else \
                f"#### Behavioural changes, continued ({i + 1}–{i + len(chunk)})\n\n"
            table = _table(["Flow", "Where", "Change", "File"],
                           [[_flow_label(f), md_inline(c.where, 200), md_inline(c.summary, 300), self.change_loc(c)]
                            for f, c in chunk])
            out.append(Part(head + table, 80, "behavioural", Counter(f.name for f, _ in chunk),
                            "behavioural changes"))
        return out

    def _prompts(self) -> list[Part]:
        out = []
        for f in self.result.changed_flows:
            items = [c for c in f.changes if c.kind == "prompt-changed"]
            if not items:
                continue
            parts = [f"#### Prompt changes: {_flow_label(f)}"]
            for c in items:
                text = "\n".join([*_wrapped("-", c.old), *_wrapped("+", c.new)])
                parts.append(f"{md_inline(c.where, 200)} · {md_inline(c.field or '', 80)} ({self.change_loc(c)})"
                             f"\n\n" + code_block(text, "diff"))
            out.append(Part("\n\n".join(parts), 60, "prompts", Counter({f.name: len(items)}), "prompt changes"))
        return out

    def _findings(self, findings: list[Finding]) -> list[Part]:
        if not findings:
            return [Part("No lint/validate findings on the changed flows.", 50)]
        errors = sum(1 for f in findings if f.severity.value == "error")
        rows = [[f.severity.value, md_inline(f.rule_id, 20), md_inline(f.message, 300),
                 self.loc(f.path, f.line, f.location()) if f.path else md_inline(f.location(), 150)]
                for f in findings]
        head = (f"<details{' open' if errors else ''}><summary>Findings on the changed flows "
                f"({len(findings)}, {errors} errors)</summary>\n\n")
        return [Part(head + _table(["Severity", "Rule", "Message", "Where"], rows) + "\n\n</details>", 50,
                     "findings", Counter({"": len(findings)}), f"findings ({errors} errors)")]

    def _diagrams(self) -> list[Part]:
        out = []
        for f in self.result.changed_flows:
            source, reason = mermaid.render(f)
            if source is None and reason == "no menus":
                continue
            title = f"<details><summary>Menu tree: {html_text(f.name, 120)}</summary>\n\n"
            body = f"Diagram left out: {md_inline(reason)}." if source is None else code_block(source, "mermaid")
            out.append(Part(f"{title}{body}\n\n</details>", 30, "diagrams", Counter({f.name: 1}), "menu maps"))
        return out

    def _others(self) -> list[Part]:
        out = []
        for f in self.result.changed_flows:
            items = [c for c in f.changes if c.risk is not Risk.BEHAVIOURAL and c.kind != "prompt-changed"]
            if not items:
                continue
            rows = [[c.risk.value, md_inline(c.where, 200), md_inline(c.summary, 300), self.change_loc(c)]
                    for c in items[:MAX_OTHER_ROWS]]
            more = f"\n\n… and {len(items) - MAX_OTHER_ROWS} more" if len(items) > MAX_OTHER_ROWS else ""
            body = _table(["Risk", "Where", "Change", "File"], rows)
            out.append(Part(f"<details><summary>Other changes in {html_text(f.name, 120)} ({len(items)})</summary>"
                            f"\n\n{body}{more}\n\n</details>", 20, "others", Counter({f.name: len(items)}),
                            "other changes"))
        return out

    def footer(self) -> str:
        r = self.result
        base, head = _ref(r.base), _ref(r.head)
        if self.links and re.fullmatch(r"[0-9a-f]{40}", r.head):
            head = f"[{head}]({self.links.server.rstrip('/')}/{self.links.repo}/commit/{r.head})"
        return f"<sub>ivr-ci {__version__} · semantic diff of base {base} → head {head}</sub>"


def _wrapped(sign: str, value: object) -> list[str]:
    text = str(value) if value is not None else "(none)"
    lines = []
    for para in text.splitlines() or [""]:
        wrapped = textwrap.wrap(para, PROMPT_WIDTH, break_long_words=True, break_on_hyphens=False) or [""]
        lines += [f"{sign} {w}" for w in wrapped]
    return lines


def _counted(parts: list[Part]) -> str:
    """One line for consecutive parts of a group that did not fit: how many, in which flows."""
    total: Counter[str] = Counter()
    for p in parts:
        total.update(p.counts)
    n = sum(total.values())
    per_flow = ", ".join(f"{md_inline(name, 80)} ({k})" for name, k in total.most_common(20) if name)
    more = f", and {len(total) - 20} more flows" if len(total) > 20 else ""
    noun = parts[0].noun
    return f"*… {n:,} {noun} not shown here{': ' + per_flow + more if per_flow else ''}.*"


def fit(parts: list[Part], footer: str, limit: int | None, *, measure: Callable[[str], int] = len,
        rest: str = "") -> str:
    """Join `parts` within `limit` (measured by `measure`): required parts always, then the others
    by priority while they fit; what is left out is counted in place and named in a note at the
    top, which also says where the rest is (`rest`)."""
    def render(kept: set[int], note: str) -> str:
        out: list[str] = []
        i = 0
        while i < len(parts):
            if i in kept:
                out.append(parts[i].markdown.strip("\n"))
                i += 1
                continue
            j = i
            while j < len(parts) and j not in kept and parts[j].group == parts[i].group:
                j += 1
            if parts[i].group in ("behavioural", "prompts"):  # counted where they would have been
                out.append(_counted(parts[i:j]))
            i = j
        if note:
            out.insert(1, note)
        return "\n\n".join([*out, footer]) + "\n"

    everything = set(range(len(parts)))
    if limit is None or measure(render(everything, "")) <= limit:
        return render(everything, "")
    kept = {i for i, p in enumerate(parts) if p.required}
    order = sorted((i for i, p in enumerate(parts) if not p.required), key=lambda i: (-parts[i].priority, i))
    reserve = 1200  # room for the note and the count lines of what is left out
    for i in order:
        if measure(render(kept | {i}, "")) + reserve <= limit:
            kept.add(i)
    note = _note([p for i, p in enumerate(parts) if i not in kept], rest)
    body = render(kept, note)
    while measure(body) > limit and kept - {i for i, p in enumerate(parts) if p.required}:
        drop = min((i for i in kept if not parts[i].required), key=lambda i: (parts[i].priority, -i))
        kept.discard(drop)
        body = render(kept, _note([p for i, p in enumerate(parts) if i not in kept], rest))
    return body


def _note(left_out: list[Part], rest: str) -> str:
    by_noun: Counter[str] = Counter()
    for p in left_out:
        by_noun[p.noun] += sum(p.counts.values())
    what = ", ".join(f"{n:,} {noun}" for noun, n in by_noun.items())
    where = f" {rest}" if rest else ""
    return f"> [!NOTE]\n> Left out to fit the size limit: {what}.{where}"


def render_markdown(result: DiffResult, findings: list[Finding] | None = None, *, limit: int | None = None,
                    links: Links | None = None, measure: Callable[[str], int] = len, rest: str = "") -> str:
    report = _Report(result, findings, links)
    return fit(report.parts(), report.footer(), limit, measure=measure, rest=rest)
