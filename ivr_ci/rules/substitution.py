"""validate-flow substitution rules (IVR4xx): `{{key}}` placeholders against environments.

Values come from `Config.substitutions(env)` (the environment's `substitutions:` in
`.ivr-ci.yaml` over its Archy options file); positions of the keys are looked up separately
so an unused key is reported on its own line in whichever file defines it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ivr_ci.config import Config, read_yaml_file
from ivr_ci.flow import FlowDocument
from ivr_ci.flow.placeholders import Placeholder, find_placeholders
from ivr_ci.flow.yamlpos import Pos, YMap, YSeq
from ivr_ci.rules.catalogue import Hit, rule
from ivr_ci.rules.context import FlowContext, SetContext


@dataclass(frozen=True)
class KeySource:
    """Where a substitution key is defined."""

    path: str
    line: int
    col: int


def key_sources(config: Config, env: str) -> dict[str, KeySource]:
    """Key -> file position of its definition (`.ivr-ci.yaml` wins over the options file)."""
    spec = config.environment(env)
    out: dict[str, KeySource] = {}
    if spec.get("options_file"):
        opt_path = config.resolve(spec["options_file"])
        options = read_yaml_file(opt_path, "Archy options file", config.options_file_ref(env))
        subs = options.get("substitutions") if isinstance(options, dict) else None
        if isinstance(subs, YMap):
            for k, p in subs.key_pos.items():
                out[str(k)] = KeySource(opt_path, p.line, p.col)
    subs = spec.get("substitutions")
    if isinstance(subs, YMap):
        for k, p in subs.key_pos.items():
            out[str(k)] = KeySource(config.path or ".ivr-ci.yaml", p.line, p.col)
    return out


def _spans(node: Any, out: list[Pos]) -> None:
    """Positions of every scalar (key or value) holding a placeholder."""
    if isinstance(node, YMap):
        for k, v in node.items():
            if isinstance(k, str) and "{{" in k and k in node.key_pos:
                out.append(node.key_pos[k])
            if isinstance(v, str) and "{{" in v and (pos := node.value_pos(k)) is not None:
                out.append(pos)
            elif isinstance(v, (dict, list)):
                _spans(v, out)
    elif isinstance(node, YSeq):
        for i, item in enumerate(node):
            if isinstance(item, str) and "{{" in item and i < len(node.item_pos):
                out.append(node.item_pos[i])
            elif isinstance(item, (dict, list)):
                _spans(item, out)


def live_placeholders(doc: FlowDocument) -> list[Placeholder]:
    """The placeholders that reach Architect: those in keys and values, not in YAML comments."""
    if not doc.placeholders or doc.flow is None:
        return []
    spans: list[Pos] = []
    _spans(doc.flow.raw, spans)

    def inside(ph: Placeholder, p: Pos) -> bool:
        return (p.line, p.col) <= (ph.line, ph.col) < (p.end_line, p.end_col)

    return [ph for ph in doc.placeholders if any(inside(ph, p) for p in spans)]


def _placeholder_docs(docs: list[FlowDocument]) -> Iterator[tuple[FlowDocument, list[Placeholder]]]:
    for doc in docs:
        live = live_placeholders(doc)
        if live:
            yield doc, live


@rule(
    "IVR401", "unresolved-placeholder", stage="validate-flow", severity="error", scope="set",
    summary="a {{key}} placeholder has no value in an environment",
    rationale="""
        Archy's pre-processor (and the Terraform provider) replaces `{{key}}` with the value from
        the environment's substitutions before publishing; a key without a value fails the
        publish ("substitution key ... was not found in the options file"). With `--env NAME`
        every placeholder must resolve in that environment. Without `--env`, every environment
        configured in `.ivr-ci.yaml` must define every key, so a missing value is caught before
        promotion day. With no environments configured, placeholders are not checked.
    """,
    bad="""
        # .ivr-ci.yaml
        environments:
          prod: {substitutions: {flow_name: Main IVR}}
        # flow
        inboundCall:
          name: {{flow_name}}
          division: {{division}}
    """,
    good="""
        # .ivr-ci.yaml
        environments:
          prod: {substitutions: {flow_name: Main IVR, division: Home}}
        # flow
        inboundCall:
          name: {{flow_name}}
          division: {{division}}
    """,
)
def unresolved_placeholder(ctx: SetContext) -> Iterator[Hit]:
    if ctx.env:
        for doc, placeholders in _placeholder_docs(ctx.docs):
            values = ctx.config.substitutions(ctx.env, doc.path)
            only_terraform = ctx.config.terraform_only(ctx.env, doc.path)
            for ph in placeholders:
                if ph.key not in values and ph.key not in only_terraform:
                    yield Hit(ph.line, ph.col, path=doc.path, message=(
                        f"placeholder {{{{{ph.key}}}}} has no value in environment '{ctx.env}'"))
        return
    envs = sorted(ctx.config.environments)
    if not envs:
        return
    for doc, placeholders in _placeholder_docs(ctx.docs):
        # a value only Terraform knows is a value: IVR212 notes it, it is not missing
        by_env = {name: {**ctx.config.terraform_only(name, doc.path), **ctx.config.substitutions(name, doc.path)}
                  for name in envs}
        for ph in placeholders:
            lacking = [name for name in envs if ph.key not in by_env[name]]
            if lacking:
                having = [name for name in envs if name not in lacking]
                also = f" (defined in: {', '.join(having)})" if having else ""
                yield Hit(ph.line, ph.col, path=doc.path, message=(
                    f"placeholder {{{{{ph.key}}}}} has no value in environment"
                    f"{'s' if len(lacking) > 1 else ''} {', '.join(lacking)}{also}"))


@rule(
    "IVR402", "unused-substitution", stage="validate-flow", severity="warning", scope="set",
    summary="an environment defines a substitution no checked flow uses",
    rationale="""
        With `--env NAME`, a key of that environment's substitutions that no placeholder in the
        checked files uses is usually a leftover from a rename (`queue` vs `queue_name`), so the
        flow silently keeps the old value. Reported on the key's own line in `.ivr-ci.yaml` or
        the Archy options file. Run it over all flow files (as CI does): a run over a few
        changed files sees only their placeholders.
    """,
    bad="""
        environments:
          prod:
            substitutions:
              queue: Sales EMEA        # the flows use {{queue_name}}
    """,
    good="""
        environments:
          prod:
            substitutions:
              queue_name: Sales EMEA
    """,
)
def unused_substitution(ctx: SetContext) -> Iterator[Hit]:
    if not ctx.env:
        return
    used = {ph.key for _, placeholders in _placeholder_docs(ctx.docs) for ph in placeholders}
    used |= {ph.key for pf in ctx.prompts.files for ph in find_placeholders(pf.template)}  # prompt files
    values = ctx.config.substitutions(ctx.env)
    sources = key_sources(ctx.config, ctx.env)
    checked = len(ctx.docs)
    for key in values:
        if key in used:
            continue
        src = sources.get(key) or KeySource(ctx.config.path or ".ivr-ci.yaml", 1, 1)
        yield Hit(src.line, src.col, path=src.path, message=(
            f"substitution '{key}' of environment '{ctx.env}' is used by none of the "
            f"{checked} flow file{'s' if checked != 1 else ''} checked"))


@rule(
    "IVR212", "terraform-only-value", stage="validate-flow", severity="info", scope="set",
    summary="a placeholder's value is known only to Terraform (a data source, another resource's attribute...)",
    rationale="""
        With `environments.E.terraform:` (docs/terraform.md) each flow file's values come from the
        `substitutions` of the `genesyscloud_flow` resource that deploys it. Literals and `var.x`
        (from `tfvars:` or the variable's default) are checked like any substitution; a value such
        as `data.genesyscloud_auth_division_home.home.name` or `genesyscloud_routing_queue.q.name`
        exists only when Terraform runs. That is not a missing placeholder (IVR401): the note
        names the expression so the reader knows what was not checked. Give the value in the
        environment's `substitutions:` or a tfvars file to have it checked (and simulated).
    """,
    bad="""
        substitutions = {
          division = data.genesyscloud_auth_division_home.home.name
        }
    """,
    good="""
        substitutions = {
          division = var.division   # prod.tfvars: division = "Home"
        }
    """,
)
def terraform_only_value(ctx: SetContext) -> Iterator[Hit]:
    envs = [ctx.env] if ctx.env else sorted(ctx.config.environments)
    for doc, placeholders in _placeholder_docs(ctx.docs):
        for name in envs:
            only = ctx.config.terraform_only(name, doc.path)
            if not only:
                continue
            resource = ctx.config.terraform_resource(name, doc.path)
            for ph in placeholders:
                value = only.get(ph.key)
                if value is not None:
                    yield Hit(ph.line, ph.col, path=doc.path, message=(
                        f"{{{{{ph.key}}}}} in environment '{name}' is known only to Terraform: {value.unknown} "
                        f"({resource.address} at {value.path}:{value.line}); not checked"))


_SPACED_RE = re.compile(r"\{\{(\s+[^{}\n]*|[^{}\n]*\s+)\}\}")


@rule(
    "IVR403", "placeholder-format", stage="validate-flow", severity="warning",
    summary="a placeholder is written with spaces inside the braces, or with no key",
    rationale="""
        The Terraform provider substitutes by plain text replacement of `{{key}}`, so
        `{{ key }}` is never replaced and reaches Architect verbatim (a queue literally named
        "{{ queue_name }}"). Archy's own options-file keys cannot be empty or padded either.
        Write placeholders tight: `{{queue_name}}`.
    """,
    bad="""
        targetQueue:
          lit:
            name: "{{ queue_name }}"
    """,
    good="""
        targetQueue:
          lit:
            name: "{{queue_name}}"
    """,
)
def placeholder_format(ctx: FlowContext) -> Iterator[Hit]:
    for ph in live_placeholders(ctx.doc):
        text = ctx.doc.lines[ph.line - 1] if 0 < ph.line <= len(ctx.doc.lines) else ""
        m = _SPACED_RE.match(text, ph.col - 1)
        if not ph.key:
            yield Hit(ph.line, ph.col, "placeholder '{{}}' names no key")
        elif m:
            yield Hit(ph.line, ph.col, f"placeholder '{m.group(0)}' has spaces inside the braces; "
                                       f"write '{{{{{ph.key}}}}}' or it is not substituted")
