"""`{{key}}` placeholders: where they are, substituting them, and hiding them from YAML.

Unquoted, `name: {{flow_name}}` is YAML flow-mapping syntax ("unhashable key"), so before
parsing each `{{` / `}}` is swapped for two private-use characters of the same length:
columns stay exact, and the parser hands the scalars back with `unmask` undoing the swap.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

OPEN, CLOSE = "\ue000\ue000", "\ue001\ue001"
PLACEHOLDER_RE = re.compile(r"\{\{([^{}\n]*)\}\}")


@dataclass(frozen=True, slots=True)
class Placeholder:
    key: str
    line: int
    col: int


def placeholder_matches(text: str) -> Iterator[tuple[re.Match[str], int, int]]:
    """Each `{{…}}` of `text` (`PLACEHOLDER_RE` match) with its 1-based line and column."""
    line, scanned = 1, 0
    for m in PLACEHOLDER_RE.finditer(text):
        line += text.count("\n", scanned, m.start())
        scanned = m.start()
        line_start = text.rfind("\n", 0, m.start()) + 1
        yield m, line, m.start() - line_start + 1


def find_placeholders(text: str) -> list[Placeholder]:
    return [Placeholder(m.group(1).strip(), line, col) for m, line, col in placeholder_matches(text)]


def substitute_placeholders(text: str, values: dict[str, str]) -> str:
    """Replace `{{key}}` the way Archy's pre-processor does (for every key `values` defines);
    unknown keys stay as written."""
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1).strip(), m.group(0)), text)


def mask_placeholders(text: str) -> str:
    if "{{" not in text:
        return text
    return PLACEHOLDER_RE.sub(lambda m: OPEN + m.group(1) + CLOSE, text)


def unmask(value: str) -> str:
    return value.replace(OPEN, "{{").replace(CLOSE, "}}") if "\ue000" in value else value
