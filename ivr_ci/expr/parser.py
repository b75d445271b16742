"""Recursive-descent parser for Architect expressions (grammar in the package docstring).

The precedence ladder, associativity and the places where Architect's ANTLR grammar
(scripting.bundle.js, webpack module 186) is stricter than one would guess are kept:
`?:` branches are parsed at the `and` level (`c ? a or b : d` is a syntax error), unary minus
does not nest (`--5`, `-~1`), `!`/`~` bind tighter than `^`, `^` is right-associative, and
only names and calls take `[index]` / `.property` suffixes (`(x)[0]`, `"abc".x` are errors).
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from ivr_ci.expr.ast import (
    Binary,
    Call,
    Index,
    Literal,
    Member,
    Node,
    NotSet,
    Placeholder,
    Ternary,
    Unary,
    Var,
)
from ivr_ci.expr.errors import ExprSyntaxError
from ivr_ci.expr.lexer import Token, tokenize

MAX_INT = 999_999_999_999_999  # SDK constants maxInt / minInt
MAX_PRECISION = 40  # SDK constant maxPrecision: significant digits of a Decimal literal
MAX_LENGTH = 32_000  # SDK constant maxExpressionTextLength

# binary operator -> precedence, loosest first (the ternary sits above them all)
_PREC = {"or": 1, "and": 2, "|": 3, "&": 4, "==": 5, "!=": 5, "<": 6, "<=": 6, ">": 6, ">=": 6,
         "+": 7, "-": 7, "*": 8, "/": 8, "%": 8}
_AND_LEVEL = 2


def _err(tok: Token, detail: str) -> ExprSyntaxError:
    return ExprSyntaxError(f"Error at position {tok.start + 1}.", tok.start, detail=detail)


def _describe(tok: Token) -> str:
    return "the end of the expression" if tok.kind == "end" else repr(tok.text)


class _Parser:
    __slots__ = ("toks", "i", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    def peek(self) -> Token:
        return self.toks[self.i]

    def take(self) -> Token:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def is_op(self, *ops: str) -> bool:
        tok = self.toks[self.i]
        return tok.kind == "op" and tok.value in ops

    # --- levels ---------------------------------------------------------------
    def expression(self) -> Node:
        node = self.binary(1)
        while self.is_op("?"):
            q = self.take()
            then = self.binary(_AND_LEVEL)
            if not self.is_op(":"):
                raise _err(self.peek(), f"expected ':' of the '?' at position {q.start + 1}, "
                                        f"found {_describe(self.peek())}")
            self.take()
            otherwise = self.binary(_AND_LEVEL)
            node = Ternary(node, then, otherwise, node.start, otherwise.end, q.start)
        return node

    def binary(self, min_prec: int) -> Node:
        """Precedence climbing over _PREC; every level is left-associative."""
        left = self.power()
        toks = self.toks
        while True:
            tok = toks[self.i]
            op = tok.value
            if tok.kind != "op" or not isinstance(op, str):  # an op token's value is its text
                return left
            prec = _PREC.get(op)
            if prec is None or prec < min_prec:
                return left
            self.i += 1
            right = self.binary(prec + 1)
            left = Binary(op, left, right, left.start, right.end, tok.start)

    def power(self) -> Node:
        base = self.unary()
        if self.is_op("^"):
            tok = self.take()
            exp = self.power()
            return Binary("^", base, exp, base.start, exp.end, tok.start)
        return base

    def unary(self) -> Node:
        if self.is_op("!", "~"):
            tok = self.take()
            operand = self.unary()
            return Unary(str(tok.value), operand, tok.start, operand.end)
        if self.is_op("-"):
            tok = self.take()
            if self.is_op("-", "!", "~"):
                raise _err(self.peek(), "Architect does not allow a second sign here; "
                                        "write -(…) instead")
            operand = self.primary()
            return Unary("-", operand, tok.start, operand.end)
        return self.primary()

    # --- operands -------------------------------------------------------------
    def primary(self) -> Node:
        tok = self.take()
        kind = tok.kind
        if kind == "int":
            if int(tok.text) > MAX_INT:
                raise ExprSyntaxError(
                    f"The integer value {tok.text} at position {tok.start + 1} is greater than the "
                    f"maximum allowed of {MAX_INT}", tok.start, detail="integer literal too large")
            return Literal("Integer", int(tok.text), tok.text, tok.start, tok.end)
        if kind == "dec":
            digits = tok.text.replace(".", "").lstrip("0").rstrip("0")
            if len(digits) > MAX_PRECISION:
                raise ExprSyntaxError(
                    f"The value {tok.text} at position {tok.start + 1} has too much precision.  "
                    f"It needs to have {MAX_PRECISION} digits or less of precision.", tok.start,
                    detail="decimal literal too precise")
            return Literal("Decimal", Decimal(tok.text), tok.text, tok.start, tok.end)
        if kind == "str":
            return Literal("String", tok.value, tok.text, tok.start, tok.end)  # type: ignore[arg-type]
        if kind == "bool":
            return Literal("Boolean", bool(tok.value), tok.text, tok.start, tok.end)
        if kind == "notset":
            return NotSet(tok.start, tok.end)
        if kind == "ph":
            return Placeholder(str(tok.value), tok.start, tok.end)
        if kind == "ident":
            if self.is_op("("):
                self.take()
                args = self.arguments(tok)
                node: Node = Call(tok.text, args, tok.start, self.toks[self.i - 1].end, tok.end)
                return self.suffixes(node)
            node = Var(tok.text, tok.start, tok.end)
            nxt = self.peek()
            if nxt.kind == "field":  # Scope.name is one reference (spaces allowed before the dot)
                self.take()
                node = Var(tok.text + nxt.text, tok.start, nxt.end)
            return self.suffixes(node)
        if kind == "op" and tok.value == "(":
            inner = self.expression()
            close = self.peek()
            if not self.is_op(")"):
                if close.kind == "end":
                    raise ExprSyntaxError(f"Missing ) for ( at position {tok.start + 1}.", tok.start,
                                          detail="the parenthesis is not closed")
                raise _err(close, f"expected ')' for the '(' at position {tok.start + 1}, "
                                  f"found {_describe(close)}")
            self.take()
            return inner
        if kind == "field":
            raise _err(tok, f"{tok.text!r} needs a variable or function call before it")
        if kind == "op" and tok.value == ".":
            raise ExprSyntaxError(f"No property specified to access after . at position {tok.start + 1}.",
                                  tok.start, detail="nothing follows the '.'")
        if kind == "op" and tok.value == "[":
            raise _err(tok, "Architect has no list literal: write MakeList(a, b)")
        raise _err(tok, f"expected a value, found {_describe(tok)}")

    def arguments(self, name: Token) -> tuple[Node, ...]:
        args: list[Node] = []
        open_pos = self.toks[self.i - 1].start
        if self.is_op(")"):
            self.take()
            return ()
        while True:
            args.append(self.expression())
            tok = self.take()
            if tok.kind == "op" and tok.value == ")":
                return tuple(args)
            if tok.kind == "op" and tok.value == ",":
                continue
            if tok.kind == "end":
                raise ExprSyntaxError(f"Missing ) for ( at position {open_pos + 1}.", open_pos,
                                      detail=f"the argument list of {name.text} is not closed")
            raise _err(tok, f"expected ',' or ')' in the arguments of {name.text}, "
                            f"found {_describe(tok)}")

    def suffixes(self, node: Node) -> Node:
        while True:
            tok = self.peek()
            if tok.kind == "field":
                self.take()
                quoted = tok.text[1] == '"'
                node = Member(node, str(tok.value), quoted, node.start, tok.end, tok.start)
            elif tok.kind == "op" and tok.value == "[":
                self.take()
                index = self.expression()
                close = self.peek()
                if not self.is_op("]"):
                    if close.kind == "end":
                        raise ExprSyntaxError(f"Missing ] for [ at position {tok.start + 1}.",
                                              tok.start, detail="the bracket is not closed")
                    raise _err(close, f"expected ']' for the '[' at position {tok.start + 1}, "
                                      f"found {_describe(close)}")
                self.take()
                node = Index(node, index, node.start, close.end, tok.start)
            elif tok.kind == "op" and tok.value == ".":
                raise ExprSyntaxError(f"No property specified to access after . at position "
                                      f"{tok.start + 1}.", tok.start, detail="nothing follows the '.'")
            else:
                return node


@lru_cache(maxsize=16384)
def parse(text: str) -> Node:
    """The AST of one expression (cached per distinct text); raises ExprSyntaxError."""
    if len(text) > MAX_LENGTH:
        raise ExprSyntaxError(
            f"The expression text length is {len(text)} characters which exceeds the maximum "
            f"allowed of {MAX_LENGTH} characters.", 0, detail="expression too long")
    if not text.strip():
        raise ExprSyntaxError("The expression is empty.", 0, detail="no expression")
    p = _Parser(text)
    node = p.expression()
    tok = p.peek()
    if tok.kind != "end":
        if tok.kind == "op" and tok.value == ")":
            raise ExprSyntaxError(f"Missing ( for ) at position {tok.start + 1}.", tok.start,
                                  detail="this ')' closes nothing")
        if tok.kind == "op" and tok.value == "]":
            raise ExprSyntaxError(f"Missing [ for ] at position {tok.start + 1}.", tok.start,
                                  detail="this ']' closes nothing")
        raise _err(tok, f"unexpected {_describe(tok)} after a complete expression")
    return node


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of a 0-based offset in a (possibly multi-line) expression."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
