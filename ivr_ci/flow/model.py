"""The typed flow model: what checks, diffs, simulation and promote work on.

Every element keeps its Archy path (`/inboundCall/menus/menu[Main Menu_10]`), its file
position and the raw mapping it came from, so unknown keys are never lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ivr_ci.flow.placeholders import Placeholder
from ivr_ci.flow.yamlpos import YMap


@dataclass(eq=False)
class Element:
    path: str  # Archy path, unique within the flow
    line: int
    col: int
    raw: Any = field(repr=False)


@dataclass(eq=False)
class Action(Element):
    type: str = ""
    name: str | None = None
    # output/branch name -> actions (decision yes/no, switch case[i]/default, callData success...)
    branches: dict[str, list[Action]] = field(default_factory=dict)

    def walk(self) -> Iterator[Action]:
        yield self
        for actions in self.branches.values():
            for a in actions:
                yield from a.walk()


@dataclass(eq=False)
class Choice(Element):
    kind: str = ""
    name: str | None = None
    ref_id: str | None = None
    dtmf: Any = None  # raw value, e.g. "digit_1"
    digit: str | None = None  # "1", "*", "#" when dtmf is well formed
    speech_terms: dict[str, list[str]] = field(default_factory=dict)  # language -> terms
    actions: list[Action] = field(default_factory=list)  # menuTask inline task
    target_ref: str | None = None  # menuJumpToTask/menuJumpToMenu target
    menu: Menu | None = field(default=None, repr=False)


@dataclass(eq=False)
class Menu(Element):
    name: str | None = None
    ref_id: str | None = None
    audio: Any = None
    choices: list[Choice] = field(default_factory=list)
    settings: Any = None  # per-menu settingsMenu (noValue = inherit)
    default_child_ref: str | None = None


@dataclass(eq=False)
class Block(Element):
    """A task, state or bot: a named, referable list of actions."""

    kind: str = "task"
    name: str | None = None
    ref_id: str | None = None
    actions: list[Action] = field(default_factory=list)
    variables: Any = None


@dataclass(eq=False)
class Reference:
    """A refId path inside the file (startUpRef, targetTaskRef, ...)."""

    key: str
    value: str
    line: int
    col: int
    owner: str  # Archy path of the element holding the reference


@dataclass(eq=False)
class OrgRef:
    """An org object the flow uses by name (resolved against the target org at publish)."""

    kind: str
    name: str
    line: int
    col: int
    category: str | None = None  # data actions: the integration name
    flow_type: str | None = None  # flow references: yaml flow type when known


@dataclass(eq=False)
class Flow:
    type: str
    name: Any
    path: str  # file path
    raw: YMap = field(repr=False)
    line: int = 1
    division: Any = None
    description: Any = None
    default_language: Any = None
    supported_languages: list[str] = field(default_factory=list)
    start_up_ref: Reference | None = None
    settings: dict[str, Any] = field(default_factory=dict, repr=False)
    initial_greeting: Any = field(default=None, repr=False)
    menus: list[Menu] = field(default_factory=list)
    tasks: list[Block] = field(default_factory=list)
    states: list[Block] = field(default_factory=list)
    bots: list[Block] = field(default_factory=list)
    start_up_actions: list[Action] = field(default_factory=list)
    # startUpState / periodicState of in-queue email/message flows (also listed in `states`)
    entry_states: list[Block] = field(default_factory=list)
    variables: Any = field(default=None, repr=False)
    references: list[Reference] = field(default_factory=list)
    placeholders: list[Placeholder] = field(default_factory=list)
    _org_refs: list[OrgRef] | None = field(default=None, repr=False)
    _org_refs_of: dict[frozenset[str], list[OrgRef]] = field(default_factory=dict, repr=False)

    @property
    def api_type(self) -> str:
        from ivr_ci.flow.types import api_type

        return api_type(self.type)

    @property
    def blocks(self) -> list[Block]:
        return [*self.tasks, *self.states, *self.bots]

    def elements_by_path(self) -> dict[str, Element]:
        index: dict[str, Element] = {}
        for menu in self.menus:
            index[menu.path] = menu
            for c in menu.choices:
                index[c.path] = c
        for block in self.blocks:
            index[block.path] = block
        return index

    def org_references(self, kinds: frozenset[str] | None = None) -> list[OrgRef]:
        """The org objects the flow names, in file order (cached); with `kinds`, only those of
        these kinds: the same list filtered, without working out the positions of the others."""
        if self._org_refs is None and kinds is not None:
            found = self._org_refs_of.get(kinds)
            if found is None:
                from ivr_ci.flow.orgrefs import collect_org_refs

                found = self._org_refs_of[kinds] = collect_org_refs(self, kinds)
            return found
        if self._org_refs is None:
            from ivr_ci.flow.orgrefs import collect_org_refs

            self._org_refs = collect_org_refs(self)
        return self._org_refs if kinds is None else [r for r in self._org_refs if r.kind in kinds]
