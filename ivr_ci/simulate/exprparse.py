"""Parse Architect expressions (the `exp:` strings) into a small tuple AST.

Grammar (what real flows use): literals ("text" with backslash escapes, numbers, true/false,
NOT_SET), dotted names (`Flow.x`, `Call.Ani`, `Prompt.Welcome`), calls `Name(args)`, postfix
`.property` and `[index]`, unary `-`/`not`, `* / %`, `+ -`, comparisons `== != < > <= >=`,
`and`, `or` (keywords case-insensitive). Nodes:

    ("lit", value) ("name", "Flow") ("attr", node, "x") ("index", node, node)
    ("call", "Append", [nodes]) ("bin", op, left, right) ("un", op, node)
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ivr_ci.simulate.values import NOT_SET

Node = tuple


class ExprSyntaxError(Exception):
    """The text is not an expression the simulator can read (message names the problem)."""


_TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<placeholder>\{\{[^{}]*\}\})
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<str>"(?:[^"\\]|\\.)*")
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||[-+*/%<>()\[\],.!])
""", re.VERBOSE | re.DOTALL)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'"}
_BINARY = {  # operator -> precedence (higher binds tighter)
    "or": 1, "and": 2, "==": 4, "!=": 4, "<": 4, ">": 4, "<=": 4, ">=": 4,
    "+": 5, "-": 5, "*": 6, "/": 6, "%": 6,
}
_ALIASES = {"&&": "and", "||": "or"}


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body, flags=re.DOTALL)


def tokenize(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m:
            raise ExprSyntaxError(f"unexpected character {text[pos]!r} at offset {pos}")
        kind = m.lastgroup or ""
        value = m.group()
        pos = m.end()
        if kind == "ws":
            continue
        if kind == "placeholder":
            raise ExprSyntaxError(f"unsubstituted placeholder {value} (run with --env NAME)")
        if kind == "num":
            out.append(("lit", float(value) if "." in value else int(value)))
        elif kind == "str":
            out.append(("lit", _unescape(value[1:-1])))
        elif kind == "ident":
            low = value.lower()
            if low in ("and", "or", "not"):
                out.append(("op", low))
            elif low == "true":
                out.append(("lit", True))
            elif low == "false":
                out.append(("lit", False))
            elif value.upper() == "NOT_SET":
                out.append(("lit", NOT_SET))
            else:
                out.append(("ident", value))
        else:
            out.append(("op", _ALIASES.get(value, value)))
    out.append(("end", None))
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any]]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> tuple[str, Any]:
        return self.tokens[self.i]

    def take(self) -> tuple[str, Any]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, op: str) -> None:
        kind, value = self.take()
        if kind != "op" or value != op:
            raise ExprSyntaxError(f"expected '{op}' but found {value if value is not None else 'end'!r}")

    def expression(self, min_prec: int = 0) -> Node:
        left = self.unary()
        while True:
            kind, op = self.peek()
            prec = _BINARY.get(op) if kind == "op" else None
            if prec is None or prec <= min_prec:
                return left
            self.take()
            right = self.expression(prec)
            left = ("bin", op, left, right)

    def unary(self) -> Node:
        kind, value = self.peek()
        if kind == "op" and value in ("not", "!"):
            self.take()
            # `not` binds looser than comparisons: not a == b  is  not (a == b)
            return ("un", "not", self.expression(3))
        if kind == "op" and value == "-":
            self.take()
            return ("un", "-", self.unary())
        return self.postfix(self.primary())

    def primary(self) -> Node:
        kind, value = self.take()
        if kind == "lit":
            return ("lit", value)
        if kind == "ident":
            if self.peek() == ("op", "("):
                self.take()
                return ("call", value, self.items(")"))
            return ("name", value)
        if kind == "op" and value == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if kind == "op" and value == "[":  # collection literal [a, b]
            return ("call", "MakeList", self.items("]"))
        raise ExprSyntaxError(f"unexpected {value if value is not None else 'end of expression'!r}")

    def items(self, close: str) -> list[Node]:
        """Comma-separated expressions up to and including `close` (call arguments, list items)."""
        out: list[Node] = []
        if self.peek() != ("op", close):
            out.append(self.expression())
            while self.peek() == ("op", ","):
                self.take()
                out.append(self.expression())
        self.expect(close)
        return out

    def postfix(self, node: Node) -> Node:
        while True:
            tok = self.peek()
            if tok == ("op", "."):
                self.take()
                kind, value = self.take()
                if kind != "ident":
                    raise ExprSyntaxError(f"expected a property name after '.', found {value!r}")
                node = ("attr", node, value)
            elif tok == ("op", "["):
                self.take()
                idx = self.expression()
                self.expect("]")
                node = ("index", node, idx)
            else:
                return node


@lru_cache(maxsize=4096)
def parse(text: str) -> Node:
    """Parse one expression; raises ExprSyntaxError."""
    parser = _Parser(tokenize(text))
    node = parser.expression()
    kind, value = parser.peek()
    if kind != "end":
        raise ExprSyntaxError(f"unexpected {value!r} after the end of the expression")
    return node


def dotted(node: Node) -> list[str] | None:
    """`Flow.a.b` -> ["Flow", "a", "b"]; None when the chain has calls or indexes."""
    parts: list[str] = []
    while node[0] == "attr":
        parts.append(node[2])
        node = node[1]
    if node[0] != "name":
        return None
    parts.append(node[1])
    return parts[::-1]
