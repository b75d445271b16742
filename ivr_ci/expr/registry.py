"""The function registry the evaluator calls: one table, filled explicitly by `build_registry()`
(ivr_ci.expr.functions), never by import side effects.

A function takes the evaluation context and its evaluated arguments. A *lazy* function (If)
takes the context, its argument nodes and the evaluator, and evaluates only what it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from ivr_ci.expr.values import (
    ExprRuntimeError,
    ExprTypeError,
    Unknown,
    is_not_set,
    type_of,
)


class Context(Protocol):
    def now(self) -> datetime | Unknown:
        """The current time (aware datetime), or Unknown when the caller did not give it."""


# Where functions newer than the 2016 catalogue are documented (Genesys's own pages; the catalogue
# itself is the source of the rest). Architect's in-product Expression Help lists every function.
EXPRESSION_HELP = "https://help.mypurecloud.com/articles/architect-expression-help/"
JSON_HELP = "https://help.mypurecloud.com/articles/json-values-in-architect/"
COLLECTIONS_HELP = "https://help.mypurecloud.com/articles/modify-collection-values/"

Fn = Callable[..., Any]
LazyFn = Callable[[Context, list, Callable[[Any], Any]], Any]


@dataclass
class Registry:
    functions: dict[str, tuple[str, Fn]] = field(default_factory=dict)  # lower name -> (name, fn)
    lazy: dict[str, tuple[str, LazyFn]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # name -> where its behaviour is documented

    def add(self, *names: str, source: str = "catalogue") -> Callable[[Fn], Fn]:
        """Register `fn` under its name and any aliases (names[1:]: spellings the simulator has
        accepted that the catalogue does not list; their source says so)."""
        def wrap(fn: Fn) -> Fn:
            for i, n in enumerate(names):
                self.functions[n.lower()] = (n, fn)
                self.sources[n] = source if i == 0 else f"alias of {names[0]}"
            return fn
        return wrap

    def add_lazy(self, name: str, fn: LazyFn, source: str = "catalogue") -> None:
        self.lazy[name.lower()] = (name, fn)
        self.sources[name] = source

    def names(self) -> list[str]:
        return sorted([n for n, _ in self.functions.values()] + [n for n, _ in self.lazy.values()])


# --- helpers the function modules share ---------------------------------------------------------

def need(value: Any, where: str) -> Any:
    """An argument Architect does not allow to be NOT_SET: NOT_SET is a runtime error."""
    if is_not_set(value):
        raise ExprRuntimeError(f"{where}: a NOT_SET value where a value is required")
    return value


def arg_type_error(where: str, args: tuple | list) -> ExprTypeError:
    shown = ", ".join(type_of(a) for a in args)
    return ExprTypeError(f"{where}() takes no arguments of types ({shown})")


def as_int(value: Any, where: str) -> int:
    value = need(value, where)
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, Decimal) and value == value.to_integral_value():
            return int(value)
        raise ExprTypeError(f"{where}: {type_of(value)} where an Integer belongs")
    return value


def as_str(value: Any, where: str) -> str:
    value = need(value, where)
    if not isinstance(value, str):
        raise ExprTypeError(f"{where}: {type_of(value)} where a String belongs")
    return str(value)


def as_bool(value: Any, where: str) -> bool:
    value = need(value, where)
    if not isinstance(value, bool):
        raise ExprTypeError(f"{where}: {type_of(value)} where a Boolean belongs")
    return value

