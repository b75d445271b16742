"""Strings: Append, Left, Right, Substring, FindString, Replace, Split, Compare, ToString...
(catalogue: purecloud-flow-scripting-api-sdk-javascript 0.0.18 and its examples)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ivr_ci.expr.ops import compare_strings
from ivr_ci.expr.registry import (
    EXPRESSION_HELP,
    Context,
    Registry,
    arg_type_error,
    as_bool,
    as_int,
    as_str,
    need,
)
from ivr_ci.expr.values import (
    Audio,
    Collection,
    Currency,
    ExprRuntimeError,
    NotSet,
    currency_text,
    decimal_text,
    is_not_set,
    to_string,
)


def text_or_empty(value: Any) -> str:
    text = to_string(value)
    return "" if is_not_set(text) else str(text)


def _append(_ctx: Context, *args: Any) -> Any:
    if any(isinstance(a, Audio) for a in args):  # appendAudio: the audio parts in order
        parts: list[str] = []
        for a in args:
            if isinstance(a, Audio):
                parts.extend(a.parts)
            elif not is_not_set(a):
                parts.append(text_or_empty(a))
        return Audio(tuple(parts))
    for a in args:
        if not is_not_set(a) and not isinstance(a, str):
            raise arg_type_error("Append", args)
    return "".join(text_or_empty(a) for a in args)


def _str_fn(name: str, op: Any) -> Any:
    def fn(_ctx: Context, value: Any) -> Any:
        return op(as_str(value, name))
    return fn


def _left(_ctx: Context, s: Any, n: Any) -> str:
    text, count = as_str(s, "Left"), as_int(n, "Left")
    if count < 0:
        raise ExprRuntimeError("Left(): a negative length")
    return text[:count]


def _right(_ctx: Context, s: Any, n: Any) -> str:
    text, count = as_str(s, "Right"), as_int(n, "Right")
    if count < 0:
        raise ExprRuntimeError("Right(): a negative length")
    return text[max(len(text) - count, 0):] if count else ""


def _substring(_ctx: Context, s: Any, start: Any, length: Any) -> str:
    text, begin, count = as_str(s, "Substring"), as_int(start, "Substring"), as_int(length, "Substring")
    if begin < 0 or count < 0:
        raise ExprRuntimeError(f"Substring(): start {begin}, length {count}")
    return text[begin:begin + count]


def _replace(_ctx: Context, s: Any, find: Any, repl: Any) -> str:
    text, old = as_str(s, "Replace"), as_str(find, "Replace")
    new = "" if is_not_set(repl) else as_str(repl, "Replace")
    return text.replace(old, new) if old else text


def _find_string(_ctx: Context, s: Any, sub: Any, *rest: Any) -> int:
    text, part = as_str(s, "FindString"), as_str(sub, "FindString")
    occurrence, ignore_case = 1, False
    for extra in rest:
        if isinstance(need(extra, "FindString"), bool):
            ignore_case = extra
        else:
            occurrence = as_int(extra, "FindString")
    if ignore_case:
        text, part = text.casefold(), part.casefold()
    if occurrence < 1:
        raise ExprRuntimeError(f"FindString(): occurrence {occurrence}")
    pos = -1
    for _ in range(occurrence):
        pos = text.find(part, pos + 1)
        if pos < 0:
            return -1
    return pos


def _contains(_ctx: Context, container: Any, item: Any, *flags: Any) -> bool:
    from ivr_ci.expr.ops import equal

    ignore_case = as_bool(flags[0], "Contains") if flags else False
    if isinstance(need(container, "Contains"), list):
        return any(equal(x, item, ignore_case) for x in container)
    text, part = as_str(container, "Contains"), as_str(item, "Contains")
    if ignore_case:
        return part.casefold() in text.casefold()
    return part in text


def _starts(_ctx: Context, s: Any, prefix: Any, *flags: Any) -> bool:
    text, part = as_str(s, "StartsWith"), as_str(prefix, "StartsWith")
    if flags and as_bool(flags[0], "StartsWith"):
        return text.casefold().startswith(part.casefold())
    return text.startswith(part)


def _ends(_ctx: Context, s: Any, suffix: Any, *flags: Any) -> bool:
    text, part = as_str(s, "EndsWith"), as_str(suffix, "EndsWith")
    if flags and as_bool(flags[0], "EndsWith"):
        return text.casefold().endswith(part.casefold())
    return text.endswith(part)


def _compare(_ctx: Context, a: Any, b: Any, *flags: Any) -> int:
    ignore_case = as_bool(flags[0], "Compare") if flags else False
    if is_not_set(a) or is_not_set(b):  # NOT_SET sorts before every string, "" included
        return int(not is_not_set(a)) - int(not is_not_set(b))
    return compare_strings(as_str(a, "Compare"), as_str(b, "Compare"), ignore_case)


def _split(_ctx: Context, s: Any, sep: Any) -> Collection:
    text, by = as_str(s, "Split"), as_str(sep, "Split")
    return Collection(list(text) if not by else text.split(by), "String")


def _fixed(value: Any, places: int) -> str:
    if isinstance(value, Currency):
        return currency_text(value, places)
    if is_not_set(value):
        return ""
    return format(Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), "f")


def _to_string(_ctx: Context, value: Any, *rest: Any) -> Any:
    if not rest:
        return to_string(value)
    if isinstance(value, list):
        sep = "\n"
        places = None
        if len(rest) == 2:
            sep, places = text_or_empty(rest[0]), as_int(rest[1], "ToString")
        elif isinstance(rest[0], str) or (is_not_set(rest[0]) and rest[0].type == "String"):
            sep = text_or_empty(rest[0])
        else:
            places = as_int(rest[0], "ToString")
        if places is None:
            return sep.join(text_or_empty(v) for v in value)
        return sep.join(_fixed(v, places) for v in value)
    places = as_int(rest[0], "ToString")
    if is_not_set(value):
        return NotSet("String")
    if isinstance(value, Currency):
        return currency_text(value, places)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return _fixed(value, places)
    raise arg_type_error("ToString", (value, *rest))


def _to_display_string(_ctx: Context, value: Any, *_rest: Any) -> str:
    """ToDisplayString: text for a person; a NOT_SET value is the empty string.

    Source: Architect Expression Help (registry.EXPRESSION_HELP); NOT_SET as "" is how flows use it.
    """
    if isinstance(value, Decimal):
        return decimal_text(value)
    return text_or_empty(value)


def register(reg: Registry) -> None:
    reg.add("Append")(_append)
    reg.add("Length")(_str_fn("Length", len))
    reg.add("Lower", "ToLower")(_str_fn("Lower", str.lower))
    reg.add("Upper", "ToUpper")(_str_fn("Upper", str.upper))
    reg.add("Trim")(_str_fn("Trim", str.strip))
    reg.add("LTrim")(_str_fn("LTrim", str.lstrip))
    reg.add("RTrim")(_str_fn("RTrim", str.rstrip))
    reg.add("Reverse")(_str_fn("Reverse", lambda s: s[::-1]))
    reg.add("Left")(_left)
    reg.add("Right")(_right)
    reg.add("Substring")(_substring)
    reg.add("Replace")(_replace)
    reg.add("FindString")(_find_string)
    reg.add("Contains")(_contains)
    reg.add("StartsWith", source=EXPRESSION_HELP)(_starts)
    reg.add("EndsWith", source=EXPRESSION_HELP)(_ends)
    reg.add("Compare")(_compare)
    reg.add("Split")(_split)
    reg.add("ToString")(_to_string)
    reg.add("ToDisplayString",
            source=EXPRESSION_HELP)(_to_display_string)
