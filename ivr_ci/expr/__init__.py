"""Architect expressions: lexer, parser, AST, typed catalogue, type checking.

Parse
-----
    from ivr_ci.expr import parse, ExprSyntaxError
    node = parse('Append("a", ToString(Flow.n))')   # cached per distinct text

`parse` raises `ExprSyntaxError(message, offset, detail)`; `message` is worded as Architect
words it ("Missing ) for ( at position 8."), `offset` is 0-based. `line_col(text, offset)`
gives the 1-based line/column inside a multi-line expression.

Grammar (Architect's ANTLR grammar in the Scripting SDK 0.0.18, loosest first)
---------------------------------------------------------------------------------
    expr     := or ( "?" and ":" and )*            Ternary   (left-assoc; branches at `and` level)
    or       := and ( OR and )*                     Binary "or"   (`or`/`OR`/`Or`)
    and      := bitor ( AND bitor )*                Binary "and"
    bitor    := bitand ( "|" bitand )*              Binary "|"    (Integer bitwise)
    bitand   := equ ( "&" equ )*                    Binary "&"    (Integer bitwise)
    equ      := comp ( ("==" | "!=") comp )*        Binary
    comp     := add ( ("<" | "<=" | ">" | ">=") add )*
    add      := mul ( ("+" | "-") mul )*
    mul      := pow ( ("*" | "/" | "%") pow )*
    pow      := unary ( "^" pow )?                   right-assoc
    unary    := ("!" | "~") unary | "-" operand | operand      Unary (minus does not nest)
    operand  := literal | NOT_SET | {{key}} | "(" expr ")"
              | IDENT "(" [expr ("," expr)*] ")" suffix*       Call
              | IDENT [.field] suffix*                          Var (+ Member/Index)
    suffix   := "[" expr "]" | ".name" | ."name"                Index / Member

Literals: Integer `12` (|n| <= 999999999999999), Decimal `1.5`, `1.`, `.5` (<= 40 digits),
String `"a\\"b"` (escapes \\" \\\\ \\n \\r \\t only), Boolean `true`/`false` (lower case),
`NOT_SET`. There is no list literal: `[1, 2]` is a syntax error in Architect (MakeList).

AST (ivr_ci/expr/ast.py; frozen dataclasses, `start`/`end` 0-based offsets, end exclusive)
--------------------------------------------------------------------------------------
    Literal(type, value, text)    type "Integer"|"Decimal"|"String"|"Boolean";
                                  value int | decimal.Decimal | str (unescaped) | bool
    NotSet()                      NOT_SET
    Placeholder(key)              {{key}} where an operand stands (opaque: type unknown)
    Var(name)                     "Flow.x", "Call.Ani", "Task.y" (Scope.name); bare "foo" too
    Member(target, name, quoted, name_start)   target.name / target."name"
    Index(target, index, bracket)              target[index]
    Call(name, args, name_end)    name as written; Architect matches names case-insensitively
    Unary(op, operand)            op "-" | "!" | "~"
    Binary(op, left, right, op_start)   op + - * / % ^ == != < <= > >= & | and or
    Ternary(cond, then, otherwise, op_start)
`ast.walk(node)` yields every node; `ast.children(node)` the direct ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "Binary", "Call", "ExprSyntaxError", "Index", "Literal", "Member", "Node", "NotSet",
    "Placeholder", "Ternary", "Unary", "Var", "children", "line_col", "parse", "walk",
]

if TYPE_CHECKING:
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
        children,
        walk,
    )
    from ivr_ci.expr.errors import ExprSyntaxError
    from ivr_ci.expr.parser import line_col, parse

_HOME = {"ExprSyntaxError": "errors", "line_col": "parser", "parse": "parser"}


def __getattr__(name: str) -> Any:
    """Lazy exports: importing ivr_ci.expr.<module> (every rule module does, at startup) does
    not pay for the parser's regexes and the AST classes until an expression is checked."""
    if name not in __all__:
        raise AttributeError(f"module 'ivr_ci.expr' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"ivr_ci.expr.{_HOME.get(name, 'ast')}"), name)
    globals()[name] = value
    return value
