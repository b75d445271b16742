"""The offline half of a plan: pick the flow files, apply overlays, render, validate.

Nothing here talks to Genesys; `validate-flow --online` and `promote` both start here.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field

from ivr_ci.config import Config
from ivr_ci.errors import UsageError
from ivr_ci.findings import Finding, Severity
from ivr_ci.flow import expand_paths, load_flow_text
from ivr_ci.flow.yamlpolicy import read_text
from ivr_ci.promote.maintenance_render import add_maintenance, relocate, relocate_block
from ivr_ci.promote.ordering import FlowKey, group_problems, label
from ivr_ci.promote.overlay import MenuOverlay, apply_overlay, matches_flow
from ivr_ci.promote.render import RenderedFlow, render_flow
from ivr_ci.promote.settings import EnvSettings
from ivr_ci.prompts.model import PromptFile


@dataclass
class Release:
    environment: str
    flows: list[RenderedFlow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    prompts: list[PromptFile] = field(default_factory=list)  # the repository's prompt files, rendered

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    def source_hashes(self) -> list[str]:
        """Template hashes of the release (flows and prompt files): `Plan.source_hash` covers the same."""
        from ivr_ci.promote.prompts import prompt_source_sha256

        return [f.source_sha256 for f in self.flows] + [prompt_source_sha256(p) for p in self.prompts if p.ok]

    @property
    def keys(self) -> set[FlowKey]:
        return {(f.yaml_type, f.name) for f in self.flows if f.yaml_type and f.name}


def source_paths(config: Config, paths: list[str]) -> list[str]:
    chosen = list(paths) or [config.resolve(p) for p in config.data.get("flows", [])] or ["."]
    missing = [p for p in chosen if not os.path.exists(p)]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    files = expand_paths(chosen)
    if not files:
        raise UsageError(f"no flow files (*.yaml, *.yml) under {', '.join(chosen)}")
    return files


def _read(path: str) -> str | Finding:
    try:
        return read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return Finding("promote-render", Severity.ERROR, f"cannot read flow file: {reason}", path)


def render_release(config: Config, env: EnvSettings, files: list[str], overlays: list[MenuOverlay],
                   *, groups: list[list[str]] | None = None, all_files: list[str] | None = None) -> Release:
    release = Release(env.name)
    used_overlays: set[int] = set()
    for path in files:
        text = _read(path)
        if isinstance(text, Finding):
            release.findings.append(text)
            continue
        template_doc = load_flow_text(text, path)
        name = template_doc.flow.name if template_doc.flow is not None else None
        for i, overlay in enumerate(overlays):
            if matches_flow(overlay, name, env.substitutions):
                text, notes = apply_overlay(text, overlay, path)
                release.notes.extend(notes)
                release.notes.append(f"{path}: menu overlay {overlay.path} applied to menu '{overlay.menu}' "
                                     "(line numbers below the menu refer to the overlaid text)")
                used_overlays.add(i)
        plain = text
        text, windows, block = add_maintenance(config, env, path, text, name, release.findings)
        rendered, problems = render_flow(path, text, env.values_for(path), env.name, env.terraform_only(path))
        release.findings.extend(relocate_block(problems, path, windows, block))
        if rendered is not None:
            rendered.template_name = str(name) if name is not None else None
            rendered.maintenance, rendered.source_template, rendered.prelude_block = windows, plain, block
            release.flows.append(rendered)
    for i, overlay in enumerate(overlays):
        if i not in used_overlays:
            raise UsageError(f"{overlay.path}: menu overlay names flow '{overlay.flow}', which is not among "
                             "the flows being promoted")
    _duplicates(release)
    release.prompts = _prompts(config, env)
    if groups:
        selected = {n for f in release.flows for n in (f.name, f.template_name) if n}
        known = set(selected)
        for path in all_files or []:
            other = _read(path)
            doc = load_flow_text(other, path) if isinstance(other, str) else None
            if doc is not None and doc.flow is not None and doc.flow.name is not None:
                known |= {str(doc.flow.name), substitute_name(str(doc.flow.name), env)}
        for problem in group_problems(groups, selected, known):
            release.findings.append(Finding("promote-group", Severity.ERROR, problem, config.path or ".ivr-ci.yaml"))
    return release


def _prompts(config: Config, env: EnvSettings) -> list[PromptFile]:
    """Every prompt file of the repository, rendered: prompts ship with every release
    (docs/prompts.md); their problems are IVR7xx findings of the offline checks."""
    from ivr_ci.prompts.load import load_library

    return load_library(config, env.name, values=env.substitutions).files


def substitute_name(name: str, env: EnvSettings) -> str:
    from ivr_ci.promote.render import substitute

    return substitute(name, env.substitutions)[0]


def _duplicates(release: Release) -> None:
    """Two files rendering to the same flow (type + name) would overwrite each other."""
    seen: dict[FlowKey, str] = {}
    for f in release.flows:
        if not f.name or not f.yaml_type:
            continue
        key = (f.yaml_type, f.name)
        if key in seen:
            release.findings.append(Finding("promote-render", Severity.ERROR, (
                f"renders to the same flow as {seen[key]}: {label(key)}; a flow is identified by type and name"),
                f.path, 1, 1, flow=f.name))
        else:
            seen[key] = f.path


def offline_findings(config: Config, release: Release) -> list[Finding]:
    """validate-flow's checks for the environment, as `validate-flow --env NAME` runs them.

    The substitution-aware rules need the placeholders: run on the rendered text, every value
    of the environment looks unused (IVR402). So the rules run on the templates (overlay
    applied) with the environment, and the rendered flows add what only rendering can break:
    their load errors (a value that is not valid YAML where it lands, a duplicate key)."""
    from ivr_ci.rules.engine import Engine

    templates = [load_flow_text(f.template, f.path) for f in release.flows]
    # IVR501 simulates the flow files on disk, not these templates (the overlay applied): path
    # assertions are validate-flow's and `ivr-ci test`'s, as before
    findings = Engine(config, env=release.environment).run("validate-flow", templates, exclude={"IVR501"})
    seen = {(f.rule_id, f.path, f.line) for f in findings}
    for f in release.flows:
        for p in f.doc.problems:
            if (p.rule_id, p.path, p.line) not in seen:
                findings.append(Finding(p.rule_id, p.severity, f"after substitution for '{release.environment}': "
                                        f"{p.message}", p.path, p.line, p.col, flow=f.name))
    return relocate(findings, release.flows)  # lines of a maintenance prelude -> .ivr-ci.yaml


def git_sha(cwd: str | None = None) -> str | None:
    sha = os.environ.get("GITHUB_SHA")
    if sha:
        return sha
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None
