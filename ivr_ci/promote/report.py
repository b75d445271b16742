"""Plan and apply reports: text for the terminal, JSON for tools, Markdown for PR comments and
job summaries (flow text escaped with ivr_ci.diff.escape so it cannot break the comment)."""

from __future__ import annotations

import json
import re
from typing import Any

from ivr_ci.diff.escape import html_text, md_inline
from ivr_ci.promote.ledger import LedgerEntry
from ivr_ci.promote.plan import Plan, PlanFlow

_ICON = {"create": "🆕", "update": "✏️", "unchanged": "✅"}
_SEV = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}


def _counts(plan: Plan) -> str:
    c = plan.to_json()["summary"]
    text = f"{c['create']} to create, {c['update']} to update, {c['unchanged']} unchanged"
    if plan.prompts:
        text += f"; prompts: {len(plan.changed_prompts)} changed, {len(plan.prompts) - len(plan.changed_prompts)} unchanged"
    return text


def _prompt_lines(plan: Plan) -> list[str]:
    """Per prompt, per language: what the apply does (docs/prompts.md)."""
    if not plan.prompts:
        return []
    lines = ["", "Prompts (deployed before the flows):"]
    for p in plan.prompts:
        lines.append(f"  {p.action:9} {p.name}  {p.summary if p.changed else ''}".rstrip())
        for c in p.language_changes:
            if "tts" in c.changed and c.action == "update":
                lines.append(f"              {c.language} tts: {c.tts_before!r} -> {c.tts!r}")
    return lines


def _prompt_markdown(plan: Plan) -> list[str]:
    changed = plan.changed_prompts
    if not changed:
        return []
    out = ["| Prompt | | Language | Change |", "|---|---|---|---|"]
    for p in changed:
        for c in p.language_changes or []:
            detail = {"create": "added", "delete": "removed"}.get(c.action, ", ".join(c.changed) + " changed")
            if "tts" in c.changed and c.action == "update":
                detail += f": “{md_inline(c.tts_before or '')}” → “{md_inline(c.tts or '')}”"
            elif c.action == "create" and c.tts:
                detail += f": “{md_inline(c.tts)}”"
            out.append(f"| {md_inline(p.name)} | {_ICON.get(p.action, '')} {p.action} | {md_inline(c.language)} | "
                       f"{detail} |")
        if p.description_changed:
            out.append(f"| {md_inline(p.name)} | {_ICON.get(p.action, '')} {p.action} | — | description changed |")
    return [*out, ""]


def _flows_in_order(plan: Plan) -> list[PlanFlow]:
    return sorted(plan.flows, key=lambda f: (f.order is None, f.order or 0, f.name))


def _interrupted_text(plan: Plan) -> list[str]:
    lines = []
    for run in plan.interrupted:
        what = "IS STILL RUNNING" if run["outcome"] == "running" else "DID NOT FINISH"
        lines += [f"!!! NOT A NORMAL PLAN: run {run['runId']} by {run.get('actor') or '?'} on {run.get('host') or '?'} "
                  f"(started {run.get('startedAt')}) {what}; the org may be HALF-DEPLOYED:"]
        lines += [f"!!!   {s}" for s in run["flows"]]
        lines.append(f"!!!   next: {run['next']}")
    return lines + ([""] if lines else [])


