"""Generate docs/rules.md from the catalogue (a test checks the file is current)."""

from __future__ import annotations

from ivr_ci.rules.catalogue import STAGES, Rule, load_catalogue

_STAGE_TITLES = {"load": "Loading (every stage)"}  # the others are titled by their command name


def render_rules_markdown(rules: list[Rule] | None = None) -> str:
    rules = rules if rules is not None else list(load_catalogue().values())
    out = ["# ivr-ci rules", "",
           "Generated from the rule catalogue (`ivr_ci/rules/`) by `ivr-ci rules --format markdown`;",
           "do not edit by hand. Disable a rule in `.ivr-ci.yaml` (`lint: {disable: [ID]}`), change its",
           "severity (`lint: {severity: {ID: warning}}`), or suppress one line with",
           "`# ivr-ci: disable=ID` on that line or the line above.", "",
           "| id | name | stage | default severity | summary |", "|---|---|---|---|---|"]
    for r in rules:
        out.append(f"| [{r.id}](#{r.id.lower()}) | {r.name} | {r.stage} | {r.severity.value} | {r.summary} |")
    for stage in STAGES:
        group = [r for r in rules if r.stage == stage]
        if not group:
            continue
        out += ["", f"## {_STAGE_TITLES.get(stage, stage)}"]
        for r in group:
            out += ["", f"### {r.id}", "", f"**{r.name}** · default severity: {r.severity.value}", "",
                    r.summary[0].upper() + r.summary[1:] + ".", "", r.rationale, ""]
            if r.options:
                opts = ", ".join(f"`{k}` (default {v!r})" for k, v in r.options.items())
                out += [f"Options: {opts}", ""]
            out += ["Bad:", "", "```yaml", r.bad, "```", "", "Good:", "", "```yaml", r.good, "```"]
    return "\n".join(out) + "\n"
