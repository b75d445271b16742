"""What a rule sees: one flow (FlowContext) or the whole set of files (SetContext)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ivr_ci.flow import FlowDocument
from ivr_ci.flow.model import Flow
from ivr_ci.flow.refs import RefIndex
from ivr_ci.flow.yamlpos import key_col, key_line

__all__ = ["FlowContext", "SetContext", "key_col", "key_line"]  # key_*: re-exported for the rules

if TYPE_CHECKING:
    from ivr_ci.config import Config
    from ivr_ci.prompts.load import PromptLibrary
    from ivr_ci.rules.reach import FlowGraph


@dataclass
class FlowContext:
    doc: FlowDocument
    config: Config
    options: dict[str, Any] = field(default_factory=dict)  # this rule's options (defaults + config)
    env: str | None = None  # --env NAME for substitution checks
    # what a rule family computes once per flow and its rules share (key: the family's name);
    # the family owns the value and its type (e.g. rules.expressions.analysis)
    shared: dict[str, Any] = field(default_factory=dict)

    @property
    def flow(self) -> Flow:
        assert self.doc.flow is not None
        return self.doc.flow

    @cached_property
    def refs(self) -> RefIndex:
        return RefIndex(self.flow)

    @cached_property
    def menu_graph(self) -> FlowGraph:
        """Reachability from the flow's start, built once and shared by the rules that need it."""
        from ivr_ci.rules.reach import FlowGraph

        return FlowGraph(self.flow, self.refs)



@dataclass
class SetContext:
    docs: list[FlowDocument]
    config: Config
    options: dict[str, Any] = field(default_factory=dict)
    env: str | None = None

    @property
    def flows(self) -> list[Flow]:
        return [d.flow for d in self.docs if d.flow is not None]

    @cached_property
    def prompts(self) -> PromptLibrary:
        """The repository's user prompts (rendered for `env`), plus prompt files named in the run."""
        from ivr_ci.prompts.load import load_library

        return load_library(self.config, self.env, [d.path for d in self.docs if d.kind == "prompt"])
