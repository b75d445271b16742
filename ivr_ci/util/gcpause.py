"""Pause the cyclic garbage collector around allocation-heavy, cycle-free work.

Loading and comparing big flows allocates millions of small objects that all stay alive until
the end; every full GC pass re-walks them, which costs more than the work itself (measured
0.95 s → 0.60 s for a 5,000-node diff). Nothing is freed later than it would be anyway.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc(freeze: bool = False) -> Iterator[None]:
    """Pause the cyclic GC. With `freeze`, everything allocated so far is moved out of the
    collector's reach before it is re-enabled: otherwise the first collection afterwards walks
    every object made during the pause (seconds for a big flow). Only for short-lived command
    processes: cyclic garbage among frozen objects is never reclaimed."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if freeze:
                gc.freeze()
            gc.enable()
