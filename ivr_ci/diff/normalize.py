"""Canonical form of a flow for semantic comparison (diff, promote's "unchanged" check).

What does not change what Genesys deploys is normalised away:
* YAML formatting, quoting and mapping-key order (`lit: 10` == `lit: "10"`, keys sorted when hashed);
* `noValue: true` leaves (exports write one for every unset property) and blocks left empty
  once those are gone (a `settingsMenu` of nothing but `noValue`s == no `settingsMenu`);
* refId renumbering: menus/tasks/states/bots and menu choices are keyed by their *name* (refId only
  when the name is missing or not unique), and every refId reference (`startUpRef`,
  `targetTaskRef`, relative `./choices/...`) is rewritten to the canonical id it resolves to;
* the order of `menus`/`tasks`/`states`/`bots`, of a menu's choices and of `variables`
  declarations (all addressed by id/name, not by position). Action order is kept: it runs in order.
* org-object names used as mapping keys (`callData.category.<integration>.dataAction.<action>`,
  `dataTable.<table>`, `botFlow.<flow>.<version>`, `lexBot.<region>.<bot>...`) become values
  (`{"@integration": ..., "@dataAction": ...}`) so a renamed data action is a changed value,
  not a different key path.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any

from ivr_ci.flow.model import Element, Flow, Menu
from ivr_ci.flow.refs import parse_ref
from ivr_ci.flow.types import REF_KEYS

__all__ = ["Canonicalizer", "canonical", "canonical_hash", "canonical_scalar", "semantically_equal"]

ABSENT: Any = object()  # a value that normalises to "not set"

_WRAPPERS = frozenset({"lit", "exp", "var", "noValue", "none", "tts", "prompt"})
# key -> labels of the nested levels whose keys are org-object names (see module docstring)
_NAME_KEYED: dict[str, tuple[str, ...]] = {
    "category": ("@integration",),
    "dataAction": ("@dataAction",),
    "dataTable": ("@dataTable",),
    "botFlow": ("@flow", "@version"),
    "digitalBotFlow": ("@flow", "@version"),
    "commonModule": ("@flow", "@version"),
    "screenPopScript": ("@script",),
    "lexBot": ("@region", "@bot", "@language", "@alias"),
}
_CONTAINERS = {"menus": "menu", "tasks": "task", "states": "state", "bots": "bot"}
_UNORDERED_DECLS = frozenset({"variables", "startUpTaskVariables"})
_ELEMENT_ID_KEY = "refId"


def canonical_scalar(value: Any) -> Any:
    """One spelling per value: quoting and YAML typing do not matter (`10` == `"10"`)."""
    if value is None:
        return ABSENT
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value.replace("\r\n", "\n")
    return str(value)


class Canonicalizer:
    """Per-flow: canonical ids for addressable elements and canonical values for any sub-tree."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        # (container, kind, refId) -> canonical id, e.g. "menu:Main Menu"
        self._top: dict[tuple[str, str, str], str] = {}
        self._by_element: dict[int, str] = {}
        # canonical menu id -> {refId or name -> canonical choice id}
        self._choices: dict[int, dict[str, str]] = {}
        self._menus: dict[str, Menu] = {}  # canonical id -> menu (to resolve ./choices refs)
        # canonical id -> id to report instead: the diff maps an old version's renamed elements
        # to their new names so references to them do not show up as reroutes
        self.aliases: dict[str, str] = {}
        self._assign_ids()

    # ---- ids -------------------------------------------------------------------------------
    def _assign_ids(self) -> None:
        groups: list[tuple[str, list[Any]]] = [("menus", self.flow.menus), ("tasks", self.flow.tasks),
                                                ("states", self.flow.states), ("bots", self.flow.bots)]
        for container, elements in groups:
            ids = _unique_ids([(e.name, e.ref_id, i) for i, e in enumerate(elements)])
            for element, cid in zip(elements, ids, strict=True):
                kind = getattr(element, "kind", "menu")
                full = f"{kind}:{cid}"
                self._by_element[id(element)] = full
                if element.ref_id is not None:
                    self._top.setdefault((container, kind, element.ref_id), full)
        for menu in self.flow.menus:
            self._menus.setdefault(self._by_element[id(menu)], menu)
            ids = _unique_ids([(c.name, c.ref_id, i) for i, c in enumerate(menu.choices)])
            table: dict[str, str] = {}
            for choice, cid in zip(menu.choices, ids, strict=True):
                full = f"{self._by_element[id(menu)]}/choice:{cid}"
                self._by_element[id(choice)] = full
                for alias in (choice.name, choice.ref_id):
                    if alias is not None:
                        table.setdefault(f"{choice.kind}[{alias}]", full)
            self._choices[id(menu)] = table

    def element_id(self, element: Element) -> str:
        """Canonical id of a menu, choice, task, state or bot (stable across refId renumbering)."""
        return self._by_element.get(id(element), element.path)

    def ref(self, value: str, menu: Menu | None = None) -> str:
        """A refId reference rewritten to the canonical id it resolves to (else kept as written)."""
        parsed = parse_ref(value)
        if parsed is None or (parsed.absolute and parsed.root != self.flow.type):
            return value.strip()
        segs = list(parsed.segments)
        current: str | None = None
        if not parsed.absolute and menu is not None and segs[0][0] == "choices":
            owner: Menu | None = menu
        else:
            current = self._top.get(segs.pop(0))
            if current is None:
                return value.strip()
            owner = self._menus.get(current)
        for container, kind, ref_id in segs:
            if container != "choices" or owner is None:
                return value.strip()
            current = self._choices.get(id(owner), {}).get(f"{kind}[{ref_id}]")
            if current is None:
                return value.strip()
            owner = None
        return self.aliases.get(current, current) if current else value.strip()

    # ---- values ----------------------------------------------------------------------------
    def value(self, node: Any, menu: Menu | None = None, key: str | None = None,
              skip_actions: bool = False) -> Any:
        """Canonical form of any sub-tree; `ABSENT` when it normalises to "not set".

        `skip_actions` leaves out nested `actions:` lists (the diff aligns those separately).
        """
        if isinstance(node, dict):
            return self._mapping(node, menu, key, skip_actions)
        if isinstance(node, list):
            return self._sequence(node, menu, key, skip_actions)
        return canonical_scalar(node)

    def _mapping(self, node: dict, menu: Menu | None, parent: str | None, skip: bool = False) -> Any:
        if node.get("noValue") is True and len(node) == 1:
            return ABSENT
        names = _NAME_KEYED.get(parent or "")
        if names and node and not (set(map(str, node)) & _WRAPPERS):
            return self._name_keyed(node, names, menu, skip)
        out: dict[str, Any] = {}
        for k, v in node.items():
            key = str(k) if k is not None else "null"
            if key == _ELEMENT_ID_KEY and parent == "task":
                continue  # an inline menu task's refId: renumbered freely, never referenced
            if key in REF_KEYS and isinstance(v, str):
                out[key] = self.ref(v, menu)
                continue
            if skip and key == "actions" and isinstance(v, list):
                continue
            cv = self.value(v, menu, key, skip)
            if cv is not ABSENT and not (key == "description" and cv == ""):
                out[key] = cv
        return out if out else ABSENT

    def _name_keyed(self, node: dict, labels: tuple[str, ...], menu: Menu | None,
                    skip: bool = False) -> Any:
        entries: list[dict[str, Any]] = []
        for name, body in node.items():
            head = {labels[0]: canonical_scalar(name)}
            if len(labels) > 1 and isinstance(body, dict) and len(body) == 1 and \
                    not (set(map(str, body)) & _WRAPPERS):
                inner = self._name_keyed(body, labels[1:], menu, skip)
                entry = {**head, **inner} if isinstance(inner, dict) else head
            else:
                cv = self.value(body, menu, None, skip)
                entry = {**head, **cv} if isinstance(cv, dict) else \
                    (head if cv is ABSENT else {**head, "@value": cv})
            entries.append(entry)
        if len(entries) == 1:
            return entries[0]
        # several objects under one key: a list sorted by name (key order is not meaningful)
        return {"@items": sorted(entries, key=_sort_key)}

    def _sequence(self, node: list, menu: Menu | None, parent: str | None, skip: bool = False) -> Any:
        items = [cv for cv in (self.value(v, menu, None, skip) for v in node) if cv is not ABSENT]
        if not items:
            return ABSENT
        if parent in _UNORDERED_DECLS:
            return sorted(items, key=_sort_key)
        return items

    # ---- whole flow ------------------------------------------------------------------------
    def element_body(self, element: Element, menu: Menu | None = None) -> dict[str, Any]:
        """An element's own settings (no refId, no choices/actions handled elsewhere)."""
        raw = element.raw if isinstance(element.raw, dict) else {}
        ctx = element if isinstance(element, Menu) else menu
        body = {k: v for k, v in raw.items() if k != _ELEMENT_ID_KEY and k != "choices"}
        cv = self._mapping(body, ctx, None) if body else ABSENT
        return cv if isinstance(cv, dict) else {}

    def top_level(self) -> dict[str, Any]:
        """Flow-level properties (name, settings, startUpRef...), without the containers."""
        raw = self.flow.raw if isinstance(self.flow.raw, dict) else {}
        top = self._mapping({k: v for k, v in raw.items() if k not in _CONTAINERS}, None, None)
        return {"@type": self.flow.type, **(top if isinstance(top, dict) else {})}

    def canonical(self) -> dict[str, Any]:
        out = self.top_level()
        for container, elements in (("menus", self.flow.menus), ("tasks", self.flow.tasks),
                                    ("states", self.flow.states), ("bots", self.flow.bots)):
            if not elements:
                continue
            group: dict[str, Any] = {}
            for element in elements:
                body = self.element_body(element)
                if isinstance(element, Menu):
                    choices = {}
                    for choice in element.choices:
                        cbody = self.element_body(choice, element)
                        choices[self.element_id(choice)] = {"@kind": choice.kind, **cbody}
                    if choices:
                        body["choices"] = choices
                group[self.element_id(element)] = body
            out[container] = group
        return out


