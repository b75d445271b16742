"""Inline SVG charts for the HTML report: no JavaScript, no external files, text escaped."""

from __future__ import annotations

from html import escape

PIPELINE_COLOUR = "#2f7ed8"
OOB_COLOUR = "#d9534f"
BEFORE_COLOUR = "#9aa5b1"
AFTER_COLOUR = "#e8871e"
WORSE_COLOUR = "#d9534f"


def _t(text: object) -> str:
    return escape(str(text), quote=True)


def _short(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def daily_activity(days: list[tuple[str, int, int]], width: int = 760, height: int = 180) -> str:
    """Stacked bars per day: pipeline (blue) and out-of-band (red) change events."""
    if not days:
        return ""
    left, bottom, top = 40, 28, 16
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max(p + o for _, p, o in days) or 1
    step = plot_w / len(days)
    bar = max(2.0, min(28.0, step * 0.7))
    parts = [f'<svg class="chart" role="img" aria-label="Change events per day" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#888"/>',
             f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="10">{peak}</text>',
             f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="10">0</text>']
    label_every = max(1, len(days) // 10)
    for i, (day, pipeline, oob) in enumerate(days):
        x = left + i * step + (step - bar) / 2
        h_p, h_o = plot_h * pipeline / peak, plot_h * oob / peak
        y_p = top + plot_h - h_p
        parts.append(f'<rect x="{x:.1f}" y="{y_p:.1f}" width="{bar:.1f}" height="{h_p:.1f}" fill="{PIPELINE_COLOUR}">'
                     f'<title>{_t(day)}: {pipeline} pipeline</title></rect>')
        parts.append(f'<rect x="{x:.1f}" y="{y_p - h_o:.1f}" width="{bar:.1f}" height="{h_o:.1f}" '
                     f'fill="{OOB_COLOUR}"><title>{_t(day)}: {oob} out-of-band</title></rect>')
        if i % label_every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{height - 10}" text-anchor="middle" font-size="10">'
                         f'{_t(day[5:])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def before_after(rows: list[tuple[str, float | None, float | None]], width: int = 760) -> str:
    """Horizontal bars per flow: abandonment before (grey) and after (orange; red when worse)."""
    rows = [r for r in rows if r[1] is not None or r[2] is not None]
    if not rows:
        return ""
    left, row_h, top = 190, 34, 22
    plot_w = width - left - 70
    height = top + row_h * len(rows) + 24
    peak = max(max(b or 0.0, a or 0.0) for _, b, a in rows) or 0.01
    parts = [f'<svg class="chart" role="img" aria-label="Abandonment before and after" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
             f'<rect x="{left}" y="4" width="10" height="10" fill="{BEFORE_COLOUR}"/>'
             f'<text x="{left + 14}" y="13" font-size="11">before</text>'
             f'<rect x="{left + 70}" y="4" width="10" height="10" fill="{AFTER_COLOUR}"/>'
             f'<text x="{left + 84}" y="13" font-size="11">after</text>'
             f'<rect x="{left + 130}" y="4" width="10" height="10" fill="{WORSE_COLOUR}"/>'
             f'<text x="{left + 144}" y="13" font-size="11">after, worse</text>']
    for i, (name, before, after) in enumerate(rows):
        y = top + i * row_h
        parts.append(f'<text x="{left - 8}" y="{y + 19}" text-anchor="end" font-size="12">{_t(_short(name))}'
                     f'<title>{_t(name)}</title></text>')
        for j, (value, colour) in enumerate(((before, BEFORE_COLOUR), (after, AFTER_COLOUR))):
            if value is None:
                continue
            if j == 1 and before is not None and value > before:
                colour = WORSE_COLOUR
            w = max(1.0, plot_w * value / peak)
            yy = y + 3 + j * 14
            parts.append(f'<rect x="{left}" y="{yy}" width="{w:.1f}" height="12" fill="{colour}"/>'
                         f'<text x="{left + w + 4:.1f}" y="{yy + 10}" font-size="10">{value * 100:.1f}%</text>')
    parts.append("</svg>")
    return "".join(parts)
