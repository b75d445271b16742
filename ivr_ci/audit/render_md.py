"""Markdown report (stdout, `--out`, and the Actions job summary).

Order follows what a change manager needs first: out-of-band publishes, content drift, release
outcomes, then per-flow activity. Every org- or user-supplied string goes through
ivr_ci.diff.escape. Sizes are bounded (GitHub's job summary takes at most 1 MiB per step).
"""

from __future__ import annotations

from ivr_ci.audit.aggregate import Classified, FlowActivity
from ivr_ci.audit.deployments import OUT_OF_BAND
from ivr_ci.audit.drift import DriftItem
from ivr_ci.audit.metrics import FlowMetrics, ReleaseOutcome
from ivr_ci.audit.report import AuditReport
from ivr_ci.audit.timerange import iso
from ivr_ci.diff.escape import html_text, md_inline
from ivr_ci.diff.model import Change

MD_TIMELINE_ROWS = 20
MD_FLOWS = 100
MD_HEADLINE_ROWS = 100
MD_CHANGES = 25
MAX_BYTES = 900_000


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def when(item: Classified) -> str:
    return iso(item.event.when)[:19].replace("T", " ")


def _event_row(c: Classified, with_flow: bool) -> list[str]:
    e = c.event
    row = [when(c)]
    if with_flow:
        row.append(md_inline(e.flow_name, 80))
    row += [md_inline(e.action), md_inline(e.actor, 80), md_inline(e.version or "–"),
            "**out-of-band**" if c.kind == OUT_OF_BAND else "pipeline", md_inline(c.verdict.reason, 160)]
    return row


def _headline(r: AuditReport) -> list[str]:
    items = r.headline
    if not items:
        return ["## Out-of-band publishes: none", "",
                "Every publish in the range was made by the pipeline and matches the ledger.", ""]
    out = [f"## :warning: Out-of-band publishes ({r.totals.out_of_band_publishes})", "",
           "Published, deleted or (de)activated outside the pipeline: the org no longer matches a "
           "reviewed release.", ""]
    rows = [_event_row(c, True) for c in items[:MD_HEADLINE_ROWS]]
    out += [_table(["time (UTC)", "flow", "action", "actor", "version", "class", "why"], rows), ""]
    omitted = r.totals.out_of_band_publishes - len(rows)
    if omitted > 0:
        out += [f"_{omitted} older out-of-band publish(es) not shown (see --format json/csv)._", ""]
    return out


def _drift_row(i: DriftItem) -> list[str]:
    return [md_inline(i.name, 80), md_inline(i.type), f"**{i.status}**" if i.drifted else i.status,
            md_inline(i.path, 120), md_inline(i.version or "–"), md_inline(i.message, 200)]


def _drift(r: AuditReport) -> list[str]:
    d = r.drift
    if not d.checked:
        return ["## Content drift: not checked", "", *[f"- {md_inline(n)}" for n in d.notes], ""]
    out = [f"## Content drift ({len(d.drifted)} of {len(d.items)} flow(s))", ""]
    if d.items:
        out += [_table(["flow", "type", "status", "file", "org version", "detail"],
                       [_drift_row(i) for i in sorted(d.items, key=lambda i: (not i.drifted, i.name))]), ""]
    for item in d.drifted:
        if not item.changes:
            continue
        out += [f"<details><summary>{html_text(item.name)}: what the org has that the repository does not "
                f"({len(item.changes)})</summary>", ""]
        rows = [[md_inline(c.risk.value), md_inline(c.where, 120), md_inline(change_text(c), 400)]
                for c in item.changes[:MD_CHANGES]]
        out += [_table(["risk", "where", "change (repository → org)"], rows), ""]
        if len(item.changes) > MD_CHANGES:
            out += [f"_{len(item.changes) - MD_CHANGES} more change(s): run `ivr-ci audit-report --format json`._", ""]
        out += ["</details>", ""]
    out += [f"- {md_inline(p, 300)}" for p in d.problems + d.notes]
    return [*out, ""] if d.problems or d.notes else out


def change_text(c: Change, limit: int = 240) -> str:
    """The change's summary, with the old and new text for prompt/description changes."""
    if isinstance(c.old, str) and isinstance(c.new, str) and len(c.old) + len(c.new) < limit:
        return f"{c.summary}: “{c.old}” → “{c.new}”"
    return c.summary


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def delta(before: float | None, after: float | None) -> str:
    if before is None or after is None:
        return ""
    points = (after - before) * 100
    return f" ({'+' if points >= 0 else ''}{points:.1f} pt)"


def _m(m: FlowMetrics | None, attr: str) -> str:
    return "–" if m is None else f"{getattr(m, attr):,}"


