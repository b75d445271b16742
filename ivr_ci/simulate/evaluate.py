"""Evaluate parsed Architect expressions against the simulation's variables.

`Unknown` operands make the result unknown (except where the answer does not depend on them:
`false and x`, `true or x`, the branch `If` does not take). NOT_SET where Architect does not allow
it raises FlowRuntimeError, as Architect would invoke the flow's error handling.
"""

from __future__ import annotations

import operator
from datetime import datetime, timedelta
from typing import Any, Protocol

from ivr_ci.simulate.exprparse import ExprSyntaxError, Node, dotted, parse
from ivr_ci.simulate.values import (
    NOT_SET,
    FlowRuntimeError,
    OrgObject,
    PhoneNumber,
    Unknown,
    Unsupported,
    display,
)


class Env(Protocol):
    def lookup(self, parts: list[str]) -> tuple[Any, int]:
        """Value of the longest variable named by a prefix of `parts`, and that prefix's length."""

    def now(self) -> Any:
        """The simulated current time (aware datetime) or Unknown."""


def evaluate_text(text: str, env: Env) -> Any:
    try:
        node = parse(text)
    except ExprSyntaxError as exc:
        raise Unsupported(f"expression not understood: {exc}") from None
    return evaluate(node, env)


def evaluate(node: Node, env: Env) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind in ("name", "attr"):
        parts = dotted(node)
        if parts is not None:
            value, used = env.lookup(parts)
            for key in parts[used:]:
                value = get_attr(value, key)
            return value
        return get_attr(evaluate(node[1], env), node[2])
    if kind == "index":
        return get_index(evaluate(node[1], env), evaluate(node[2], env))
    if kind == "call":
        from ivr_ci.simulate.functions import call

        return call(node[1], node[2], env, evaluate)
    if kind == "un":
        value = evaluate(node[2], env)
        if isinstance(value, Unknown):
            return value
        if node[1] == "not":
            return not as_bool(value, "not")
        if value is NOT_SET:
            raise FlowRuntimeError("negating a NOT_SET value")
        return -_number(value, "-")
    if kind == "bin":
        return _binary(node[1], node[2], node[3], env)
    raise Unsupported(f"expression node {kind}")  # pragma: no cover - parser makes no others


def as_bool(value: Any, where: str) -> bool:
    if value is NOT_SET:
        raise FlowRuntimeError(f"{where}: a NOT_SET boolean")
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise Unsupported(f"{where}: {display(value)!r} is not a boolean")


def _number(value: Any, where: str) -> int | float:
    if isinstance(value, bool):
        raise Unsupported(f"{where}: a boolean used as a number")
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return int(value) if value.strip().lstrip("+-").isdigit() else float(value)
        except ValueError:
            pass
    raise Unsupported(f"{where}: {display(value)!r} is not a number")


def _binary(op: str, left_node: Node, right_node: Node, env: Env) -> Any:
    if op in ("and", "or"):
        left = evaluate(left_node, env)
        if not isinstance(left, Unknown) and as_bool(left, op) is (op == "or"):
            return op == "or"  # short-circuit: the right side does not matter
        right = evaluate(right_node, env)
        if not isinstance(right, Unknown) and as_bool(right, op) is (op == "or"):
            return op == "or"
        if isinstance(left, Unknown):
            return left
        if isinstance(right, Unknown):
            return right
        return op == "and"
    left, right = evaluate(left_node, env), evaluate(right_node, env)
    for v in (left, right):
        if isinstance(v, Unknown):
            return v
    if op in ("==", "!="):
        return equal(left, right) is (op == "==")
    if left is NOT_SET or right is NOT_SET:
        raise FlowRuntimeError(f"operator '{op}' applied to a NOT_SET value")
    if op in ("<", ">", "<=", ">="):
        a, b = _comparable(left, right)
        try:
            return {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}[op](a, b)
        except TypeError:
            raise Unsupported(f"comparing {display(left)!r} with {display(right)!r}") from None
    return _arithmetic(op, left, right)


def _arithmetic(op: str, left: Any, right: Any) -> Any:
    if op == "+" and (isinstance(left, str) or isinstance(right, str)) and not (
            _numeric_text(left) and _numeric_text(right)):
        return _text(left) + _text(right)
    if isinstance(left, (datetime, timedelta)):
        try:
            return {"+": operator.add, "-": operator.sub}[op](left, right)
        except (KeyError, TypeError):
            raise Unsupported(f"'{op}' on {display(left)!r} and {display(right)!r}") from None
    a, b = _number(left, op), _number(right, op)
    if op in ("/", "%") and b == 0:
        raise FlowRuntimeError("division by zero")
    if op == "/":
        result = a / b
        return int(result) if isinstance(a, int) and isinstance(b, int) and result.is_integer() else result
    return {"+": operator.add, "-": operator.sub, "*": operator.mul, "%": operator.mod}[op](a, b)


def _numeric_text(value: Any) -> bool:
    return bool(isinstance(value, (int, float)) and not isinstance(value, bool))


def _text(value: Any) -> str:
    from ivr_ci.simulate.functions import to_string

    text = to_string(value)
    return "" if text is NOT_SET else text


def _comparable(a: Any, b: Any) -> tuple[Any, Any]:
    """Values of (slightly) different Python types that Architect would hold as one type.

    Values given on the command line arrive as text; a numeric string compared with a number is
    compared as a number.
    """
    if isinstance(a, str) and isinstance(b, (int, float)) and not isinstance(b, bool):
        return _number(a, "comparison"), b
    if isinstance(b, str) and isinstance(a, (int, float)) and not isinstance(a, bool):
        return a, _number(b, "comparison")
    return a, b


def equal(a: Any, b: Any) -> bool:
    if a is NOT_SET or b is NOT_SET:
        return a is b
    if isinstance(a, bool) or isinstance(b, bool):
        if isinstance(a, str):
            a = a.lower() == "true" if a.lower() in ("true", "false") else a
        if isinstance(b, str):
            b = b.lower() == "true" if b.lower() in ("true", "false") else b
        return a == b
    if isinstance(a, (OrgObject, PhoneNumber)) or isinstance(b, (OrgObject, PhoneNumber)):
        return str(a) == str(b)
    try:
        a, b = _comparable(a, b)
    except Unsupported:
        return False
    return a == b


def get_attr(value: Any, key: str) -> Any:
    if isinstance(value, Unknown) or value is NOT_SET:
        return value
    if isinstance(value, dict):
        if key in value:
            return value[key]
        low = key.lower()
        for k, v in value.items():
            if str(k).lower() == low:
                return v
        return NOT_SET
    if isinstance(value, (OrgObject, PhoneNumber)):
        return value.attr(key)
    raise Unsupported(f"property '.{key}' of {display(value)!r}")


def get_index(value: Any, index: Any) -> Any:
    for v in (value, index):
        if isinstance(v, Unknown):
            return v
    if value is NOT_SET:
        raise FlowRuntimeError("indexing a NOT_SET collection")
    if isinstance(value, list):
        i = _number(index, "index")
        if not isinstance(i, int) or not 0 <= i < len(value):
            raise FlowRuntimeError(f"index {display(index)} outside a collection of {len(value)}")
        return value[i]
    if isinstance(value, dict):
        return value.get(str(index), NOT_SET)
    raise Unsupported(f"indexing {display(value)!r}")
