"""Logic and collections: If, AreEqual, IsSet, IsNotSetOrEmpty, MakeList, MakeEmptyList, GetAt,
Count, Find, FindFirst (catalogue 0.0.18); IsNotSet and the collection modifiers AddItem,
AddItemAt, RemoveDups, RemoveItem(At), ReplaceItem(First/At) from Genesys's docs (the registry
records each one's page)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ivr_ci.expr.ops import equal, index
from ivr_ci.expr.registry import COLLECTIONS_HELP, EXPRESSION_HELP, Context, Registry, as_bool, as_int, need
from ivr_ci.expr.values import (
    Collection,
    Currency,
    ExprRuntimeError,
    NotSet,
    Unknown,
    is_not_set,
    type_of,
)


def lazy_if(ctx: Context, nodes: list, evaluate: Callable[[Any], Any]) -> Any:
    """If(condition, then, else): only the branch taken is evaluated."""
    if len(nodes) != 3:
        from ivr_ci.expr.values import ExprTypeError

        raise ExprTypeError(f"If() takes 3 arguments, not {len(nodes)}")
    cond = evaluate(nodes[0])
    if isinstance(cond, Unknown):
        return cond
    if is_not_set(cond):
        raise ExprRuntimeError("If(): the condition is NOT_SET")
    return evaluate(nodes[1] if as_bool(cond, "If") else nodes[2])


def _is_string_like(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, NotSet) and value.type in ("String", None)) or (
        isinstance(value, Collection) and value.item_type == "String")


def _are_equal(_ctx: Context, *args: Any) -> bool:
    ignore_case = False
    if len(args) >= 3 and isinstance(args[0], bool) and all(_is_string_like(a) for a in args[1:]):
        ignore_case, args = args[0], args[1:]  # areEqual(Boolean ignoreCase, String, String...)
    first = args[0]
    return all(equal(first, other, ignore_case) for other in args[1:])


def _is_set(_ctx: Context, value: Any) -> bool:
    return not is_not_set(value)


def _is_not_set(_ctx: Context, value: Any) -> bool:
    return is_not_set(value)


def _is_not_set_or_empty(_ctx: Context, value: Any) -> bool:
    if is_not_set(value):
        return True
    if isinstance(value, (str, list, dict)):
        return not value
    if isinstance(value, Currency):
        return is_not_set(value.amount)
    return False


def _make_list(_ctx: Context, *items: Any) -> Collection:
    return Collection(items)


def _make_empty_list(_ctx: Context, *types: Any) -> Collection:
    item_type = next((type_of(v) if not isinstance(v, NotSet) else v.type for v in types), None)
    return Collection([], item_type)


def _get_at(_ctx: Context, items: Any, i: Any) -> Any:
    return index(need(items, "GetAt"), need(i, "GetAt"))


def _count(_ctx: Context, items: Any) -> int:
    if is_not_set(items):
        return 0
    if not isinstance(items, list):
        from ivr_ci.expr.registry import arg_type_error

        raise arg_type_error("Count", (items,))
    return len(items)


def _find(_ctx: Context, items: Any, item: Any) -> Collection:
    return Collection([i for i, x in enumerate(need(items, "Find")) if equal(x, item)], "Integer")


def _find_first(_ctx: Context, items: Any, item: Any) -> int:
    for i, x in enumerate(need(items, "FindFirst")):
        if equal(x, item):
            return i
    return -1


def _add_item(_ctx: Context, items: Any, item: Any) -> Collection:
    base = [] if is_not_set(items) else list(items)
    item_type = items.item_type if isinstance(items, Collection) else None
    return Collection([*base, item], item_type)


def _items(items: Any, where: str) -> tuple[list, str | None]:
    if is_not_set(items):
        return [], items.type.removesuffix(" Collection") if items.type else None
    if not isinstance(items, list):
        from ivr_ci.expr.registry import arg_type_error

        raise arg_type_error(where, (items,))
    return list(items), items.item_type if isinstance(items, Collection) else None


def _position(items: list, i: Any, where: str, inclusive: bool = False) -> int:
    index = as_int(i, where)
    if not 0 <= index < len(items) + (1 if inclusive else 0):
        raise ExprRuntimeError(f"{where}(): index {index} outside a collection of {len(items)}")
    return index


def _add_item_at(_ctx: Context, items: Any, i: Any, item: Any) -> Collection:
    base, item_type = _items(items, "AddItemAt")
    base.insert(_position(base, i, "AddItemAt", inclusive=True), item)
    return Collection(base, item_type)


def _remove_dups(_ctx: Context, items: Any) -> Collection:
    base, item_type = _items(items, "RemoveDups")
    kept: list = []
    for x in base:
        if not any(equal(x, y) for y in kept):
            kept.append(x)
    return Collection(kept, item_type)


def _remove_item(_ctx: Context, items: Any, item: Any) -> Collection:
    base, item_type = _items(items, "RemoveItem")
    return Collection([x for x in base if not equal(x, item)], item_type)


def _remove_item_at(_ctx: Context, items: Any, i: Any) -> Collection:
    base, item_type = _items(items, "RemoveItemAt")
    del base[_position(base, i, "RemoveItemAt")]
    return Collection(base, item_type)


def _replace_item(_ctx: Context, items: Any, old: Any, new: Any) -> Collection:
    base, item_type = _items(items, "ReplaceItem")
    return Collection([new if equal(x, old) else x for x in base], item_type)


def _replace_item_first(_ctx: Context, items: Any, old: Any, new: Any) -> Collection:
    base, item_type = _items(items, "ReplaceItemFirst")
    for n, x in enumerate(base):
        if equal(x, old):
            base[n] = new
            break
    return Collection(base, item_type)


def _replace_item_at(_ctx: Context, items: Any, i: Any, new: Any) -> Collection:
    base, item_type = _items(items, "ReplaceItemAt")
    base[_position(base, i, "ReplaceItemAt")] = new
    return Collection(base, item_type)


def register(reg: Registry) -> None:
    reg.add_lazy("If", lazy_if)
    reg.add("AreEqual")(_are_equal)
    reg.add("IsSet")(_is_set)
    reg.add("IsNotSet", source=EXPRESSION_HELP)(_is_not_set)
    reg.add("IsNotSetOrEmpty")(_is_not_set_or_empty)
    reg.add("MakeList")(_make_list)
    reg.add("MakeEmptyList")(_make_empty_list)
    reg.add("GetAt")(_get_at)
    reg.add("Count")(_count)
    reg.add("Find")(_find)
    reg.add("FindFirst")(_find_first)
    reg.add("AddItem", source=COLLECTIONS_HELP)(_add_item)
    reg.add("AddItemAt", source=COLLECTIONS_HELP)(_add_item_at)
    reg.add("RemoveDups", source=COLLECTIONS_HELP)(_remove_dups)
    reg.add("RemoveItem", source=COLLECTIONS_HELP)(_remove_item)
    reg.add("RemoveItemAt", source=COLLECTIONS_HELP)(_remove_item_at)
    reg.add("ReplaceItem", source=COLLECTIONS_HELP)(_replace_item)
    reg.add("ReplaceItemFirst", source=COLLECTIONS_HELP)(_replace_item_first)
    reg.add("ReplaceItemAt", source=COLLECTIONS_HELP)(_replace_item_at)