def plan_text(plan: Plan) -> str:
    lines = _interrupted_text(plan) + [f"Plan for environment '{plan.environment}' ({plan.api_base or '?'})"
             + (f" at {plan.git_sha[:12]}" if plan.git_sha else ""),
             f"  plan hash: {plan.hash}", f"  {_counts(plan)}", ""]
    width = max([len(f.label) for f in plan.flows] + [4])
    lines.append(f"  {'#':>3}  {'action':9} {'flow'.ljust(width)}  {'published':10} change")
    for f in _flows_in_order(plan):
        num = str(f.order) if f.order else "-"
        after = f" (after {', '.join(f.depends_on)})" if f.depends_on else ""
        lines.append(f"  {num:>3}  {f.action:9} {f.label.ljust(width)}  {f.target_version or '-':10} "
                     f"{f.change_summary}{after}")
    if plan.maintenance:
        lines += ["", "Maintenance windows:"] + [f"  {m}" for m in plan.maintenance]
    lines += _prompt_lines(plan)
    locked = [f for f in plan.flows if f.lock]
    if locked:
        lines += ["", "Locked flows:"]
        for f in locked:
            assert f.lock is not None
            fate = "draft would be DISCARDED by --force-unlock" if f.changed else "not touched (unchanged)"
            lines.append(f"  {f.label}: locked by {f.lock.describe()}; {fate}")
    if plan.findings:
        lines += ["", "Findings:"]
        lines += [f"  {f.location()}: {f.severity.value}: {f.message}" for f in plan.findings]
    perms = plan.permissions
    if perms:
        lines += ["", f"Permissions needed: {', '.join(perms.get('required', []))}"]
        if perms.get("missing"):
            lines.append(f"  MISSING: {', '.join(perms['missing'])}")
    if plan.notes:
        lines += ["", "Notes:"] + [f"  - {n}" for n in plan.notes]
    return "\n".join(lines) + "\n"


def plan_json(plan: Plan) -> str:
    return json.dumps(plan.to_json(), indent=2, ensure_ascii=False) + "\n"


def _change_details(f: PlanFlow) -> str:
    if not f.changes:
        return ""
    items = "\n".join(f"- **{md_inline(c.get('risk', ''))}** {md_inline(c.get('where', ''))}: "
                      f"{md_inline(c.get('summary', ''))}" for c in f.changes)
    return f"<details><summary>{html_text(f.label)}: {html_text(f.change_summary)}</summary>\n\n{items}\n\n</details>\n"


def plan_markdown(plan: Plan) -> str:
    status = "❌ cannot be applied" if plan.errors else (
        "✅ nothing to deploy" if not plan.changed and not plan.changed_prompts else "ready to apply")
    if plan.interrupted:
        status = "🚨 the org may be half-deployed by an interrupted run: not a normal plan"
    out = [f"### ivr-ci promote plan: `{md_inline(plan.environment)}` — {status}", ""]
    for run in plan.interrupted:
        out += [f"> [!CAUTION]\n> Run `{md_inline(run['runId'])}` by {md_inline(str(run.get('actor') or '?'))} "
                f"(started {md_inline(str(run.get('startedAt')))}) did not finish. Next: {md_inline(run['next'])}", ""]
        out += [f"- {md_inline(s)}" for s in run["flows"]] + [""]
    out += [f"{_counts(plan)} · plan hash `{plan.hash}`", ""]
    if plan.changed:
        out += ["| # | | Flow | Published now | Change |", "|---|---|---|---|---|"]
        for f in plan.changed:
            after = f" (after {md_inline(', '.join(f.depends_on))})" if f.depends_on else ""
            out.append(f"| {f.order} | {_ICON[f.action]} {f.action} | {md_inline(f.label)} | "
                       f"{md_inline(f.target_version or '—')} | {md_inline(f.change_summary)}{after} |")
        out.append("")
        out += [d for d in (_change_details(f) for f in plan.changed) if d]
    if plan.maintenance:
        out += ["**Maintenance windows**", ""] + [f"- 🛠️ {md_inline(m)}" for m in plan.maintenance] + [""]
    out += _prompt_markdown(plan)
    unchanged = [f for f in plan.flows if not f.changed]
    if unchanged:
        names = ", ".join(md_inline(f.label) for f in unchanged)
        out.append(f"<details><summary>{len(unchanged)} unchanged flow(s)</summary>\n\n{names}\n\n</details>\n")
    locked = [f for f in plan.flows if f.lock and f.changed]
    if locked:
        out.append("**Locked in the target org** (apply refuses unless `--force-unlock`, which discards the draft):\n")
        out += [f"- {md_inline(f.label)}: {md_inline(f.lock.describe() if f.lock else '')}" for f in locked]
        out.append("")
    if plan.findings:
        out += ["| | Location | Message |", "|---|---|---|"]
        out += [f"| {_SEV[f.severity.value]} | {md_inline(f.location())} | {md_inline(f.message)} |"
                for f in plan.findings]
        out.append("")
    if plan.notes:
        out += [f"- {md_inline(n)}" for n in plan.notes] + [""]
    return "\n".join(out) + "\n"


