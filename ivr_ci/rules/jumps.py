"""Jumps between a flow's tasks, states and bots, and the cycles among them that never wait.

Used by the graph rules (IVR223). An edge is one jump or call action (`jumpToTask`,
`callTask`, `changeState`...) from the block holding it to the block it names, marked with
whether the caller was asked for something (or time passed) on the way from the block's start
to that action. Jumps to menus are not edges: a menu always waits for the caller.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from ivr_ci.flow.control import WAITING_ACTIONS, action_falls_through, missing_outputs
from ivr_ci.flow.model import Action, Block, Flow, Reference
from ivr_ci.flow.refs import RefIndex
from ivr_ci.util.graphs import cyclic_components, shortest_cycle

JUMP_KEYS = frozenset({"targetTaskRef", "targetStateRef", "targetBotRef"})
# In-queue flows run while the caller waits for an agent: audio there is the waiting itself.
_INQUEUE_WAITS = frozenset({"playAudio", "playEstimatedWaitTime"})
_INQUEUE_TYPES = frozenset({"inqueueCall", "inqueueEmail", "inqueueShortMessage"})


@dataclass(frozen=True)
class Jump:
    source: Block
    target: Block
    action: Action
    waited: bool  # something waited for the caller (or the clock) before this action ran


def label(block: Block) -> str:
    return f"{block.kind} '{block.name if block.name is not None else block.ref_id}'"


class JumpGraph:
    def __init__(self, flow: Flow, refs: RefIndex) -> None:
        self.refs = refs
        self.waits = WAITING_ACTIONS | (_INQUEUE_WAITS if flow.type in _INQUEUE_TYPES else frozenset())
        self._by_owner: dict[str, list[Reference]] = defaultdict(list)
        for r in flow.references:
            if r.key in JUMP_KEYS:
                self._by_owner[r.owner].append(r)
        self._block_waits: dict[int, bool] = {}
        self.blocks = flow.blocks
        self.jumps: list[Jump] = []
        for block in self.blocks:
            self._scan(block.actions, False, block)

    def _targets(self, action: Action) -> Iterator[Block]:
        for r in self._by_owner.get(action.path, ()):
            target = self.refs.resolve(r.value)
            if isinstance(target, Block):
                yield target

    def _scan(self, actions: list[Action], waited: bool, source: Block) -> bool:
        """Record the jumps in a list; returns whether every path through it has waited."""
        for a in actions:
            if a.type in self.waits:
                for path in a.branches.values():
                    self._scan(path, True, source)
                waited = True
                continue
            for target in self._targets(a):
                self.jumps.append(Jump(source, target, a, waited))
                if a.type == "callTask" and self._contains_wait(target):
                    waited = True  # the called task returns here after asking the caller
            outcomes = [self._scan(path, waited, source) for path in a.branches.values()]
            if outcomes and all(outcomes) and not missing_outputs(a):
                waited = True
            if not action_falls_through(a):
                break  # what follows a terminating action never runs
        return waited

    def _contains_wait(self, block: Block) -> bool:
        key = id(block)
        if key not in self._block_waits:
            self._block_waits[key] = any(a.type in self.waits or a.type in ("jumpToMenu", "previousMenu")
                                         for top in block.actions for a in top.walk())
        return self._block_waits[key]

    def spin_cycles(self) -> list[list[Jump]]:
        """One shortest cycle of never-waiting jumps per strongly connected group of blocks."""
        edges: dict[Block, dict[Block, Jump]] = defaultdict(dict)
        for j in sorted(self.jumps, key=lambda j: (j.action.line, j.action.col)):
            if not j.waited:
                edges[j.source].setdefault(j.target, j)

        def succ(b: Block) -> list[Block]:
            return list(edges.get(b, {}))

        cycles = []
        for group in cyclic_components(self.blocks, succ):
            nodes = shortest_cycle(group[0], set(group), succ)
            cycles.append([edges[a][b] for a, b in zip(nodes, nodes[1:], strict=False)])
        return cycles