def _unique_ids(items: list[tuple[Any, str | None, int]]) -> list[str]:
    """Name when unique among its siblings, else name@refId, else #position."""
    counts: dict[str, int] = {}
    for name, _, _ in items:
        if name is not None:
            counts[str(name)] = counts.get(str(name), 0) + 1
    out = []
    for name, ref_id, index in items:
        if name is not None and counts[str(name)] == 1:
            out.append(str(name))
        elif ref_id is not None:
            out.append(f"{name}@{ref_id}" if name is not None else f"@{ref_id}")
        else:
            out.append(f"{name}#{index}" if name is not None else f"#{index}")
    return out


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def canonical(flow: Flow) -> dict[str, Any]:
    """The canonical, JSON-able form of `flow`; equal for semantically equal flows."""
    return Canonicalizer(flow).canonical()


def canonical_hash(flow: Flow) -> str:
    """Stable sha256 (hex) of the canonical form: same on every machine and Python version."""
    text = json.dumps(canonical(flow), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def semantically_equal(flow_a: Flow, flow_b: Flow) -> bool:
    return canonical(flow_a) == canonical(flow_b)


def leaves(value: Any, prefix: str = "", skip: frozenset[str] = frozenset()) -> Iterator[str]:
    """`path=value` strings of a canonical value's leaves, keys in `skip` left out at any depth."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in skip:
                yield from leaves(v, f"{prefix}/{k}", skip)
    elif isinstance(value, list):
        for v in value:
            yield from leaves(v, prefix + "[]", skip)
    else:
        yield f"{prefix}={value}"


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def most_alike_pairs(old: list[Any], new: list[Any], score: Callable[[Any, Any], float],
                     threshold: float) -> list[tuple[Any, Any]]:
    """Pairs of `old` and `new` items scoring at least `threshold`, the most alike first, each item
    used once (greedy: what the diff needs to name renames, not an optimal assignment)."""
    scored = sorted(((score(x, y), i, j) for i, x in enumerate(old) for j, y in enumerate(new)), reverse=True)
    used_a: set[int] = set()
    used_b: set[int] = set()
    pairs = []
    for value, i, j in scored:
        if value < threshold:
            break
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((old[i], new[j]))
    return pairs


def content_similarity(a: dict[str, Any], b: dict[str, Any]) -> float:
    """How alike two elements' canonical bodies are, 0..1, their own names left out: the mean of
    the Jaccard similarity of their leaves (paths with values) and of their shapes (paths alone),
    so an element whose structure is kept but whose text was reworded still scores high."""
    la = set(leaves({k: v for k, v in a.items() if k != "name"}))
    lb = set(leaves({k: v for k, v in b.items() if k != "name"}))
    sa = {x.partition("=")[0] for x in la}
    sb = {x.partition("=")[0] for x in lb}
    return (jaccard(la, lb) + jaccard(sa, sb)) / 2
