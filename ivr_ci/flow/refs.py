"""Resolve refId paths (`/inboundCall/menus/menu[Main Menu_10]`, `./tasks/task[x]`)."""

from __future__ import annotations

import re
from typing import NamedTuple

from ivr_ci.flow.model import Element, Flow, Menu

_SEGMENT_RE = re.compile(r"([A-Za-z]+)/([A-Za-z]+)\[(.*?)\](?=/|$)")


class RefPath(NamedTuple):  # a tuple: one is parsed per reference, a frozen dataclass is 3x slower
    absolute: bool
    root: str | None  # flow type for absolute refs
    segments: tuple[tuple[str, str, str], ...]  # (container, kind, refId)


def parse_ref(value: str) -> RefPath | None:
    value = value.strip()
    if value.startswith("./"):
        absolute, root, rest = False, None, value[2:]
    elif value.startswith("/"):
        head, _, rest = value[1:].partition("/")
        absolute, root = True, head
    else:
        return None
    segments = []
    pos = 0
    while pos < len(rest):
        m = _SEGMENT_RE.match(rest, pos)
        if not m:
            return None
        segments.append((m.group(1), m.group(2), m.group(3)))
        pos = m.end() + 1
    return RefPath(absolute, root, tuple(segments)) if segments else None


class RefIndex:
    """refId lookups for one flow; built once per flow."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.top: dict[tuple[str, str, str], Element] = {}
        self.duplicates: list[tuple[str, Element, Element]] = []
        for menu in flow.menus:
            self._add(("menus", "menu", menu.ref_id), menu)
        for block in flow.blocks:
            container = {"task": "tasks", "state": "states", "bot": "bots"}.get(block.kind, block.kind + "s")
            self._add((container, block.kind, block.ref_id), block)

    def _add(self, key: tuple[str, str, str | None], element: Element) -> None:
        if key[2] is None:
            return
        k = (key[0], key[1], key[2])
        if k in self.top:
            self.duplicates.append((key[2], self.top[k], element))
        else:
            self.top[k] = element

    def resolve(self, value: str, owner: Element | None = None) -> Element | None:
        ref = parse_ref(value)
        if ref is None:
            return None
        if ref.absolute and ref.root != self.flow.type:
            return None
        segs = list(ref.segments)
        current: Element | None = None
        if not ref.absolute and isinstance(owner, Menu) and segs[0][0] == "choices":
            current = owner
        else:
            current = self.top.get(segs.pop(0))
        for container, kind, ref_id in segs:
            if isinstance(current, Menu) and container == "choices":
                current = next((c for c in current.choices if c.kind == kind and
                                (c.ref_id == ref_id or c.name == ref_id)), None)
            else:
                return None
        return current
