"""The expression lexer/parser against Architect's grammar (SDK 0.0.18 verdicts, observed with
../shared/tools/architect-expr-check): what parses, into which tree, and the error texts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ivr_ci.expr import (
    Binary,
    Call,
    ExprSyntaxError,
    Index,
    Literal,
    Member,
    NotSet,
    Placeholder,
    Ternary,
    Unary,
    Var,
    line_col,
    parse,
    walk,
)


def shape(node) -> object:
    """A compact, position-free rendering of a tree for table-driven comparisons."""
    if isinstance(node, Literal):
        return node.value if node.type != "String" else repr(node.value)
    if isinstance(node, NotSet):
        return "NOT_SET"
    if isinstance(node, Placeholder):
        return "{{" + node.key + "}}"
    if isinstance(node, Var):
        return node.name
    if isinstance(node, Member):
        return (".", shape(node.target), node.name)
    if isinstance(node, Index):
        return ("[]", shape(node.target), shape(node.index))
    if isinstance(node, Call):
        return (node.name, *[shape(a) for a in node.args])
    if isinstance(node, Unary):
        return (node.op, shape(node.operand))
    if isinstance(node, Binary):
        return (node.op, shape(node.left), shape(node.right))
    if isinstance(node, Ternary):
        return ("?", shape(node.cond), shape(node.then), shape(node.otherwise))
    raise AssertionError(node)


PARSES = [
    ("5", 5),
    ("1.50", Decimal("1.50")),
    ("1.", Decimal("1")),
    (".5", Decimal("0.5")),
    ('"a\\"b\\\\c\\n\\t\\r"', repr('a"b\\c\n\t\r')),
    ("true", True),
    ("NOT_SET", "NOT_SET"),
    ("1 + 2 * 3", ("+", 1, ("*", 2, 3))),
    ("1 - 2 - 3", ("-", ("-", 1, 2), 3)),
    ("2 ^ 3 ^ 2", ("^", 2, ("^", 3, 2))),  # Architect normalises to 2 ^ (3 ^ 2)
    ("!Flow.b == true", ("==", ("!", "Flow.b"), True)),  # ! binds tighter than ==
    ("!!true", ("!", ("!", True))),
    ("~-1", ("~", ("-", 1))),
    ("2--1", ("-", 2, ("-", 1))),
    ("- 5", ("-", 5)),
    ("a AND b Or c", ("or", ("and", "a", "b"), "c")),
    ("1 | 2 & 3", ("|", 1, ("&", 2, 3))),
    ("1 == 2 == true", ("==", ("==", 1, 2), True)),
    ("x < 1 and y >= 2", ("and", ("<", "x", 1), (">=", "y", 2))),
    ("true ? 1 : 2", ("?", True, 1, 2)),
    ("c ? a and b : d", ("?", "c", ("and", "a", "b"), "d")),
    ("c ? 1 : d ? 2 : 3", ("?", ("?", "c", 1, "d"), 2, 3)),  # left-associative
    ("Flow.l[0]", ("[]", "Flow.l", 0)),
    ("Flow.l [0]", ("[]", "Flow.l", 0)),
    ("MakeList(1, 2)[0]", ("[]", ("MakeList", 1, 2), 0)),
    ("Task.user.email", (".", "Task.user", "email")),
    ("Flow.n .x", (".", "Flow.n", "x")),
    ("ToString(1).x", (".", ("ToString", 1), "x")),
    ('Flow.j."a b"', (".", "Flow.j", "a b")),
    ("Append()", ("Append",)),
    ("ToString (1)", ("ToString", 1)),
    ('Append("a",\n  "b")', ("Append", "'a'", "'b'")),
    ("$abc", "$abc"),
    ("flow.N", "flow.N"),
    ("{{key}}", "{{key}}"),
    ("State.c.{{k}}", (".", "State.c", "{{k}}")),
    ("Task.{{p}}_x", "Task.{{p}}_x"),
    ('"{{not a placeholder}}"', repr("{{not a placeholder}}")),
    ("android", "android"),  # longest match: not `and`
]


@pytest.mark.parametrize("text,expected", PARSES, ids=[t for t, _ in PARSES])
def test_parses_like_architect(text: str, expected: object) -> None:
    assert shape(parse(text)) == expected


ERRORS = [
    # (text, message Architect gives or ours where Architect's is an ANTLR artefact, offset)
    ("(Flow.n", "Missing ) for ( at position 1.", 0),
    ('Append("a", "b"', "Missing ) for ( at position 7.", 6),
    ("Flow.l[0", "Missing ] for [ at position 7.", 6),
    ('"abc', 'Missing end quote for the " at position 1.', 0),
    ('Append("a", "b)', 'Missing end quote for the " at position 13.', 12),
    ("Flow.", "No property specified to access after . at position 5.", 4),
    ("Flow.n.", "No property specified to access after . at position 7.", 6),
    ("Flow.n)", "Missing ( for ) at position 7.", 6),
    ("99999999999999999999", "The integer value 99999999999999999999 at position 1 is greater than "
                             "the maximum allowed of 999999999999999", 0),
    ("--5", "Error at position 2.", 1),
    ("-~1", "Error at position 2.", 1),
    ("not true", "Error at position 5.", 4),
    ("true && false", "Error at position 7.", 6),
    ("true ? 1 or 2 : 3", "Error at position 10.", 9),
    ("[1, 2]", "Error at position 1.", 0),
    ('"abc"[0]', "Error at position 6.", 5),
    ('"abc".x', "Error at position 6.", 5),
    ("(Flow.l)[0]", "Error at position 9.", 8),
    ('"a\\qb"', "Error at position 3.", 2),
    ("'a'", "Error at position 1.", 0),
    ("1.5.2", "Error at position 4.", 3),
    ("1e5", "Error at position 2.", 1),
    ("_x", "Error at position 1.", 0),
    ('Append("a",)', "Error at position 12.", 11),
    ("Flow.n is 2", "Error at position 8.", 7),
    ("Flow . n", "No property specified to access after . at position 6.", 5),
    ("", "The expression is empty.", 0),
    ("Flow.n +", "Error at position 9.", 8),
]


@pytest.mark.parametrize("text,message,offset", ERRORS, ids=[t or "<empty>" for t, _, _ in ERRORS])
def test_syntax_errors(text: str, message: str, offset: int) -> None:
    with pytest.raises(ExprSyntaxError) as info:
        parse(text)
    assert info.value.message == message
    assert info.value.offset == offset
    assert info.value.detail  # a plain-words explanation beside Architect's text


def test_positions_cover_the_source() -> None:
    text = 'If(Flow.n > 10, Append("big ", ToString(Flow.n)), "small")'
    for node in walk(parse(text)):
        assert 0 <= node.start < node.end <= len(text)
    call = parse(text)
    assert isinstance(call, Call) and text[call.start:call.name_end] == "If"
    gt = call.args[0]
    assert isinstance(gt, Binary) and text[gt.op_start] == ">"
    assert text[gt.start:gt.end] == "Flow.n > 10"


def test_line_col_inside_multiline_expressions() -> None:
    text = 'Append(\n  "a",\n  Flow.x)'
    var = parse(text).args[1]  # type: ignore[union-attr]
    assert line_col(text, var.start) == (3, 3)
    assert line_col(text, 0) == (1, 1)


def test_integer_and_decimal_literals_keep_their_kind() -> None:
    assert parse("7").type == "Integer"  # type: ignore[union-attr]
    lit = parse("12.20")
    assert isinstance(lit, Literal) and lit.type == "Decimal" and lit.value == Decimal("12.20")
    assert lit.text == "12.20"
