"""Names in a flow: the variables it declares (with their Archy types), the ones it writes.

Archy declares a variable as `- <type>Variable: {name: Scope.x, ...}` in any `variables:`
list (flow, task, state, bot) and writes one through `var:` output wrappers and
`updateData` statements' `variable:` (ivr-ci's ../shared/reference/archy-yaml.md §6).
The type key is the Architect data type without its `Variable` suffix, `…Collection` for a
collection (`stringCollectionVariable`), matched to the catalogue's type names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ivr_ci.expr.catalogue import Catalogue, Ty, load


@dataclass(frozen=True, slots=True)
class Declared:
    name: str  # as written
    type: Ty | None  # None: a type the 2016 catalogue does not have (json, date, ...)
    archy_type: str


def archy_type(key: str, cat: Catalogue | None = None) -> Ty | None:
    """`stringCollection` / `stringCollectionVariable` / `dateTime` -> the catalogue type."""
    cat = cat or load()
    k = key[:-8] if key.endswith("Variable") else key
    array = k.endswith("Collection") and k != "Collection"
    if array:
        k = k[:-10]
    name = cat.type_named(k)
    return Ty(name, array) if name else None


def flow_names(raw: Any, cat: Catalogue | None = None) -> tuple[dict[str, Declared], set[str]]:
    """(declared: lower-case name -> Declared, written: lower-case names) for a flow's tree."""
    cat = cat or load()
    declared: dict[str, Declared] = {}
    written: set[str] = set()
    stack = [raw]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, (dict, list)):
                    stack.append(value)
                if not isinstance(key, str):
                    continue
                if key in ("var", "variable") and isinstance(value, str):
                    written.add(value.strip().lower())
                elif key.endswith("Variable") and isinstance(value, dict):
                    name = value.get("name")
                    if isinstance(name, str) and "." in name:
                        declared[name.strip().lower()] = Declared(name.strip(), archy_type(key, cat), key[:-8])
        elif isinstance(node, list):
            stack.extend(node)
    return declared, written
