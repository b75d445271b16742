"""Names in a flow: the variables it declares (with their Archy types), the ones it writes.

Archy declares a variable as `- <type>Variable: {name: Scope.x, ...}` in any `variables:`
list (flow, task, state, bot) and writes one through `var:` output wrappers and
`updateData` statements' `variable:` (ivr-ci's ../shared/reference/archy-yaml.md §6).
The type key is the Architect data type without its `Variable` suffix, `…Collection` for a
collection (`stringCollectionVariable`), matched to the catalogue's type names.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ivr_ci.expr.catalogue import Catalogue, Ty, load


@dataclass(frozen=True, slots=True)
class Declared:
    name: str  # as written
    type: Ty | None  # None: a type the 2016 catalogue does not have (json, date, ...)
    archy_type: str


@lru_cache(maxsize=1024)  # a handful of type keys, asked for every declaration and write
def archy_type(key: str, cat: Catalogue | None = None) -> Ty | None:
    """`stringCollection` / `stringCollectionVariable` / `dateTime` -> the catalogue type."""
    cat = cat or load()
    k = key[:-8] if key.endswith("Variable") else key
    array = k.endswith("Collection") and k != "Collection"
    if array:
        k = k[:-10]
    name = cat.type_named(k)
    return Ty(name, array) if name else None


@dataclass
class FlowScan:
    """One walk of a flow's tree: its `exp:` values and its variables."""

    expressions: list[tuple[str, Any, tuple[str, ...]]]  # (text, mapping holding exp, keys to it)
    declared: dict[str, Declared]  # lower-case name -> declaration
    written: set[str]  # lower-case names written by var:/variable:
    written_types: dict[str, Ty | None]  # what the writes say the type is (None: they disagree)

    def variable_types(self) -> dict[str, Ty | None]:
        """Declared types, else the type every write agrees on (updateData statements, typed
        outputs); None where neither says."""
        out: dict[str, Ty | None] = dict(self.written_types)
        out.update((k, d.type) for k, d in self.declared.items())
        return out


# (action, output key) -> the type of the variable a `var:` output writes, from the SDK
# documentation (src/scripting/documentation/<Class>.html)
OUTPUT_TYPES = {
    ("loop", "currentIndex"): "Integer",  # ArchActionLoop.currentIndex: ArchValueInteger
    ("collectInput", "inputData"): "String",  # ArchActionCollectInput.valueVariableInputData: ArchValueString
    ("findSystemPrompt", "findResult"): "Prompt",  # ArchActionFindSystemPrompt.findResult: ArchValuePrompt
    ("findUserPrompt", "findResult"): "Prompt",  # ArchActionFindUserPrompt.findResult: ArchValuePrompt
}


def scan_flow(raw: Any, cat: Catalogue | None = None) -> FlowScan:
    cat = cat or load()
    declared: dict[str, Declared] = {}
    written: set[str] = set()
    typed: dict[str, Ty | None] = {}
    exprs: list[tuple[str, Any, tuple[str, ...]]] = []

    def wrote(name: str, ty: Ty | None) -> None:
        key = name.strip().lower()
        written.add(key)
        if ty is not None or key in typed:
            typed[key] = ty if typed.get(key, ty) == ty else None

    # keys are kept as a cons list (parent, key) and materialised only where an exp stands
    stack: list[tuple[Any, Any]] = [(raw, None)]
    pop, push = stack.pop, stack.append
    while stack:
        node, chain = pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, dict):
                    push((value, (chain, key)))
                    if key.__class__ is str and key.endswith("Variable"):
                        name = value.get("name")
                        if isinstance(name, str) and "." in name:
                            declared[name.strip().lower()] = Declared(name.strip(), archy_type(key, cat),
                                                                      key[:-8])
                elif isinstance(value, list):
                    push((value, (chain, key)))
                elif key == "exp":
                    text = "true" if value is True else "false" if value is False else value
                    if isinstance(text, int):
                        text = str(text)
                    if isinstance(text, str):
                        exprs.append((text, node, _keys(chain)))
                elif key == "variable" and isinstance(value, str):  # updateData: - <type>: {variable: X}
                    wrote(value, archy_type(chain[1], cat) if chain is not None and isinstance(chain[1], str)
                          else None)
                elif key == "var" and isinstance(value, str):
                    out_key = chain[1] if chain is not None else None  # {<output>: {var: X}}
                    action = chain[0][1] if chain is not None and chain[0] is not None else None
                    name = OUTPUT_TYPES.get((action, out_key))  # type: ignore[arg-type]
                    wrote(value, Ty(name) if name else None)
        elif isinstance(node, list):
            for item in node:
                if isinstance(item, (dict, list)):
                    push((item, chain))
    return FlowScan(exprs, declared, written, typed)


def _keys(chain: Any, depth: int = 7) -> tuple[str, ...]:
    out: list[str] = []
    while chain is not None and len(out) < depth:
        chain, key = chain
        out.append(str(key))
    return tuple(reversed(out))


def flow_names(raw: Any, cat: Catalogue | None = None) -> tuple[dict[str, Declared], set[str]]:
    """(declared: lower-case name -> Declared, written: lower-case names) for a flow's tree."""
    scan = scan_flow(raw, cat)
    return scan.declared, scan.written
