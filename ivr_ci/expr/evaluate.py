"""Evaluate an expression AST (ivr_ci.expr.ast) with Architect's semantics.

    value = evaluate_text('7 * 12.2', Bindings())            # Decimal('85.4')
    value = evaluate(parse(text), env)

`env` names the variables (`lookup`) and the clock (`now`). Results are the typed values of
ivr_ci.expr.values. What Architect fails on at runtime raises ExprRuntimeError; arguments no
overload takes raise ExprTypeError; what cannot be known offline raises Unsupported. An
`Unknown` value (a variable the caller did not give) propagates, except where the answer does
not depend on it: `false and x`, `true or x`, the branch If/?: does not take.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from ivr_ci.expr import ops
from ivr_ci.expr.ast import Binary, Call, Index, Literal, Member, Node, Placeholder, Ternary, Unary, Var
from ivr_ci.expr.ast import NotSet as NotSetNode
from ivr_ci.expr.errors import ExprSyntaxError
from ivr_ci.expr.functions import default_registry
from ivr_ci.expr.parser import parse
from ivr_ci.expr.registry import Registry
from ivr_ci.expr.values import (
    NOT_SET,
    Audio,
    EnumValue,
    ExprRuntimeError,
    ExprTypeError,
    NotSet,
    Unknown,
    Unsupported,
    first_unknown,
    is_not_set,
    type_of,
)

# Scopes whose names are enum constants or audio, not variables.
ENUM_SCOPES = frozenset({"format"})
PROMPT_SCOPES = frozenset({"prompt", "promptsystem"})


class Env(Protocol):
    def lookup(self, parts: list[str]) -> tuple[Any, int]:
        """Value of the longest variable named by a prefix of `parts`, and that prefix's length."""

    def now(self) -> datetime | Unknown:
        """The current time (aware datetime), or Unknown."""


class Bindings:
    """A plain environment: given names (case-insensitive) and an optional clock; any other
    name is Unknown (say `--set NAME=...`)."""

    def __init__(self, values: dict[str, Any] | None = None, at: datetime | None = None) -> None:
        self.values = {k.lower(): v for k, v in (values or {}).items()}
        self.at = at

    def lookup(self, parts: list[str]) -> tuple[Any, int]:
        for n in range(len(parts), 0, -1):
            key = ".".join(parts[:n]).lower()
            if key in self.values:
                return self.values[key], n
        dotted = ".".join(parts)
        return Unknown(f"{dotted} (not given; --set {dotted}=…)"), len(parts)

    def now(self) -> datetime | Unknown:
        return self.at if self.at is not None else Unknown("the current time (give --at)")


class ExprNotUnderstood(Unsupported):
    """The text does not parse: the Architect-worded syntax error."""


def evaluate_text(text: str, env: Env, registry: Registry | None = None) -> Any:
    try:
        node = parse(text)
    except ExprSyntaxError as exc:
        raise ExprNotUnderstood(f"expression not understood: {exc}") from None
    return evaluate(node, env, registry)


def evaluate(node: Node, env: Env, registry: Registry | None = None) -> Any:
    return _Evaluator(env, registry or default_registry()).eval(node)


def dotted(node: Node) -> list[str] | None:
    """`Flow.a.b` -> ["Flow", "a", "b"]; None when the chain has calls or indexes."""
    parts: list[str] = []
    while isinstance(node, Member):
        parts.append(node.name)
        node = node.target
    if not isinstance(node, Var):
        return None
    return node.name.split(".") + parts[::-1]


