"""`ivr-ci export`: bring an org's flows under version control as parameterised Archy YAML.

1. list the org's flows (one paged listing), keep the published ones matching `--flows`;
2. export them with export jobs, batches in parallel on one rate-limited client;
3. parameterise each (params.py) and check that rendering it gives back the export exactly —
   which is what makes `promote --plan` of the exported tree a no-op;
4. write it where the flow already lives in `--out` (same type and rendered name), else under
   the naming rule (naming.py); an existing file that already renders to the same flow
   (semantically) is left untouched, so hand-made templates survive a re-export.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ivr_ci.audit.naming import assign_paths, display_path
from ivr_ci.audit.params import ReverseMap
from ivr_ci.flow import expand_paths, load_flow_text
from ivr_ci.flow.types import YAML_TYPE_BY_API
from ivr_ci.flow.yamlpolicy import read_text
from ivr_ci.promote.render import substitute
from ivr_ci.util.files import write_atomic

if TYPE_CHECKING:
    from ivr_ci.diff.model import Change
    from ivr_ci.flow.model import Flow
    from ivr_ci.genesys.client import GenesysClient

CREATED, UPDATED, UNCHANGED, FAILED = "created", "updated", "unchanged", "failed"
BATCH = 10  # flows per export job


@dataclass
class OrgFlow:
    id: str
    name: str
    yaml_type: str
    version: str


@dataclass
class ExportedFile:
    flow: OrgFlow
    path: str = ""
    status: str = FAILED
    used: dict[str, int] = field(default_factory=dict)
    ambiguous: dict[str, list[str]] = field(default_factory=dict)
    generic: dict[str, str] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    message: str = ""
    reports: list[tuple[int, str]] = field(default_factory=list)  # (line, a value not reversed and why)


@dataclass
class ExportResult:
    files: list[ExportedFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    prompts: list[Any] = field(default_factory=list)  # ivr_ci.audit.export_prompts.ExportedPrompt

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)


@dataclass
class Existing:
    path: str
    flow: Flow  # the file rendered for the environment


def matches(name: str, patterns: list[str]) -> bool:
    return not patterns or any(fnmatch.fnmatchcase(name.casefold(), p.casefold()) for p in patterns)


def list_org_flows(client: GenesysClient, patterns: list[str], notes: list[str]) -> list[OrgFlow]:
    out = []
    for entity in client.iter_flows():
        name, api = str(entity.get("name") or ""), str(entity.get("type") or "").lower()
        if entity.get("deleted") or not name or not matches(name, patterns):
            continue
        yaml_type = YAML_TYPE_BY_API.get(api)
        version = (entity.get("publishedVersion") or {}).get("id")
        if yaml_type is None:
            notes.append(f"skipped '{name}': flow type {entity.get('type')} has no Archy YAML form")
        elif not version:
            notes.append(f"skipped '{name}' ({yaml_type}): never published, nothing to export")
        else:
            out.append(OrgFlow(str(entity["id"]), name, yaml_type, str(version)))
    return sorted(out, key=lambda f: (f.name.casefold(), f.yaml_type))


def scan_tree(out_dir: str, values: dict[str, str]) -> dict[tuple[str, str], Existing]:
    """Flows already in the tree, by (type, rendered name casefolded)."""
    found: dict[tuple[str, str], Existing] = {}
    if not os.path.isdir(out_dir):
        return found
    for path in expand_paths([out_dir]):
        try:
            text = read_text(path)
        except (OSError, UnicodeDecodeError):
            continue
        doc = load_flow_text(substitute(text, values)[0], path)
        if doc.flow is not None and doc.flow.name is not None:
            found.setdefault((doc.flow.type, str(doc.flow.name).casefold()), Existing(path, doc.flow))
    return found


def export_all(client: GenesysClient, flows: list[OrgFlow], workers: int,
               timeout: float | None) -> dict[str, str | Exception]:
    """{flow id: YAML or the exception of its batch}; batches run in parallel."""
    from ivr_ci.genesys.errors import GenesysError
    from ivr_ci.promote.target import export_published

    batches = [flows[i:i + BATCH] for i in range(0, len(flows), BATCH)]

    def one(batch: list[OrgFlow]) -> dict[str, str | Exception]:
        try:
            return dict(export_published(client, [(f.id, f.version) for f in batch], timeout=timeout))
        except GenesysError as exc:
            return {f.id: exc for f in batch}

    out: dict[str, str | Exception] = {}
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for i, part in enumerate(pool.map(one, batches), start=1):
            out.update(part)
            print(f"export: {min(i * BATCH, len(flows))}/{len(flows)} flow(s) exported", file=sys.stderr, flush=True)
    return out


def _write(item: ExportedFile, text: str, exported: Flow, existing: Existing | None) -> None:
    from ivr_ci.diff import compare_flows
    from ivr_ci.diff.normalize import semantically_equal

    if existing is None:
        write_atomic(item.path, text)
        item.status = CREATED
    elif semantically_equal(existing.flow, exported):
        item.status = UNCHANGED  # the file (maybe hand-made) already renders to what the org has
    else:
        item.changes = compare_flows(existing.flow, exported)
        write_atomic(item.path, text)
        item.status = UPDATED


def materialise(item: ExportedFile, yaml_text: str, rmap: ReverseMap, values: dict[str, str],
                existing: Existing | None) -> None:
    exported = load_flow_text(yaml_text, f"<export of {item.flow.name}>")
    if exported.flow is None:
        first = exported.problems[0].message if exported.problems else "not a flow"
        item.message = f"the exported YAML could not be read: {first}"
        return
    text = yaml_text
    if "{{" in yaml_text:
        item.message = "the exported YAML already contains '{{…}}': written without parameterising"
    else:
        p = rmap.apply(yaml_text)
        if substitute(p.text, values)[0] == yaml_text:  # the round trip promote relies on
            text, item.used, item.ambiguous, item.generic = p.text, p.used, p.ambiguous, p.generic
            item.reports = p.reports
        else:
            item.message = "parameterising would not render back to the export: written as exported"
    _write(item, text if text.endswith("\n") else text + "\n", exported.flow, existing)


def template_guide(dirs: list[str], values: dict[str, str]) -> dict[str, str]:
    """Rendered reference -> the template text that renders to it, from the repository's
    templates (`{{flow_prefix}}Main IVR` -> "Main IVR" even where the prefix is empty): where a
    value alone cannot say where a placeholder goes, the team's own templates can."""
    from ivr_ci.audit.params import reference_templates

    found: dict[str, str] = {}
    conflicts: set[str] = set()
    for path in expand_paths([d for d in dirs if os.path.isdir(d)]):
        try:
            text = read_text(path)
        except (OSError, UnicodeDecodeError):
            continue
        for template in reference_templates(text):
            rendered = substitute(template, values)[0]
            if "{{" in rendered:
                continue
            if found.get(rendered, template) != template:
                conflicts.add(rendered)
            found[rendered] = template
    return {k: v for k, v in found.items() if k not in conflicts}


