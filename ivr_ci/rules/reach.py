"""One graph per flow: what a caller can reach from the start, menu by menu.

Nodes are the flow's menus, menu choices and blocks (tasks, states, bots) plus a synthetic
root (the flow's start). Edges are what running a node can lead to: a menu offers its
choices; a choice or block runs its actions, whose refIds (`callTask`, `jumpToTask`,
`jumpToMenu`, `changeState`, `menuJumpToTask`...) lead on. Flow-level settings that hold
refIds (`settingsKnowledge...targetTaskRef`) are entry points too.

Built once per flow (`FlowContext.menu_graph`) and shared by IVR106/108/109/114/116.
Every computation below is a single linear pass (BFS, Tarjan SCC, bounded label
propagation), so a 10,000-menu flow costs no more per menu than a 1-menu flow.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable

from ivr_ci.flow.model import Action, Block, Choice, Element, Flow, Menu, Reference
from ivr_ci.flow.refs import RefIndex
from ivr_ci.flow.types import LIVE_AGENT_ACTIONS
from ivr_ci.util.graphs import strongly_connected_components

Node = Menu | Choice | Block

# A person answers: ACD, user, group, external number, and dialling a user's extension.
AGENT_ROUTES = LIVE_AGENT_ACTIONS | {"dialByExtension", "menuDialExtension", "menuDialName"}
# The caller leaves for another flow whose routing this file cannot see.
HANDOFFS = frozenset({"transferToFlow", "menuTransferFlow", "callCommonModule"})
# Back to the menu the caller came from.
BACK_ACTIONS = frozenset({"previousMenu", "menuPreviousMenu", "returnToMenu"})


class FlowGraph:
    def __init__(self, flow: Flow, refs: RefIndex) -> None:
        self.flow = flow
        self.refs = refs
        self.root = Block(f"/{flow.type}", flow.line, 1, None, kind="start", name="start",
                          actions=flow.start_up_actions)
        self.unresolved: list[Reference] = []  # reachable refIds that lead nowhere known
        self._by_owner: dict[str, list[Reference]] = defaultdict(list)
        for r in flow.references:
            self._by_owner[r.owner].append(r)
        self.succ: dict[Node, list[Node]] = {}
        self.kinds: dict[Node, set[str]] = {}  # action/choice types each node runs itself
        self.has_start = self._build_root()
        # insertion-ordered (a dict), so messages naming "some other menu" are stable
        self.reachable: dict[Node, None] = self._reach() if self.has_start else {}
        self.menus = [n for n in self.reachable if isinstance(n, Menu)]  # reachable, BFS order
        self._kinds_reached: set[str] | None = None
        self._depth: dict[Menu, int] | None = None
        self._via: dict[Node, Menu | None] = {}
        self._menu_scc: dict[Node, int] | None = None
        self._scc_menus: dict[int, int] = {}
        self._direct: dict[Node, set[str]] | None = None
        self._sources: dict[Node, list[Menu]] | None = None

    # -- construction -------------------------------------------------------------
    def _resolve(self, refs: Iterable[Reference], owner: Element | None) -> list[Node]:
        out: list[Node] = []
        for r in refs:
            target = self.refs.resolve(r.value, owner)
            if isinstance(target, (Menu, Choice, Block)):
                out.append(target)
            else:
                self.unresolved.append(r)
        return out

    def _action_edges(self, node: Node, actions: list[Action], owner: Element | None,
                      extra: list[Reference]) -> None:
        kinds: set[str] = set()
        refs = list(extra)
        for top in actions:
            for a in top.walk():
                kinds.add(a.type)
                refs.extend(self._by_owner.get(a.path, ()))
        self.kinds[node] = kinds
        self.succ[node] = self._resolve(refs, owner)

    def _build_root(self) -> bool:
        prefix = f"/{self.flow.type}/settings"
        extra = [r for r in self.flow.references if r.owner.startswith(prefix)]
        start = self.flow.start_up_ref
        start_target = self.refs.resolve(start.value) if start is not None else None
        self._action_edges(self.root, self.flow.start_up_actions, None, extra)
        if isinstance(start_target, (Menu, Block)):
            self.succ[self.root].insert(0, start_target)
            return True
        if start is None and self.flow.entry_states:  # startUpState, then periodicState on a timer
            self.succ[self.root][:0] = self.flow.entry_states
            return True
        return start is None and bool(self.flow.start_up_actions)

    def successors(self, node: Node) -> list[Node]:
        """Built on first use, so unreachable parts of a flow cost nothing."""
        found = self.succ.get(node)
        if found is not None:
            return found
        if isinstance(node, Menu):
            self.kinds[node] = set()
            self.succ[node] = list(node.choices)
            if node.default_child_ref:  # normally one of its own choices; resolve anyway
                self.succ[node] += self._resolve(self._by_owner.get(node.path, ()), node)
        elif isinstance(node, Choice):
            self._action_edges(node, node.actions, node.menu, self._by_owner.get(node.path, []))
            self.kinds[node].add(node.kind)
        else:
            self._action_edges(node, node.actions, None, [])
        return self.succ[node]

    def _reach(self) -> dict[Node, None]:
        # Every reachable node's successors are computed here, so the passes below read
        # `self.succ[...]` directly instead of calling successors() (~10 calls per node).
        seen: dict[Node, None] = {self.root: None}
        todo: deque[Node] = deque([self.root])
        while todo:
            for s in self.successors(todo.popleft()):
                if s not in seen:
                    seen[s] = None
                    todo.append(s)
        return seen

    # -- queries --------------------------------------------------------------------
    def runs(self, node: Node, kinds: frozenset[str] | set[str]) -> bool:
        self.successors(node)
        return not kinds.isdisjoint(self.kinds[node])

    def reaches(self, kinds: frozenset[str] | set[str]) -> bool:
        """Does anything reachable from the start run one of these action/choice types?"""
        if self._kinds_reached is None:
            self._kinds_reached = set().union(*(self.kinds[n] for n in self.reachable))
        return not kinds.isdisjoint(self._kinds_reached)

    def menu_depth(self, menu: Menu) -> int | None:
        """Fewest menus a caller passes through to reach `menu` (itself included)."""
        if self._depth is None:
            self._depth = self._menu_depths()
        return self._depth.get(menu)

    def menu_path(self, menu: Menu) -> list[Menu]:
        """The menus on one shortest route from the start to `menu`."""
        self.menu_depth(menu)
        path: list[Menu] = []
        current: Menu | None = menu
        while current is not None:  # `via` is a BFS tree: no cycles
            path.append(current)
            current = self._via.get(current)
        return path[::-1]

    def _menu_depths(self) -> dict[Menu, int]:
        # 0-1 BFS: entering a menu costs one level, anything else is free.
        dist: dict[Node, int] = {self.root: 0}
        via: dict[Node, Menu | None] = {self.root: None}
        queue: deque[Node] = deque([self.root])
        while queue:
            node = queue.popleft()
            here = dist[node]
            carried = node if isinstance(node, Menu) else via[node]
            for s in self.succ[node]:
                cost = here + (1 if isinstance(s, Menu) else 0)
                if cost < dist.get(s, cost + 1):
                    dist[s] = cost
                    via[s] = carried
                    if isinstance(s, Menu):
                        queue.append(s)
                    else:
                        queue.appendleft(s)
        self._via = {n: m for n, m in via.items() if isinstance(n, Menu)}
        return {n: d for n, d in dist.items() if isinstance(n, Menu)}

    def reached_from_other_menu(self, menu: Menu) -> Menu | None:
        """Another reachable menu leading to `menu`: its parent on the shortest route if it has one."""
        self.menu_depth(menu)
        if self._via.get(menu) is not None:
            return self._via[menu]
        if self._sources is None:
            self._sources = self._menu_sources()
        return next((m for m in self._sources.get(menu, ()) if m is not menu), None)

    def _menu_sources(self) -> dict[Node, list[Menu]]:
        # Each node keeps up to two distinct source menus: enough to know whether a menu is
        # reached from a menu other than itself, and each node is revisited at most twice.
        labels: dict[Node, list[Menu]] = defaultdict(list)
        todo: list[tuple[Node, Menu]] = []
        for node in self.reachable:
            if isinstance(node, Menu):
                todo.extend((s, node) for s in self.succ[node])
        while todo:
            node, source = todo.pop()
            have = labels[node]
            if len(have) >= 2 or any(m is source for m in have):
                continue
            have.append(source)
            todo.extend((s, source) for s in self.succ[node])
        return labels

    def can_return(self, menu: Menu) -> bool:
        """True if the caller can get from `menu` back to a menu that leads to it."""
        if self._menu_scc is None:
            self._menu_scc = {}
            for index, scc in enumerate(strongly_connected_components(self.reachable, self.succ.__getitem__)):
                for n in scc:
                    self._menu_scc[n] = index
                self._scc_menus[index] = sum(isinstance(n, Menu) for n in scc)
        scc_index = self._menu_scc.get(menu)
        return scc_index is not None and self._scc_menus[scc_index] > 1

    def direct(self, node: Node) -> set[str]:
        """Action/choice types run from `node` before the caller meets another menu."""
        if self._direct is None:
            self._direct = self._direct_kinds()
        return self._direct.get(node, set())

    def _direct_kinds(self) -> dict[Node, set[str]]:
        interesting = AGENT_ROUTES | BACK_ACTIONS | HANDOFFS

        nodes = [n for n in self.reachable if not isinstance(n, Menu)]
        local = {n: [s for s in self.succ[n] if not isinstance(s, Menu)] for n in nodes}
        out: dict[Node, set[str]] = {}
        # successors' components come first
        for scc in strongly_connected_components(nodes, local.__getitem__):
            kinds = set().union(*(self.kinds[n] & interesting for n in scc))
            members = set(scc)
            for n in scc:
                for s in local[n]:
                    if s not in members:
                        kinds |= out[s]
            for n in scc:
                out[n] = kinds
        return out
