"""The expression AST: small frozen dataclasses, the contract between parser, checker and
evaluator (see the package docstring for the grammar and what each node means).

Every node carries `start`/`end`: 0-based character offsets into the expression text, `end`
exclusive. Architect's messages count 1-based ("at position 5" is offset 4); use
`ivr_ci.expr.line_col` for a line/column inside a multi-line expression.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Literal:
    """`5` (Integer, value int), `1.50` (Decimal, value Decimal('1.50')), `"a\\n"` (String,
    value unescaped), `true`/`false` (Boolean). `text` is the source spelling."""

    type: str  # "Integer" | "Decimal" | "String" | "Boolean"
    value: int | Decimal | str | bool
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class NotSet:
    """`NOT_SET`: the typed-by-context empty value."""

    start: int
    end: int


@dataclass(frozen=True)
class Placeholder:
    """A `{{key}}` template placeholder standing where an operand would (the text is
    substituted before Archy reads the flow, so its value and type are unknown here)."""

    key: str
    start: int
    end: int


@dataclass(frozen=True)
class Var:
    """A variable reference: `Flow.x`, `Call.Ani`, `Task.y`, `Prompt.Welcome`, as written
    (Architect matches names case-insensitively). Architect lexes `Scope.name` as one
    reference; further `.prop` parts are `Member` nodes on top. A bare identifier (`foo`)
    is a Var with no dot, which Architect rejects as "not a valid function or variable
    reference". `name` may contain `{{key}}` placeholders (`Task.{{prefix}}_x`)."""

    name: str
    start: int
    end: int

    @property
    def scope(self) -> str:
        return self.name.split(".", 1)[0] if "." in self.name else ""


@dataclass(frozen=True)
class Member:
    """`target.name` property access (`Call.Ani` is a Var; `Task.user.email` is
    Member(Var("Task.user"), "email")). `quoted` for Architect's `target."name"` form."""

    target: Node
    name: str
    quoted: bool
    start: int
    end: int
    name_start: int  # offset of the "."


@dataclass(frozen=True)
class Index:
    """`target[index]` (collection item by Integer; JSON/complex property by String)."""

    target: Node
    index: Node
    start: int
    end: int
    bracket: int  # offset of the "["


@dataclass(frozen=True)
class Call:
    """`Name(args)`: `name` as written (functions match case-insensitively)."""

    name: str
    args: tuple[Node, ...]
    start: int
    end: int
    name_end: int


@dataclass(frozen=True)
class Unary:
    """`-x` (op "-", one level only: `--5` is a syntax error), `!x` ("!"), `~x` ("~")."""

    op: str
    operand: Node
    start: int
    end: int


@dataclass(frozen=True)
class Binary:
    """`left op right`; op is one of `+ - * / % ^ == != < <= > >= & | and or` (`and`/`or`
    lower-cased whatever the spelling)."""

    op: str
    left: Node
    right: Node
    start: int
    end: int
    op_start: int


@dataclass(frozen=True)
class Ternary:
    """`cond ? then : otherwise` (Architect's `?` operator; left-associative)."""

    cond: Node
    then: Node
    otherwise: Node
    start: int
    end: int
    op_start: int  # offset of the "?"


Node = Literal | NotSet | Placeholder | Var | Member | Index | Call | Unary | Binary | Ternary


def children(node: Node) -> tuple[Node, ...]:
    """Direct sub-expressions, in source order."""
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Member):
        return (node.target,)
    if isinstance(node, Index):
        return (node.target, node.index)
    if isinstance(node, Ternary):
        return (node.cond, node.then, node.otherwise)
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))
