"""Render a flow for one environment: replace each `{{key}}` by its substitution value.

Exactly what Archy and the Terraform provider do (plain text replacement of the tight form
`{{key}}`), so what we check and compare is byte for byte what the import job receives. A
placeholder whose key has no value, or that is spelled with spaces (`{{ key }}`, which Archy
would leave in place), is an error at its file:line instead of a failed import job later.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ivr_ci.findings import Finding, Severity
from ivr_ci.flow import FlowDocument, load_flow_text
from ivr_ci.flow.placeholders import PLACEHOLDER_RE


@dataclass
class RenderedFlow:
    path: str  # the template file (findings point here; rendering keeps line numbers)
    template: str  # the source text (after any menu overlay)
    text: str  # rendered text: what is uploaded
    doc: FlowDocument  # the rendered text loaded into the model
    used_keys: list[str] = field(default_factory=list)
    template_name: str | None = None  # the `name:` as written, placeholders and all
    maintenance: list = field(default_factory=list)  # MaintenanceWindow rendered as a prelude
    source_template: str | None = None  # the template before any maintenance prelude
    prelude_block: tuple[int, int, int] | None = None  # (first line, lines, shift) of the prelude

    @property
    def name(self) -> str | None:
        flow = self.doc.flow
        return str(flow.name) if flow is not None and flow.name is not None else None

    @property
    def yaml_type(self) -> str | None:
        return self.doc.flow.type if self.doc.flow is not None else None

    @property
    def api_type(self) -> str | None:
        return self.doc.flow.api_type if self.doc.flow is not None else None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def source_sha256(self) -> str:
        # the release is the repository's templates: a maintenance prelude (per environment,
        # per render time) must not make `requires:` see a different release
        source = self.source_template if self.source_template is not None else self.template
        return hashlib.sha256(source.encode("utf-8")).hexdigest()


def _error(path: str, line: int, col: int, message: str) -> Finding:
    return Finding("promote-render", Severity.ERROR, message, path, line, col)


def placeholder_problems(text: str, path: str, values: dict[str, str], env: str,
                         terraform_only: dict[str, str] | None = None) -> list[Finding]:
    """Every placeholder of `text` that rendering for `env` would leave in the file."""
    problems: list[Finding] = []
    live = _live_positions(text, path)
    for number, line in enumerate(text.splitlines(), start=1):
        if "{{" not in line:
            continue
        for m in PLACEHOLDER_RE.finditer(line):
            if live is not None and (number, m.start() + 1) not in live:
                continue  # in a YAML comment: never reaches Architect (as validate-flow's IVR401)
            raw = m.group(1)
            key = raw.strip()
            col = m.start() + 1
            if not key:
                problems.append(_error(path, number, col, "empty placeholder '{{}}'"))
            elif raw != key:
                problems.append(_error(path, number, col, (
                    f"placeholder '{m.group(0)}' has spaces inside the braces: Archy only replaces "
                    f"the tight form '{{{{{key}}}}}'")))
            elif key not in values and key in (terraform_only or {}):
                problems.append(_error(path, number, col, (
                    f"the value of '{{{{{key}}}}}' for environment '{env}' is known only to Terraform "
                    f"({(terraform_only or {})[key]}): give it in environments.{env}.substitutions or a tfvars "
                    "file to promote this flow with ivr-ci")))
            elif key not in values:
                known = ", ".join(sorted(values)) or "none"
                problems.append(_error(path, number, col, (
                    f"unknown substitution key '{key}' for environment '{env}' (known keys: {known})")))
    return problems


def _live_positions(text: str, path: str) -> set[tuple[int, int]] | None:
    """(line, col) of the placeholders in keys and values; None when the file does not parse
    (then every placeholder counts, and the load error is reported anyway)."""
    from ivr_ci.rules.substitution import live_placeholders

    doc = load_flow_text(text, path)
    if doc.flow is None:
        return None
    return {(p.line, p.col) for p in live_placeholders(doc)}


def substitute(text: str, values: dict[str, str]) -> tuple[str, list[str]]:
    """Plain replacement of every `{{key}}` with a value; returns the text and keys used."""
    used = []
    for key, value in values.items():
        token = "{{" + key + "}}"
        if token in text:
            used.append(key)
            text = text.replace(token, value)
    return text, sorted(used)


def render_flow(path: str, template: str, values: dict[str, str], env: str,
                terraform_only: dict[str, str] | None = None) -> tuple[RenderedFlow | None, list[Finding]]:
    """The rendered flow, or None with the reasons (file:line) when it cannot be rendered.
    `terraform_only`: key -> why only Terraform knows its value (it cannot be rendered here)."""
    problems = placeholder_problems(template, path, values, env, terraform_only or {})
    for key, value in values.items():
        if "\n" in value or "\r" in value:
            # a line break would shift every line after it and break file:line positions
            problems.append(_error(path, 1, 1, f"substitution '{key}' for environment '{env}' spans several "
                                               "lines; values must be single-line scalars"))
    if problems:
        return None, problems
    text, used = substitute(template, values)
    doc = load_flow_text(text, path)
    from ivr_ci.rules.substitution import live_placeholders

    leftover = live_placeholders(doc)
    if leftover:  # a value that itself contains {{...}}
        return None, [_error(path, leftover[0].line, leftover[0].col,
                             f"rendering left placeholder '{{{{{leftover[0].key}}}}}' "
                             "(a substitution value contains '{{…}}')")]
    return RenderedFlow(path, template, text, doc, used), []
