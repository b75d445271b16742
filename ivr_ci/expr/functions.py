"""The one function registry of the evaluator, built explicitly from the function modules.

    registry = build_registry()          # or default_registry(), built once per process
    name, fn = registry.functions["append"]

Each module's `register(reg)` adds its functions; nothing registers itself on import.
"""

from __future__ import annotations

from functools import lru_cache

from ivr_ci.expr import fn_lists, fn_media, fn_numbers, fn_text, fn_time
from ivr_ci.expr.registry import Registry


def build_registry() -> Registry:
    reg = Registry()
    for module in (fn_numbers, fn_text, fn_time, fn_lists, fn_media):
        module.register(reg)
    return reg


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    return build_registry()