def _release(rel: ReleaseOutcome) -> list[str]:
    d = rel.deployment
    head = f"### {md_inline(d.label)} · {iso(d.started)[:16].replace('T', ' ')} · {md_inline(d.outcome)}"
    out = [head, ""]
    if rel.error:
        return [*out, f"Metrics unavailable: {md_inline(rel.error)}", ""]
    if rel.after is None:
        out += ["_Too recent for an after window._", ""]
    rows = []
    for f in rel.flows:
        b, a = f.before, f.after
        rows.append([md_inline(f.name, 80), md_inline(f.version or "–"),
                     f"{_m(b, 'entries')} → {_m(a, 'entries')}",
                     f"{pct(b.abandonment if b else None)} → {pct(a.abandonment if a else None)}"
                     f"{delta(b.abandonment if b else None, a.abandonment if a else None)}",
                     f"{_m(b, 'exits')} → {_m(a, 'exits')}",
                     f"{pct(b.failure_rate if b else None)} → {pct(a.failure_rate if a else None)}"])
    out += [_table(["flow", "version", "entries", "abandoned in flow", "exits (transfers)", "outcome failures"],
                   rows), ""]
    return out


def _releases(r: AuditReport) -> list[str]:
    if not r.releases:
        return ["## Releases: none in range", ""]
    out = ["## Release outcomes (before → after each deployment)", ""]
    for rel in reversed(r.releases):
        out += _release(rel)
    return out


def _activity(r: AuditReport) -> list[str]:
    flows = r.flows
    out = [f"## Flow activity ({len(flows)} flow(s), {r.totals.changes:,} change event(s))", ""]
    if not flows:
        return [*out, "No flow changes in the range.", ""]
    rows = []
    for f in flows[:MD_FLOWS]:
        last = f.last_publish
        last_text = f"{when(last)} by {md_inline(last.event.actor, 60)} ({last.kind})" if last else "–"
        rows.append([md_inline(f.name, 80), f"{f.events:,}", f"{f.by_class['pipeline']:,}",
                     f"{f.by_class[OUT_OF_BAND]:,}", f"{f.out_of_band_publishes:,}", last_text])
    out += [_table(["flow", "events", "pipeline", "out-of-band", "out-of-band publishes", "last publish"],
                   rows), ""]
    if len(flows) > MD_FLOWS:
        out += [f"_{len(flows) - MD_FLOWS} more flow(s) in --format json._", ""]
    for f in flows[:MD_FLOWS]:
        out += _timeline(f)
    return out


def _timeline(f: FlowActivity) -> list[str]:
    items = list(f.timeline)[-MD_TIMELINE_ROWS:]
    shown = f"last {len(items)} of {f.events:,}" if f.events > len(items) else f"{len(items)}"
    out = [f"<details><summary>Timeline: {html_text(f.name)} ({shown} event(s))</summary>", ""]
    out += [_table(["time (UTC)", "action", "actor", "version", "class", "why"],
                   [_event_row(c, False) for c in items]), "", "</details>", ""]
    return out


def _maintenance(r: AuditReport) -> list[str]:
    from ivr_ci.audit.maintenance import then_text

    windows = r.maintenance
    if not windows:
        return []
    rows = []
    for w in windows:
        for flow, carried in w["flows"].items():
            versions = ", ".join(f"{c['version'] or '?'} (run {c['runId']})" for c in carried)
            rows.append([md_inline(w["id"]), md_inline(str(w.get("when") or "")), md_inline(then_text(w.get("then"))),
                         md_inline(flow), md_inline(versions)])
    return ["## Maintenance windows", "",
            _table(["Window", "When", "Then", "Flow", "Carried by version(s)"], rows), ""]


def render_markdown(r: AuditReport) -> str:
    t = r.totals
    out = [f"# Audit report: {md_inline(r.environment)}", "",
           f"{md_inline(r.range.interval)} · {md_inline(r.status_line())}", ""]
    out += _headline(r) + _drift(r) + _releases(r) + _maintenance(r) + _activity(r)
    sources = ["## Sources", "",
            f"- {t.records:,} audit record(s) read in {len(r.windows)} query window(s) "
            f"({', '.join(sorted({w.mode for w in r.windows})) or 'none'}); {t.reads:,} read-only, "
            f"{t.skipped:,} skipped",
            f"- ledger: {md_inline(r.ledger_path or 'none')} ({r.ledger_entries} entr(ies) for this environment, "
            f"{len(r.deployments)} in range); pipeline client(s): "
            f"{md_inline(', '.join(r.pipeline_clients) or 'from the ledger')}"]
    sources += [f"- {md_inline(n, 400)}" for n in r.notes]
    text = "\n".join(out) + "\n"
    if len(text.encode("utf-8")) > MAX_BYTES:  # timelines are the bulk: drop them first
        cut = text.find("<details><summary>Timeline:")
        if cut > 0:
            text = text[:cut] + "_Timelines omitted: the report is too large for a job summary._\n\n"
    return text + "\n".join(sources) + "\n"
