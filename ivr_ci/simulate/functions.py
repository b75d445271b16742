"""The Architect expression functions the simulator evaluates (the subset real flows use).

Names are matched case-insensitively. A function outside this table makes the run "cannot decide"
with the function named; nothing is approximated.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ivr_ci.simulate.values import (
    NOT_SET,
    Audio,
    FlowRuntimeError,
    Unknown,
    Unsupported,
    display,
    duration_text,
    first_unknown,
)

Fn = Callable[..., Any]
_FUNCS: dict[str, Fn] = {}


def _fn(*names: str) -> Callable[[Fn], Fn]:
    def wrap(f: Fn) -> Fn:
        for n in names:
            _FUNCS[n.lower()] = f
        return f
    return wrap


def supported_functions() -> list[str]:
    return sorted(_FUNCS)


def call(name: str, arg_nodes: list, env: Any, evaluate: Callable[[Any, Any], Any]) -> Any:
    low = name.lower()
    if low == "if":  # lazy: only the branch taken is evaluated
        if len(arg_nodes) != 3:
            raise Unsupported("If() takes 3 arguments")
        from ivr_ci.simulate.evaluate import as_bool

        cond = evaluate(arg_nodes[0], env)
        if isinstance(cond, Unknown):
            return cond
        return evaluate(arg_nodes[1] if as_bool(cond, "If") else arg_nodes[2], env)
    if low == "getcurrentdatetimeutc":
        return env.now()
    f = _FUNCS.get(low)
    if f is None:
        raise Unsupported(f"function {name}() is outside the simulated expression subset")
    args = [evaluate(a, env) for a in arg_nodes]
    unknown = first_unknown(*args)
    if unknown is not None:
        return unknown
    try:
        return f(*args)
    except (FlowRuntimeError, Unsupported):
        raise
    except (ValueError, IndexError, OverflowError) as exc:
        raise FlowRuntimeError(f"{name}(): {exc}") from None
    except TypeError:
        shown = ", ".join(display(a) for a in args)
        raise Unsupported(f"{name}({shown}) with these argument types") from None


def _required(value: Any, fname: str) -> Any:
    if value is NOT_SET:
        raise FlowRuntimeError(f"{fname}() was given a NOT_SET value")
    return value


# --- strings ---------------------------------------------------------------------------------

def to_string(value: Any) -> Any:
    if value is NOT_SET:
        return NOT_SET
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, timedelta):
        return duration_text(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, Audio):
        return value.text()
    return str(value)


@_fn("ToString")
def _to_string(value: Any) -> Any:
    return to_string(value)


@_fn("ToDisplayString")
def _to_display(value: Any) -> str:
    text = to_string(value)
    return "" if text is NOT_SET else text


@_fn("Append")
def _append(*args: Any) -> Any:
    if any(isinstance(a, Audio) for a in args):
        parts: list[str] = []
        for a in args:
            if isinstance(a, Audio):
                parts.extend(a.parts)
            elif a is not NOT_SET:
                parts.append(to_string(a))
        return Audio(tuple(parts))
    if args and isinstance(args[0], list):
        out: list = []
        for a in args:
            out.extend(a if isinstance(a, list) else [a])
        return out
    return "".join(_to_display(a) for a in args)


@_fn("Trim")
def _trim(s: Any) -> Any:
    return s if s is NOT_SET else str(s).strip()


@_fn("Lower", "ToLower")
def _lower(s: Any) -> Any:
    return s if s is NOT_SET else str(s).lower()


@_fn("Upper", "ToUpper")
def _upper(s: Any) -> Any:
    return s if s is NOT_SET else str(s).upper()


@_fn("Length")
def _length(s: Any) -> int:
    return len(_required(s, "Length"))


@_fn("Left")
def _left(s: Any, n: int) -> str:
    return str(_required(s, "Left"))[: max(int(n), 0)]


@_fn("Right")
def _right(s: Any, n: int) -> str:
    s = str(_required(s, "Right"))
    return s[len(s) - int(n):] if int(n) > 0 else ""


@_fn("Substring")
def _substring(s: Any, start: int, length: int) -> str:
    s = str(_required(s, "Substring"))
    start, length = int(start), int(length)
    if start < 0 or length < 0 or start + length > len(s):
        raise FlowRuntimeError(f"Substring(): start {start}, length {length} outside '{s}'")
    return s[start:start + length]


@_fn("Replace")
def _replace(s: Any, find: str, repl: str) -> str:
    return str(_required(s, "Replace")).replace(str(find), str(repl))


@_fn("FindString")
def _find_string(s: Any, sub: Any) -> int:
    return str(_required(s, "FindString")).find(str(_required(sub, "FindString")))


@_fn("StartsWith")
def _starts(s: Any, prefix: Any) -> bool:
    return str(_required(s, "StartsWith")).startswith(str(prefix))


@_fn("EndsWith")
def _ends(s: Any, suffix: Any) -> bool:
    return str(_required(s, "EndsWith")).endswith(str(suffix))


@_fn("Contains")
def _contains(container: Any, item: Any, *_flags: Any) -> bool:
    from ivr_ci.simulate.evaluate import equal

    container = _required(container, "Contains")
    if isinstance(container, list):
        return any(equal(x, item) for x in container)
    return str(item) in str(container)


@_fn("Split")
def _split(s: Any, sep: Any) -> list[str]:
    return str(_required(s, "Split")).split(str(sep))


@_fn("IsSet")
def _is_set(value: Any) -> bool:
    return value is not NOT_SET


@_fn("IsNotSet")
def _is_not_set(value: Any) -> bool:
    return value is NOT_SET


@_fn("IsNotSetOrEmpty")
def _is_not_set_or_empty(value: Any) -> bool:
    return value is NOT_SET or value == "" or (isinstance(value, (list, dict)) and not value)


@_fn("AreEqual")
def _are_equal(a: Any, b: Any, *_flags: Any) -> bool:
    from ivr_ci.simulate.evaluate import equal

    return equal(a, b)


# --- numbers and collections -----------------------------------------------------------------

@_fn("ToInt")
def _to_int(value: Any) -> int:
    value = _required(value, "ToInt")
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return int(value)
    if isinstance(value, timedelta):
        return int(value.total_seconds() * 1000)
    return int(str(value).strip())


@_fn("ToDecimal")
def _to_decimal(value: Any) -> float:
    return float(_required(value, "ToDecimal"))


@_fn("Abs")
def _abs(n: Any) -> Any:
    return abs(_required(n, "Abs"))


@_fn("Round")
def _round(n: Any, *_digits: Any) -> Any:
    return round(_required(n, "Round"))


@_fn("Count")
def _count(items: Any) -> int:
    return 0 if items is NOT_SET else len(items)


@_fn("Sum")
def _sum(*args: Any) -> Any:
    items = args[0] if len(args) == 1 and isinstance(args[0], list) else list(args)
    return sum(_required(x, "Sum") for x in items)


@_fn("Min")
def _min(*args: Any) -> Any:
    return min(args[0] if len(args) == 1 and isinstance(args[0], list) else args)


@_fn("Max")
def _max(*args: Any) -> Any:
    return max(args[0] if len(args) == 1 and isinstance(args[0], list) else args)


@_fn("GetAt")
def _get_at(items: Any, index: Any) -> Any:
    from ivr_ci.simulate.evaluate import get_index

    return get_index(items, index)


@_fn("MakeList")
def _make_list(*items: Any) -> list:
    return list(items)


@_fn("AddItem")
def _add_item(items: Any, item: Any) -> list:
    return [*(items if isinstance(items, list) else []), item]


@_fn("FindFirst")
def _find_first(items: Any, item: Any, *_flags: Any) -> int:
    from ivr_ci.simulate.evaluate import equal

    for i, x in enumerate(_required(items, "FindFirst")):
        if equal(x, item):
            return i
    return -1


# --- JSON ------------------------------------------------------------------------------------

@_fn("JsonParse")
def _json_parse(text: Any) -> Any:
    try:
        return json.loads(str(_required(text, "JsonParse")))
    except json.JSONDecodeError as exc:
        raise FlowRuntimeError(f"JsonParse(): {exc.msg}") from None


@_fn("GetJsonObjectProperty")
def _json_get(obj: Any, name: Any) -> Any:
    from ivr_ci.simulate.evaluate import get_attr

    return get_attr(_required(obj, "GetJsonObjectProperty"), str(name))


@_fn("IsJsonObject")
def _is_json_object(value: Any) -> bool:
    return isinstance(value, dict)


# Audio, communications, org objects, phone numbers, date/time register themselves.
from ivr_ci.simulate import functions_media  # noqa: E402,F401
