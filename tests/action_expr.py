"""A minimal evaluator of GitHub Actions `${{ }}` expressions, for tests/action_harness.py.

Supports: literals ('str' with '' escapes, numbers, true/false/null), context paths
(`inputs.x`, `steps.id.outputs.name`, `env.X`, `github.event.pull_request.number`,
`runner.temp`, `a['b']`), `!`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `&&`, `||`, parentheses, and
the functions success(), failure(), always(), cancelled(), contains(), startsWith(),
endsWith(), format(), toJSON(), fromJSON(). Semantics follow the GitHub docs: string equality
ignores case, mixed types compare as numbers, `&&`/`||` return an operand, missing
properties are null, and null/false/0/'' are falsy.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\],.])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*)|(?P<star>\*))"
)


class ExpressionError(ValueError):
    """An expression the harness cannot evaluate (or one GitHub would reject)."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise ExpressionError(f"cannot parse expression at {text[pos:]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def to_str(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2)
    return str(value)


def truthy(value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False
    return value not in (None, False, 0, "")


def _num(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip()) if value.strip() else 0.0
        except ValueError:
            return math.nan
    return math.nan


def _compare(op: str, a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        x: Any = a.casefold()
        y: Any = b.casefold()
    elif type(a) is type(b) and not isinstance(a, (str, int, float)):
        x, y = id(a), id(b)  # objects: equal only when the same instance
        if op not in ("==", "!="):
            return False
    else:
        x, y = _num(a), _num(b)
        if math.isnan(x) or math.isnan(y):
            return op == "!="
    return {"==": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


class Evaluator:
    """Evaluate expressions against `contexts` (name -> value or a callable resolving a path)."""

    def __init__(self, contexts: Mapping[str, Any], job_status: str = "success") -> None:
        self.contexts = contexts
        self.job_status = job_status
        self.used_status_function = False

    def evaluate(self, text: str) -> Any:
        self._toks = _tokens(text)
        self._i = 0
        value = self._or()
        if self._i != len(self._toks):
            raise ExpressionError(f"unexpected {self._toks[self._i][1]!r} in {text!r}")
        return value

    def _peek(self) -> str | None:
        return self._toks[self._i][1] if self._i < len(self._toks) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        if self._i >= len(self._toks):
            raise ExpressionError("unexpected end of expression")
        tok = self._toks[self._i]
        if expected is not None and tok[1] != expected:
            raise ExpressionError(f"expected {expected!r}, got {tok[1]!r}")
        self._i += 1
        return tok

    def _or(self) -> Any:
        left = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            left = left if truthy(left) else right
        return left

    def _and(self) -> Any:
        left = self._cmp()
        while self._peek() == "&&":
            self._take()
            right = self._cmp()
            left = right if truthy(left) else left
        return left

    def _cmp(self) -> Any:
        left = self._unary()
        while self._peek() in ("==", "!=", "<", "<=", ">", ">="):
            op = self._take()[1]
            left = _compare(op, left, self._unary())
        return left

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not truthy(self._unary())
        return self._postfix(self._primary())

    def _primary(self) -> Any:
        kind, text = self._take()
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text) if "." in text else int(text)
        if text == "(":
            value = self._or()
            self._take(")")
            return value
        if kind != "name":
            raise ExpressionError(f"unexpected {text!r}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self._peek() == "(":
            return self._call(text)
        if text not in self.contexts:
            raise ExpressionError(f"unknown context {text!r}")
        return self.contexts[text]

    def _postfix(self, value: Any) -> Any:
        while self._peek() in (".", "["):
            if self._take()[1] == ".":
                key: Any = self._take()[1]
            else:
                key = self._or()
                self._take("]")
            value = value(key) if callable(value) else _index(value, key)
        return value

    def _call(self, name: str) -> Any:
        self._take("(")
        args = []
        while self._peek() != ")":
            args.append(self._or())
            if self._peek() == ",":
                self._take()
        self._take(")")
        fn = _FUNCTIONS.get(name.lower())
        if fn is not None:
            return fn(*args)
        status = {"success": self.job_status == "success", "failure": self.job_status == "failure",
                  "always": True, "cancelled": False}
        if name.lower() in status:
            self.used_status_function = True
            return status[name.lower()]
        raise ExpressionError(f"unknown function {name}()")


def _index(value: Any, key: Any) -> Any:
    if isinstance(value, Mapping):
        if isinstance(key, str):
            for k, v in value.items():
                if isinstance(k, str) and k.casefold() == key.casefold():
                    return v
        return None
    if isinstance(value, list) and isinstance(key, (int, float)) and 0 <= int(key) < len(value):
        return value[int(key)]
    return None


def _contains(haystack: Any, needle: Any) -> bool:
    if isinstance(haystack, list):
        return any(_compare("==", item, needle) for item in haystack)
    return to_str(needle).casefold() in to_str(haystack).casefold()


def _format(fmt: Any, *args: Any) -> str:
    return re.sub(r"\{(\d+)\}", lambda m: to_str(args[int(m.group(1))]), to_str(fmt)).replace(
        "{{", "{").replace("}}", "}")


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "contains": _contains,
    "startswith": lambda a, b: to_str(a).casefold().startswith(to_str(b).casefold()),
    "endswith": lambda a, b: to_str(a).casefold().endswith(to_str(b).casefold()),
    "format": _format,
    "tojson": lambda v: json.dumps(v, indent=2),
    "fromjson": lambda v: json.loads(to_str(v)),
}


_TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def interpolate(text: str, evaluator: Evaluator) -> str:
    """Replace every `${{ expr }}` in a string with its evaluated string form."""
    return _TEMPLATE.sub(lambda m: to_str(evaluator.evaluate(m.group(1))), text)


def evaluate_if(condition: Any, evaluator: Evaluator) -> bool:
    """A step's `if:` (with or without `${{ }}`); without a status function, `success() &&` applies."""
    if condition is None or condition == "":
        return evaluator.job_status == "success"
    if isinstance(condition, bool):
        return condition and evaluator.job_status == "success"
    text = str(condition).strip()
    m = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.S)
    evaluator.used_status_function = False
    result = truthy(evaluator.evaluate(m.group(1) if m else text))
    if not evaluator.used_status_function:
        result = result and evaluator.job_status == "success"
    return result
