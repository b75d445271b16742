"""Self-contained HTML report: inline CSS and SVG charts, no scripts, no external resources
(it is attached to change tickets and opened offline). Every string is HTML-escaped."""

from __future__ import annotations

from html import escape

from ivr_ci.audit import chart
from ivr_ci.audit.aggregate import Classified, FlowActivity
from ivr_ci.audit.deployments import OUT_OF_BAND, PIPELINE
from ivr_ci.audit.drift import DriftItem
from ivr_ci.audit.metrics import ReleaseOutcome
from ivr_ci.audit.render_md import MD_CHANGES, change_text, delta, pct, when
from ivr_ci.audit.report import AuditReport
from ivr_ci.audit.timerange import iso

HTML_TIMELINE_ROWS = 50

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1100px;
color:#1f2328;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;
padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
.meta{color:#59636e}.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{border:1px solid #d0d7de;border-radius:8px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:22px}.card.bad{border-color:#d9534f;background:#fff5f5}
.card.ok{border-color:#2da44e;background:#f3fbf5}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:13px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}.oob{color:#b42318;font-weight:600}.pipe{color:#1a7f37}
.st-drifted,.st-missing,.st-unpublished,.st-error{color:#b42318;font-weight:600}.st-in-sync{color:#1a7f37}
details{margin:4px 0 10px}summary{cursor:pointer}.chart{max-width:100%;height:auto;display:block;margin:8px 0}
.note{color:#59636e;font-size:13px}
"""


def _e(text: object, limit: int | None = 300) -> str:
    s = " ".join(str(text).split())
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    return escape(s, quote=True)


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cls(kind: str) -> str:
    return '<span class="oob">out-of-band</span>' if kind == OUT_OF_BAND else '<span class="pipe">pipeline</span>'


def _event_row(c: Classified, with_flow: bool) -> list[str]:
    e = c.event
    row = [_e(when(c))] + ([_e(e.flow_name, 80)] if with_flow else [])
    return row + [_e(e.action), _e(e.actor, 80), _e(e.version or "–"), _cls(c.kind), _e(c.verdict.reason, 200)]


def _cards(r: AuditReport) -> str:
    t, d = r.totals, r.drift
    cards = [("Out-of-band publishes", t.out_of_band_publishes, t.out_of_band_publishes > 0),
             ("Out-of-band changes", t.out_of_band, t.out_of_band > 0),
             ("Pipeline changes", t.pipeline, False),
             ("Drifted flows", f"{len(d.drifted)} / {len(d.items)}" if d.checked else "not checked", bool(d.drifted)),
             ("Deployments", len(r.deployments), False)]
    html = "".join(f'<div class="card {"bad" if bad else "ok"}"><b>{_e(v)}</b>{_e(k)}</div>'
                   for k, v, bad in cards)
    return f'<div class="cards">{html}</div>'


def _headline(r: AuditReport) -> str:
    items = r.headline
    if not items:
        return "<h2>Out-of-band publishes: none</h2><p>Every publish in the range matches the ledger.</p>"
    out = f"<h2>Out-of-band publishes ({r.totals.out_of_band_publishes})</h2>"
    out += _table(["time (UTC)", "flow", "action", "actor", "version", "class", "why"],
                  [_event_row(c, True) for c in items])
    if r.headline_truncated:
        out += f'<p class="note">{r.headline_truncated} older ones not shown (see JSON/CSV).</p>'
    return out


def _drift_row(i: DriftItem) -> list[str]:
    return [_e(i.name, 80), _e(i.type), f'<span class="st-{_e(i.status)}">{_e(i.status)}</span>', _e(i.path, 120),
            _e(i.version or "–"), _e(i.message, 200)]


def _drift(r: AuditReport) -> str:
    d = r.drift
    if not d.checked:
        return "<h2>Content drift: not checked</h2>" + "".join(f'<p class="note">{_e(n)}</p>' for n in d.notes)
    out = f"<h2>Content drift ({len(d.drifted)} of {len(d.items)} flows)</h2>"
    if d.items:
        out += _table(["flow", "type", "status", "file", "org version", "detail"],
                      [_drift_row(i) for i in sorted(d.items, key=lambda i: (not i.drifted, i.name))])
    for item in d.drifted:
        if item.changes:
            rows = [[_e(c.risk.value), _e(c.where, 120), _e(change_text(c), 400)] for c in item.changes[:MD_CHANGES]]
            out += (f"<details open><summary>{_e(item.name)}: what the org has that the repository does not "
                    f"({len(item.changes)})</summary>{_table(['risk', 'where', 'change (repository → org)'], rows)}"
                    "</details>")
    out += "".join(f'<p class="note">{_e(p)}</p>' for p in d.problems + d.notes)
    return out


def _release(rel: ReleaseOutcome) -> str:
    d = rel.deployment
    out = f"<h3>{_e(d.label)} · {_e(iso(d.started)[:16].replace('T', ' '))} · {_e(d.outcome)}</h3>"
    if rel.error:
        return out + f'<p class="note">Metrics unavailable: {_e(rel.error)}</p>'
    if rel.after is None:
        out += '<p class="note">Too recent for an after window.</p>'
    rows, bars = [], []
    for f in rel.flows:
        b, a = f.before, f.after
        ab_b, ab_a = (b.abandonment if b else None), (a.abandonment if a else None)
        rows.append([_e(f.name, 80), _e(f.version or "–"),
                     f"{b.entries if b else '–'} → {a.entries if a else '–'}",
                     _e(f"{pct(ab_b)} → {pct(ab_a)}{delta(ab_b, ab_a)}"),
                     f"{b.exits if b else '–'} → {a.exits if a else '–'}",
                     _e(f"{pct(b.failure_rate if b else None)} → {pct(a.failure_rate if a else None)}")])
        bars.append((f.name, ab_b, ab_a))
    out += _table(["flow", "version", "entries", "abandoned in flow", "exits (transfers)", "outcome failures"], rows)
    return out + chart.before_after(bars)


def _activity(r: AuditReport) -> str:
    flows = r.flows
    days = [(day, c[PIPELINE], c[OUT_OF_BAND]) for day, c in sorted(r.aggregator.daily.items())]
    out = f"<h2>Flow activity ({len(flows)} flows, {r.totals.changes:,} change events)</h2>"
    out += chart.daily_activity(days)
    if not flows:
        return out + "<p>No flow changes in the range.</p>"
    rows = []
    for f in flows:
        last = f.last_publish
        rows.append([_e(f.name, 80), f"{f.events:,}", f"{f.by_class[PIPELINE]:,}", f"{f.by_class[OUT_OF_BAND]:,}",
                     f"{f.out_of_band_publishes:,}",
                     f"{_e(when(last))} by {_e(last.event.actor, 60)} ({_cls(last.kind)})" if last else "–"])
    out += _table(["flow", "events", "pipeline", "out-of-band", "out-of-band publishes", "last publish"], rows)
    return out + "".join(_timeline(f) for f in flows)


def _timeline(f: FlowActivity) -> str:
    items = list(f.timeline)[-HTML_TIMELINE_ROWS:]
    shown = f"last {len(items)} of {f.events:,}" if f.events > len(items) else str(len(items))
    return (f"<details><summary>Timeline: {_e(f.name)} ({shown} events)</summary>"
            + _table(["time (UTC)", "action", "actor", "version", "class", "why"],
                     [_event_row(c, False) for c in items]) + "</details>")


def render_html(r: AuditReport) -> str:
    t = r.totals
    releases = "".join(_release(rel) for rel in reversed(r.releases)) or "<p>No deployments in range.</p>"
    sources = (f"<h2>Sources</h2><p class=\"note\">{t.records:,} audit records in {len(r.windows)} query window(s); "
               f"{t.reads:,} read-only, {t.skipped:,} skipped. Ledger: {_e(r.ledger_path or 'none')} "
               f"({r.ledger_entries} entries for this environment). Pipeline clients: "
               f"{_e(', '.join(r.pipeline_clients) or 'from the ledger')}.</p>"
               + "".join(f'<p class="note">{_e(n, 400)}</p>' for n in r.notes))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Audit report: {_e(r.environment)}</title><meta name=\"viewport\" "
            f"content=\"width=device-width, initial-scale=1\"><style>{_CSS}</style></head><body>"
            f"<h1>Audit report: {_e(r.environment)}</h1>"
            f"<p class=\"meta\">{_e(r.range.interval)} · generated {_e(iso(r.generated))}</p>"
            f"{_cards(r)}{_headline(r)}{_drift(r)}"
            f"<h2>Release outcomes (before → after each deployment)</h2>{releases}"
            f"{_activity(r)}{sources}</body></html>\n")
