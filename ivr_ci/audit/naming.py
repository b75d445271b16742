"""Where `ivr-ci export` writes each flow (documented in docs/audit-report.md).

Rule: a flow already in `--out` (same type, same name once rendered for the environment) keeps
its file. Otherwise `<out>/<slug>.yaml`, where the slug is the flow's *parameterised* name
without its placeholders (so `DEV Main IVR` exported from dev and `Main IVR` from prod both give
`main-ivr.yaml`), lower-cased, every run of characters other than a-z and 0-9 turned into one
`-`, trimmed; an empty slug becomes the flow type. When several exported flows (or a flow and
an existing file of another flow) would share a path, each of them gets
`<slug>.<yamlType>.yaml`, and if that still collides, `<slug>.<yamlType>-<first 8 of flow id>.yaml`.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from ivr_ci.audit.params import ReverseMap


class NamedFlow(Protocol):
    """What naming needs of an org flow (export.OrgFlow)."""

    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def yaml_type(self) -> str: ...


class Placed(Protocol):
    """An exported flow to be given a path (export.ExportedFile); naming does not import export."""

    path: str

    @property
    def flow(self) -> NamedFlow: ...


P = TypeVar("P", bound=Placed)

_PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}")


def display_path(path: str) -> str:
    """A path relative to the working directory (the repository root in CI) when inside it."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def slug(name: str, rmap: ReverseMap | None = None, fallback: str = "flow") -> str:
    text = rmap.reverse_reference(name) if rmap is not None else name
    text = _PLACEHOLDER.sub(" ", text)
    out = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")
    return out or fallback


def assign_paths(items: Sequence[P], out_dir: str, rmap: ReverseMap, existing: dict[Any, Any]) -> None:
    """Set `item.path` for every exported flow (see the module docstring)."""
    taken = {os.path.abspath(e.path) for e in existing.values()}
    fresh: list[P] = []
    for item in items:
        match = existing.get((item.flow.yaml_type, item.flow.name.casefold()))
        if match is not None:
            item.path = match.path
        else:
            fresh.append(item)

    def candidates(item: P) -> list[str]:
        base = slug(item.flow.name, rmap, item.flow.yaml_type)
        return [os.path.join(out_dir, f"{base}.yaml"),
                os.path.join(out_dir, f"{base}.{item.flow.yaml_type}.yaml"),
                os.path.join(out_dir, f"{base}.{item.flow.yaml_type}-{item.flow.id[:8]}.yaml")]

    for level in range(3):
        groups: dict[str, list[P]] = defaultdict(list)
        for item in fresh:
            groups[os.path.abspath(candidates(item)[level])].append(item)
        left = []
        for path, group in groups.items():
            if (len(group) == 1 and (path not in taken or level == 2)) or level == 2:
                for item in group:
                    item.path = candidates(item)[level]
                    taken.add(os.path.abspath(item.path))
            else:
                left += group
        fresh = left
        if not fresh:
            break
