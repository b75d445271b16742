"""`ivr-ci expr 'Append("a", "b")'`: Architect's Expression Help on the command line.

Prints the value as Architect's examples write results, its Architect type (from Architect's
type rules, ivr_ci.expr.check, where they know it), and any type error as Architect words it.
`--json -` reads one expression per line on stdin (or a file) and writes one JSON object per
line: {"expression", "type", "value", "display", "error"}.

Exit codes: 0 every expression evaluated; 1 an expression errors (syntax, types, runtime,
a value not given); 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from ivr_ci.errors import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("expression", nargs="?", help="an Architect expression, e.g. 'Append(\"a\", \"b\")'")
    parser.add_argument("--json", dest="json_source", metavar="FILE",
                        help="read one expression per line from FILE ('-' = stdin) and write JSON lines")
    parser.add_argument("--set", dest="variables", action="append", default=[], metavar="VAR=VALUE",
                        help="a variable's value (Flow.x=3, Call.Ani=+13175551212; repeatable): digits are an "
                        "Integer, 1.5 a Decimal, true/false a Boolean, \"quoted\" or other text a String")
    parser.add_argument("--at", help="the current time for GetCurrentDateTimeUtc(), e.g. 2026-11-23T10:00 "
                        "(UTC unless an offset is given; default: now, as Architect's Expression Help)")


def set_value(text: str) -> Any:
    """A --set value typed by its spelling, as a literal of the expression would be."""
    raw = text.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return raw[1:-1]
    if raw in ("true", "false"):
        return raw == "true"
    if raw.lstrip("-").isdigit() and not raw.startswith("+"):
        return int(raw)
    if any(c.isdigit() for c in raw) and raw.replace(".", "", 1).lstrip("-").isdigit():
        try:
            return Decimal(raw)
        except InvalidOperation:
            pass
    if raw == "NOT_SET":
        from ivr_ci.expr.values import NOT_SET

        return NOT_SET
    return text


def _environment(args: argparse.Namespace) -> Any:
    from ivr_ci.expr.evaluate import Bindings
    from ivr_ci.util.clock import parse_at

    values: dict[str, Any] = {}
    for item in args.variables:
        name, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not name:
            raise UsageError(f"--set {item}: expected NAME=VALUE")
        if "." not in name:
            raise UsageError(f"--set {item}: a variable is Scope.name (Flow.x, Call.Ani...)")
        values[name] = set_value(value)
    at = datetime.now(timezone.utc)
    if args.at:
        try:
            at = parse_at(args.at)
        except ValueError as exc:
            raise UsageError(f"--at: {exc}") from None
    return Bindings(values, at)


def explain(text: str, env: Any) -> dict[str, Any]:
    """One expression's row: its value, type (Architect's checker's where it knows it), display
    text, and the error (the checker's verdict first, then what evaluating it raised)."""
    from ivr_ci.expr import ExprSyntaxError, parse
    from ivr_ci.expr.evaluate import evaluate
    from ivr_ci.expr.values import ExprError, Unknown, display, json_value, type_of

    row: dict[str, Any] = {"expression": text, "type": None, "value": None, "display": None, "error": None}
    try:
        node = parse(text)
    except ExprSyntaxError as exc:
        row["error"] = f"syntax error: {exc}"
        return row
    static_type, type_error = _checked(text, env)
    row["type"] = static_type
    try:
        value = evaluate(node, env)
    except ExprError as exc:
        row["error"] = type_error or f"{_kind(exc)}: {exc}"
        return row
    if isinstance(value, Unknown):
        row["error"] = type_error or f"not evaluated: depends on {value.reason}"
        return row
    row.update(type=static_type or type_of(value), value=json_value(value), display=display(value),
               error=type_error)
    return row


def _checked(text: str, env: Any) -> tuple[str | None, str | None]:
    """Architect's static verdict (ivr_ci.expr.check): the result type when it is known and
    specific, and the first error, worded as Architect words it."""
    from ivr_ci.expr.catalogue import Ty
    from ivr_ci.expr.check import ERROR_CODES, SYNTAX, Env, check
    from ivr_ci.expr.values import NotSet, type_of

    variables: dict[str, Ty | None] = {}
    for name, value in env.values.items():
        vtype = value.type if isinstance(value, NotSet) else type_of(value)
        if vtype is None or vtype == "NOT_SET":
            variables[name] = None
        elif vtype.endswith(" Collection"):
            variables[name] = Ty(vtype[: -len(" Collection")], True)
        else:
            variables[name] = Ty(vtype)
    verdict = check(text, Env(variables=variables))
    errors = [p for p in verdict.problems if p.code in ERROR_CODES]
    shown = str(verdict.type) if verdict.type is not None and verdict.type.name not in ("Any", "Null") else None
    if not errors:
        return shown, None
    kind = "syntax error" if errors[0].code == SYNTAX else "type error"
    return shown, f"{kind}: {errors[0].message}"


def _kind(exc: Exception) -> str:
    from ivr_ci.expr.values import ExprRuntimeError, ExprTypeError

    if isinstance(exc, ExprRuntimeError):
        return "runtime error"
    if isinstance(exc, ExprTypeError):
        return "type error"
    return "not evaluated"


def _lines(source: str) -> Iterable[str]:
    if source == "-":
        yield from sys.stdin
        return
    try:
        with open(source, encoding="utf-8") as fh:
            yield from fh
    except OSError as exc:
        raise UsageError(f"--json {source}: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    if (args.expression is None) == (args.json_source is None):
        raise UsageError("give one expression, or --json FILE ('-' = stdin) with one expression per line")
    env = _environment(args)
    if args.json_source is not None:
        failed = False
        out = sys.stdout
        for line in _lines(args.json_source):
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            row = explain(text, env)
            failed = failed or row["error"] is not None
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return 1 if failed else 0
    row = explain(args.expression, env)
    if row["display"] is not None:
        print(row["display"])
        print(f"type: {row['type']}")
    if row["error"] is not None:
        print(f"error: {row['error']}", file=sys.stderr)
        return 1
    return 0
