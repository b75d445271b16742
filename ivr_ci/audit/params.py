"""Parameterise exported YAML: environment-specific values back into `{{key}}` placeholders.

The environment's substitution map is applied in reverse, in one left-to-right pass over the
text with the longest value tried first at each position (so `DEV Sales` wins over `DEV `,
and an inserted placeholder is never matched again). Rendering the result with the same map
gives back the exported text byte for byte (promote compares the two as equal), because each
replaced occurrence is exactly the value its key renders to.

Values that cannot be reversed safely are left as they are and reported, never guessed:
* ambiguous: two or more keys have the same value (which key was meant is unknowable);
* too generic: empty, shorter than MIN_LENGTH, only digits/punctuation, or a YAML keyword
  (true, no, null ...): replacing every `5` or `true` in a flow would be wrong.
A value only matches at word boundaries (`Sales` does not match inside `Presales`) when it
starts/ends with a letter or digit; a value ending in a space (a name prefix) matches before
anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MIN_LENGTH = 3
_KEYWORDS = frozenset({"true", "false", "yes", "no", "on", "off", "null", "none", "~"})


@dataclass
class Parameterisation:
    text: str
    used: dict[str, int] = field(default_factory=dict)  # key -> replacements
    ambiguous: dict[str, list[str]] = field(default_factory=dict)  # value -> keys (found in the text)
    generic: dict[str, str] = field(default_factory=dict)  # key -> value (found in the text, not replaced)


@dataclass(frozen=True)
class ReverseMap:
    """The reversible part of a substitution map, compiled once and used for every file."""

    by_value: dict[str, str]  # value -> key
    ambiguous: dict[str, list[str]]
    generic: dict[str, str]
    pattern: re.Pattern[str] | None

    @classmethod
    def build(cls, values: dict[str, str]) -> ReverseMap:
        keys_by_value: dict[str, list[str]] = {}
        generic: dict[str, str] = {}
        for key, value in values.items():
            if is_generic(value):
                if value:
                    generic[key] = value
                continue
            keys_by_value.setdefault(value, []).append(key)
        ambiguous = {v: sorted(k) for v, k in keys_by_value.items() if len(k) > 1}
        by_value = {v: k[0] for v, k in keys_by_value.items() if len(k) == 1}
        ordered = sorted(by_value, key=lambda v: (-len(v), v))
        pattern = re.compile("|".join(_alternative(v) for v in ordered)) if ordered else None
        return cls(by_value, ambiguous, generic, pattern)

    def apply(self, text: str) -> Parameterisation:
        out = Parameterisation(text)
        if self.pattern is not None:
            def replace(m: re.Match[str]) -> str:
                key = self.by_value[m.group(0)]
                out.used[key] = out.used.get(key, 0) + 1
                return "{{" + key + "}}"

            out.text = self.pattern.sub(replace, text)
        out.ambiguous = {v: keys for v, keys in self.ambiguous.items() if _occurs(v, text)}
        out.generic = {k: v for k, v in self.generic.items() if _occurs(v, text)}
        return out


def is_generic(value: str) -> bool:
    stripped = value.strip()
    return (len(stripped) < MIN_LENGTH or stripped.casefold() in _KEYWORDS
            or not any(ch.isalpha() for ch in stripped))


def _alternative(value: str) -> str:
    body = re.escape(value)
    head = r"(?<![\w])" if value[0].isalnum() else ""
    tail = r"(?![\w])" if value[-1].isalnum() else ""
    return head + body + tail


def _occurs(value: str, text: str) -> bool:
    return re.search(_alternative(value), text) is not None if value else False


def parameterise(text: str, values: dict[str, str]) -> Parameterisation:
    return ReverseMap.build(values).apply(text)