def render_plan(fmt: str, plan: Plan) -> str:
    return {"text": plan_text, "json": plan_json, "markdown": plan_markdown}[fmt](plan)


def apply_text(entry: LedgerEntry) -> str:
    data = entry.to_json()
    lines = [f"promote {data['environment']}: {data['outcome'].upper()} — {data['summary']}",
             f"  run {data['runId']} · plan {data['planHash'][:12]} · {data['durationSeconds']}s"]
    for f in data["flows"]:
        ver = f"{f['previousVersion'] or '-'} -> {f['newVersion'] or '-'}"
        err = f" ({f['error']})" if f.get("error") else ""
        lines.append(f"  {f['status']:12} {f['name']} ({f['type']}) {ver}{err}")
    for w in data.get("maintenance") or []:
        lines += [f"  maintenance: {d}" for d in w.get("description", [])]
    for p in data.get("prompts") or []:
        langs = ", ".join(f"{c['language']} {c['action']}" for c in p["languages"])
        err = f" ({p['error']})" if p.get("error") else ""
        lines.append(f"  {p['status']:12} {p['name']} (prompt) {langs}{err}")
    rb: dict[str, Any] | None = data.get("rollback")
    if rb:
        lines.append(f"  rollback verified: {rb['verified']}")
        for r in rb["flows"]:
            lines.append(f"    {r['action']:9} {r['name']}: {'ok' if r['ok'] else 'FAILED ' + str(r['error'])}")
    return "\n".join(lines) + "\n"


def apply_markdown(entry: LedgerEntry) -> str:
    data = entry.to_json()
    icon = {"success": "✅", "unchanged": "✅", "rolled-back": "↩️", "rollback-failed": "🚨",
            "interrupted": "💀"}.get(data["outcome"], "❔")
    out = [f"### ivr-ci promote `{md_inline(data['environment'])}`: {icon} {data['outcome']}", "",
           md_inline(data["summary"]), "",
           f"run `{data['runId']}` · plan hash `{data['planHash']}` · {data['durationSeconds']}s", ""]
    for w in data.get("maintenance") or []:
        out += [f"- 🛠️ {md_inline(d)}" for d in w.get("description", [])]
    if data.get("maintenance"):
        out.append("")
    if data["flows"]:
        out += ["| Flow | Status | Previous | New | Seconds |", "|---|---|---|---|---|"]
        for f in data["flows"]:
            out.append(f"| {md_inline(f['name'] + ' (' + f['type'] + ')')} | {md_inline(f['status'])} | "
                       f"{md_inline(f['previousVersion'] or '—')} | {md_inline(f['newVersion'] or '—')} | "
                       f"{f['seconds'] if f['seconds'] is not None else '—'} |")
    if data.get("prompts"):
        out += ["", "| Prompt | Status | Languages |", "|---|---|---|"]
        for p in data["prompts"]:
            langs = ", ".join(f"{c['language']}: {c['action']}" + (f" ({', '.join(c['changed'])})" if c["changed"] else "")
                              for c in p["languages"])
            out.append(f"| {md_inline(p['name'])} | {md_inline(p['status'])} | {md_inline(langs or '—')} |")
    body = json.dumps(data, indent=2)
    fence = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", body)), default=0))
    out += ["", "<details><summary>Ledger entry</summary>\n", f"{fence}json", body, fence, "</details>"]
    return "\n".join(out) + "\n"
