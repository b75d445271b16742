"""The simulator and the expression engine import in one direction: no module of
ivr_ci/simulate or ivr_ci/expr imports another that (directly or not) imports it back, at module
level or inside a function (imports under `if TYPE_CHECKING:` are for the type checker only)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ivr_ci/simulate", "ivr_ci/expr")


def _module(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _imports(tree: ast.AST, known: set[str]) -> set[str]:
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if isinstance(child, ast.ImportFrom) and child.module:
                for alias in child.names:
                    sub = f"{child.module}.{alias.name}"
                    out.add(sub if sub in known else child.module)
            elif isinstance(child, ast.Import):
                out.update(a.name for a in child.names)
            visit(child)

    visit(tree)
    return {m for m in out if m in known}


def test_no_import_cycles_in_simulate_and_expr():
    files = [p for pkg in PACKAGES for p in (ROOT / pkg).glob("*.py")]
    known = {_module(p) for p in files}
    graph = {_module(p): _imports(ast.parse(p.read_text(encoding="utf-8")), known) for p in files}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycles.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                dfs(dep)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            dfs(name)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)
    assert "ivr_ci.simulate.valuesof" not in known and "ivr_ci.simulate.evaluate" not in known
