"""Load Archy YAML flow files into the typed model, with load problems as findings."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ivr_ci.findings import Finding, Severity
from ivr_ci.flow.build import build_flow
from ivr_ci.flow.model import Action, Block, Choice, Element, Flow, Menu, OrgRef, Reference
from ivr_ci.flow.placeholders import Placeholder
from ivr_ci.flow.types import FLOW_TYPES, TYPE_HINTS, api_type
from ivr_ci.flow.yamlpolicy import read_text
from ivr_ci.flow.yamlpos import YamlSyntaxError, YMap, parse_yaml
from ivr_ci.util.gcpause import paused_gc

__all__ = [
    "Action", "Block", "Choice", "Element", "Flow", "FlowDocument", "Menu", "OrgRef", "Reference",
    "api_type", "load_flow_file", "load_flow_text", "load_flows",
]


@dataclass
class FlowDocument:
    path: str
    text: str
    flow: Flow | None = None
    problems: list[Finding] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)
    kind: str = "flow"  # "prompt": a user prompt file (ivr_ci/prompts), checked by the IVR7xx rules
    _lines: list[str] | None = field(default=None, repr=False)

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines

    @property
    def ok(self) -> bool:
        return self.flow is not None


def _problem(rule_id: str, message: str, path: str, line: int = 1, col: int = 1, **kw: Any) -> Finding:
    return Finding(rule_id, Severity.ERROR, message, path, line, col, **kw)


def load_flow_text(text: str, path: str = "<string>") -> FlowDocument:
    """Parse one flow file. Never raises for bad content: problems become findings."""
    # Loading allocates ~10 objects per line and frees nothing until done; the cyclic GC
    # rescanning that growing heap made big flows superlinear (8x slower at 10k menus). The
    # one pause covers parsing and model building; callers parsing small files need none.
    with paused_gc():
        return _load_flow_text(text, path)


def _load_flow_text(text: str, path: str) -> FlowDocument:
    doc = FlowDocument(path, text)
    try:
        parsed = parse_yaml(text)
    except YamlSyntaxError as exc:
        doc.problems.append(_problem("IVR001", f"not valid YAML: {exc.message}", path, exc.line, exc.col))
        return doc
    doc.placeholders = parsed.placeholders
    for dup in parsed.duplicates:
        doc.problems.append(_problem(
            "IVR002", f"duplicate key '{dup.key}' (first at line {dup.first.line}); "
            "YAML keeps only the last one", path, dup.second.line, dup.second.col))
    if parsed.multiple_documents:
        doc.problems.append(_problem("IVR003", "more than one YAML document; Archy reads one flow per file",
                                     path))
    root = parsed.root
    if isinstance(root, YMap) and len(root) == 1 and "prompt" in root:
        doc.kind = "prompt"  # not a flow: the prompt rules read it (ivr_ci/prompts/load.py)
        return doc
    if not isinstance(root, YMap) or len(root) != 1:
        doc.problems.append(_problem(
            "IVR003", f"a flow file holds one top-level key naming the flow type; found {_describe(root)}",
            path))
        return doc
    ftype = str(next(iter(root)))
    if ftype not in FLOW_TYPES:
        hint = TYPE_HINTS.get(ftype)
        msg = f"unknown flow type '{ftype}'" + (f" (did you mean '{hint}'?)" if hint else "")
        p = root.key_pos.get(ftype)
        # Kept generically: checks and diffs still work on it, but validate reports it.
        doc.problems.append(Finding("IVR003", Severity.WARNING, msg, path, p.line if p else 1,
                                    p.col if p else 1))
    doc.flow = build_flow(root, path)
    doc.flow.placeholders = parsed.placeholders
    return doc


def _describe(root: object) -> str:
    if root is None:
        return "an empty document"
    if isinstance(root, dict):
        return f"the keys {', '.join(map(str, root))}" if root else "an empty mapping"
    if isinstance(root, list):
        return "a list"
    return f"the single value {str(root)[:40]!r}"


def load_flow_file(path: str) -> FlowDocument:
    try:
        text = read_text(path)
    except UnicodeDecodeError as exc:
        doc = FlowDocument(path, "")
        doc.problems.append(_problem("IVR001", f"not UTF-8 text: {exc.reason} at byte {exc.start}", path))
        return doc
    except OSError as exc:
        doc = FlowDocument(path, "")
        doc.problems.append(_problem("IVR001", f"cannot read file: {exc.strerror or exc}", path, 0, 0))
        return doc
    return load_flow_text(text, path)


FLOW_SUFFIXES = (".yaml", ".yml", ".yaml.tftpl", ".yml.tftpl")
PATHS_SUFFIXES = (".paths.yaml", ".paths.yml")


def sibling_paths_file(flow_path: str) -> str | None:
    """main-ivr.yaml -> main-ivr.paths.yaml (or .paths.yml) when it exists."""
    stem = flow_path
    for suffix in (".yaml.tftpl", ".yml.tftpl", ".yaml", ".yml"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    for suffix in PATHS_SUFFIXES:
        if os.path.isfile(stem + suffix):
            return stem + suffix
    return None


def expand_paths(paths: list[str]) -> list[str]:
    """Files as given; directories walked for *.yaml/*.yml (hidden dirs skipped)."""
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            for dirpath, dirnames, filenames in os.walk(p):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if name.endswith(FLOW_SUFFIXES) and not name.endswith(PATHS_SUFFIXES) \
                            and not name.startswith(".ivr-ci"):
                        out.append(os.path.join(dirpath, name))
        else:
            out.append(p)
    return out


def load_flows(paths: list[str]) -> list[FlowDocument]:
    return [load_flow_file(p) for p in expand_paths(paths)]