class _Evaluator:
    def __init__(self, env: Env, registry: Registry) -> None:
        self.env = env
        self.registry = registry
        self.dispatch: dict[type, Callable[[Any], Any]] = {
            Literal: self._literal, NotSetNode: self._not_set, Var: self._name, Member: self._name,
            Index: self._index, Call: self._call, Unary: self._unary, Binary: self._binary,
            Ternary: self._ternary, Placeholder: self._placeholder,
        }

    def now(self) -> Any:
        return self.env.now()

    def eval(self, node: Node) -> Any:
        return self.dispatch[type(node)](node)

    def _literal(self, node: Literal) -> Any:
        return node.value

    def _not_set(self, _node: NotSetNode) -> Any:
        return NOT_SET

    def _placeholder(self, node: Placeholder) -> Any:
        raise Unsupported(f"unsubstituted placeholder {{{{{node.key}}}}} (run with --env NAME)")

    def _name(self, node: Var | Member) -> Any:
        parts = dotted(node)
        if parts is None:
            assert isinstance(node, Member)
            return ops.member(self.eval(node.target), node.name)
        scope = parts[0].lower()
        if scope in ENUM_SCOPES:
            return EnumValue(".".join(parts))
        if scope in PROMPT_SCOPES and len(parts) >= 2:
            value: Any = Audio((f"[prompt {parts[0]}.{parts[1]}]",))
            used = 2
        else:
            if len(parts) < 2:
                raise ExprTypeError(f"'{parts[0]}' is not a valid function or variable reference")
            value, used = self.env.lookup(parts)
        for key in parts[used:]:
            value = ops.member(value, key)
        return value

    def _index(self, node: Index) -> Any:
        target, key = self.eval(node.target), self.eval(node.index)
        unknown = first_unknown(target, key)
        if unknown is not None:
            return unknown
        return ops.index(target, key)

    def _call(self, node: Call) -> Any:
        low = node.name.lower()
        lazy = self.registry.lazy.get(low)
        if lazy is not None:
            return lazy[1](self, list(node.args), self.eval)
        entry = self.registry.functions.get(low)
        if entry is None:
            raise Unsupported(f"function {node.name}() is not evaluated by ivr-ci")
        name, fn = entry
        args = [self.eval(a) for a in node.args]
        unknown = first_unknown(*args)
        if unknown is not None:
            return unknown
        try:
            return fn(self, *args)
        except TypeError:
            try:
                inspect.signature(fn).bind(self, *args)
            except TypeError:
                raise ExprTypeError(f"{name}() does not take {len(args)} argument(s)") from None
            raise
        except (ValueError, OverflowError, ArithmeticError) as exc:
            raise ExprRuntimeError(f"{name}(): {exc}") from None

    def _unary(self, node: Unary) -> Any:
        value = self.eval(node.operand)
        if isinstance(value, Unknown):
            return value
        if node.op == "!":
            return ops.logical_not(value)
        if node.op == "~":
            return ops.bit_not(value)
        return ops.negate(value)

    def _binary(self, node: Binary) -> Any:
        op = node.op
        if op in ("and", "or"):
            return self._logical(op, node)
        left, right = self.eval(node.left), self.eval(node.right)
        unknown = first_unknown(left, right)
        if unknown is not None:
            return unknown
        if op == "==":
            return ops.equal(left, right)
        if op == "!=":
            return not ops.equal(left, right)
        if op in ("<", "<=", ">", ">="):
            return ops.order(op, left, right)
        return ops.arithmetic(op, left, right)

    def _logical(self, op: str, node: Binary) -> Any:
        decisive = op == "or"  # the value that decides without the other side
        left = self.eval(node.left)
        if not isinstance(left, Unknown) and _boolean(left, op) is decisive:
            return decisive
        right = self.eval(node.right)
        if not isinstance(right, Unknown) and _boolean(right, op) is decisive:
            return decisive
        if isinstance(left, Unknown):
            return left
        if isinstance(right, Unknown):
            return right
        return not decisive

    def _ternary(self, node: Ternary) -> Any:
        cond = self.eval(node.cond)
        if isinstance(cond, Unknown):
            return cond
        if is_not_set(cond):
            raise ExprRuntimeError("?: the condition is NOT_SET")
        return self.eval(node.then if _boolean(cond, "?") else node.otherwise)


def _boolean(value: Any, op: str) -> bool:
    if isinstance(value, NotSet):
        raise ExprRuntimeError(f"operator '{op}' applied to a NOT_SET Boolean")
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):  # text from the command line
        return value.lower() == "true"
    raise ExprTypeError(f"operator '{op}' takes Booleans, not {type_of(value)}")
