"""Numbers read from YAML, config and the command line without overflowing.

A setting can be written as anything YAML allows: `1e309` (a float that is infinite), a
5,000-digit integer (`float()` of it raises OverflowError), `.nan`, `true` (a bool is an int
in Python). Every numeric setting goes through `read_number`, which never raises: it gives
a finite float, or None with the reason and a short rendering of what was written, so the
caller reports a finding or a config error instead of crashing.
"""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

# numeric text as Archy settings write it (a quoted "10"); exponents only unquoted, as YAML floats
_NUMBER_RE = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)\s*$")
_MAX_BITS = 1023  # an int this wide still converts to a finite float


class Reading(NamedTuple):
    """`value`: a finite float, or None. `problem`: why not (None when it is a number, or
    when the value is simply not numeric text). `shown`: the value as written, shortened."""

    value: float | None
    shown: str
    problem: str | None = None


def shorten(text: str, limit: int = 24) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:12]}… ({len(text):,} characters)"


def read_number(value: Any) -> Reading:
    """A literal number (also written as numeric text)."""
    if isinstance(value, bool):
        return Reading(None, str(value).lower(), "true/false is not a number")
    if isinstance(value, int):
        if value.bit_length() > _MAX_BITS:
            return Reading(None, _digits(value), "too large to be a number")
        return Reading(float(value), str(value))
    if isinstance(value, float):
        if math.isnan(value):
            return Reading(None, "NaN", "not a number (NaN)")
        if math.isinf(value):
            return Reading(None, "infinity" if value > 0 else "-infinity", "too large to be a number")
        return Reading(value, f"{value:g}")
    if isinstance(value, str) and _NUMBER_RE.match(value):
        number = float(value)  # float() of numeric text never raises; a huge one is inf
        if math.isinf(number):
            return Reading(None, shorten(value.strip()), "too large to be a number")
        return Reading(number, shorten(value.strip()))
    return Reading(None, shorten(repr(value)) if not isinstance(value, str) else shorten(repr(value), 40))


def _digits(value: int) -> str:
    try:
        return f"a {len(str(abs(value))):,}-digit number"
    except ValueError:  # str() of an int over 4,300 digits raises: its size is all a message needs
        return f"a number of about {round(value.bit_length() * math.log10(2)):,} digits"


def whole_number(value: Any, minimum: int | None = None, maximum: int | None = None) -> int | None:
    """An int within [minimum, maximum] (bounds optional), or None: no bool, no fraction, no overflow."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        got = read_number(value).value
        if got is None or not got.is_integer():
            return None
        number = int(got)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        return None
    return number