def run_export(client: GenesysClient, values: dict[str, str], out_dir: str, patterns: list[str], *,
               workers: int = 4, timeout: float | None = None, prompt_dir: str | None = None,
               guide_dirs: list[str] | None = None) -> ExportResult:
    result = ExportResult()
    flows = list_org_flows(client, patterns, result.notes)
    existing = scan_tree(out_dir, values)
    rmap = ReverseMap.build(values, template_guide([out_dir, *(guide_dirs or [])], values))
    items = [ExportedFile(f) for f in flows]
    assign_paths(items, out_dir, rmap, existing)
    yaml_by_id = export_all(client, flows, workers, timeout) if flows else {}
    for item in items:
        got = yaml_by_id.get(item.flow.id)
        if isinstance(got, Exception) or got is None:
            item.message = f"export failed: {str(got).splitlines()[0] if got else 'no YAML returned'}"
            continue
        match = existing.get((item.flow.yaml_type, item.flow.name.casefold()))
        materialise(item, got, rmap, values, match)
    exported = {(f.yaml_type, f.name.casefold()) for f in flows}
    for key, e in sorted(existing.items(), key=lambda kv: kv[1].path):
        if key not in exported and matches(str(e.flow.name), patterns):
            result.notes.append(f"{display_path(e.path)}: flow '{e.flow.name}' ({key[0]}) is not published in the org (left as is)")
    result.files = items
    if prompt_dir is not None:  # the user prompts the exported flows play (export_prompts.py)
        from ivr_ci.audit.export_prompts import export_prompts

        texts = [t for t in yaml_by_id.values() if isinstance(t, str)]
        result.prompts, notes = export_prompts(client, texts, prompt_dir, values, rmap)
        result.notes += notes
    return result


def summary_lines(result: ExportResult) -> list[str]:
    from ivr_ci.diff.model import counts_phrase

    lines = []
    for f in result.files:
        label = f"{f.flow.name} ({f.flow.yaml_type} v{f.flow.version})"
        if f.status == FAILED:
            lines.append(f"failed     {label}: {f.message}")
            continue
        keys = ", ".join(sorted(f.used)) or "none"
        lines.append(f"{f.status:<10} {display_path(f.path)}  {label}  placeholders: {keys}")
        if f.status == UPDATED:
            counts: dict[str, int] = {}
            for c in f.changes:
                counts[c.risk.value] = counts.get(c.risk.value, 0) + 1
            lines.append(f"           changed since the last export: {counts_phrase(counts)}")
            lines += [f"             - {c.where}: {c.summary}" for c in f.changes[:10]]
        lines += [f"           {display_path(f.path)}:{line}: {what}" for line, what in f.reports]
        if f.message:
            lines.append(f"           note: {f.message}")
    if result.prompts:
        from ivr_ci.audit.export_prompts import summary_lines as prompt_lines

        lines += prompt_lines(result.prompts)
    lines += [f"note: {n}" for n in result.notes]
    lines.append(f"export: {result.count(CREATED)} created, {result.count(UPDATED)} updated, "
                 f"{result.count(UNCHANGED)} unchanged, {result.count(FAILED)} failed")
    return lines

