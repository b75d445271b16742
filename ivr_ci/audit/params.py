"""Parameterise exported YAML: environment-specific values back into `{{key}}` placeholders.

The environment's substitution map is applied in reverse, but only where a value stands for
something the environment decides — never in what callers hear or read:

* **reference positions**: the flow's own `name` and `division`, org objects named by
  `{lit: {name: X}}` (Archy's literal for an org object, wherever it stands) or `{name: X}` under
  a telling key (targetFlow...), object names written as mapping keys (data actions and their integration, data
  tables, bot flows, common modules), and the quoted name inside `FindQueue("X")`-style
  expressions. There the whole name may be a value (`Sales` -> `{{sales_queue}}`), or a value
  that is an affix — starts or ends with a non-alphanumeric character, like a `DEV ` prefix —
  may stand at its start or end (`DEV Main IVR` -> `{{flow_prefix}}Main IVR`);
* **any other scalar that equals a value exactly**, except free text and labels (`tts`,
  `description`, element and action names, expressions).

Nothing is replaced inside free text or as part of a word: with prod values such as `Support`,
`Mobile Support` stays a flow name and `Sales is unavailable` stays a prompt. Values that
cannot be reversed are left as they are and reported with their line:

* ambiguous: two or more keys have the value (which key was meant is unknowable);
* impossible: a key whose value is empty (a prefix that is `""` in this environment) cannot be
  put back anywhere — unless a template guide (the repository's existing templates, rendered
  for the same environment) shows where it goes;
* too generic: shorter than MIN_LENGTH, only digits/punctuation, or a YAML keyword.

Rendering the result with the same map gives back the exported text byte for byte (export
checks this), because each replaced span is exactly the text its placeholders render to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ivr_ci.flow.yamlpos import YMap, YSeq

MIN_LENGTH = 3
_KEYWORDS = frozenset({"true", "false", "yes", "no", "on", "off", "null", "none", "~"})
# keys whose `{lit: {name: X}}` / `{name: X}` names an org object (as ivr_ci.flow.orgrefs reads them)
_NAME_KEYS = frozenset({
    "targetQueue", "queue", "languageSkill", "defaultLanguageSkill", "emergencyGroup", "selectedSchedule",
    "schedule", "scheduleGroup", "contactList", "wrapupCode", "targetFlow", "targetUser", "user",
    "targetGroup", "group", "holdMusic", "skill", "worktype", "overrideInQueueFlow", "targetFlowSecure",
})
# containers whose mapping keys are org object names
_KEYED = frozenset({"dataTable", "botFlow", "digitalBotFlow", "commonModule", "screenPopScript"})
# free text and labels: never parameterised, not even on an exact match
_TEXT_KEYS = frozenset({"tts", "description", "name", "exp", "text", "prompt", "refId", "dtmf", "message"})
_FIND_RE = re.compile(r'\bFind(?:Queue|ScheduleGroup|Schedule|EmergencyGroup|User|Group|Skill|LanguageSkill)'
                      r'\(\s*"([^"\\]+)"')


@dataclass
class Parameterisation:
    text: str
    used: dict[str, int] = field(default_factory=dict)  # key -> replacements
    ambiguous: dict[str, list[str]] = field(default_factory=dict)  # value -> keys (found at a reference)
    generic: dict[str, str] = field(default_factory=dict)  # key -> value (found at a reference, not replaced)
    reports: list[tuple[int, str]] = field(default_factory=list)  # (line, what could not be reversed)


@dataclass(frozen=True)
class _Span:
    start: int  # text offsets of the scalar's characters (inside quotes)
    end: int
    value: str
    line: int
    reference: bool  # a reference position (affixes allowed), else exact matches only
    kind: str  # what it names, for messages ("flow name", "queue", "value")


@dataclass(frozen=True)
class ReverseMap:
    """The reversible part of a substitution map, compiled once and used for every file."""

    by_value: dict[str, str]  # value -> key
    ambiguous: dict[str, list[str]]
    generic: dict[str, str]
    empty: tuple[str, ...]  # keys whose value is "" (cannot be reversed without a guide)
    prefixes: tuple[tuple[str, str], ...]  # (value, key), longest first: values ending in a non-alnum
    suffixes: tuple[tuple[str, str], ...]
    guide: dict[str, str] = field(default_factory=dict)  # rendered reference -> template text
    pattern: re.Pattern[str] | None = None  # every value, longest first, word-bounded (apply_text)

    @classmethod
    def build(cls, values: dict[str, str], guide: dict[str, str] | None = None) -> ReverseMap:
        keys_by_value: dict[str, list[str]] = {}
        generic: dict[str, str] = {}
        empty = []
        for key, value in values.items():
            if value == "":
                empty.append(key)
            elif is_generic(value):
                generic[key] = value
            else:
                keys_by_value.setdefault(value, []).append(key)
        ambiguous = {v: sorted(k) for v, k in keys_by_value.items() if len(k) > 1}
        by_value = {v: k[0] for v, k in keys_by_value.items() if len(k) == 1}
        ordered = sorted(by_value, key=lambda v: (-len(v), v))
        prefixes = tuple((v, by_value[v]) for v in ordered if not v[-1].isalnum())
        suffixes = tuple((v, by_value[v]) for v in ordered if not v[0].isalnum())
        pattern = re.compile("|".join(_alternative(v) for v in ordered)) if ordered else None
        return cls(by_value, ambiguous, generic, tuple(sorted(empty)), prefixes, suffixes, dict(guide or {}), pattern)

    def apply_text(self, text: str) -> Parameterisation:
        """Every word-bounded occurrence in plain text (not a flow: a prompt file, whose text is
        the prompt's own and whose placeholders its author put in it), longest value first."""
        out = Parameterisation(text)
        if self.pattern is not None:
            def replace(m: re.Match[str]) -> str:
                key = self.by_value[m.group(0)]
                out.used[key] = out.used.get(key, 0) + 1
                return "{{" + key + "}}"

            out.text = self.pattern.sub(replace, text)
        return out

    # -- one name -----------------------------------------------------------------------------
    def reverse_reference(self, name: str) -> str:
        """A name in a reference position with its environment-specific parts as placeholders."""
        return self._reverse(name, True)[0]

    def _reverse(self, s: str, reference: bool) -> tuple[str, list[str]]:
        """(text, keys used); `s` itself when nothing applies."""
        if reference and s in self.guide:
            return self.guide[s], re.findall(r"\{\{([^{}]+)\}\}", self.guide[s])
        if s in self.by_value:
            key = self.by_value[s]
            return "{{" + key + "}}", [key]
        if not reference:
            return s, []
        for value, key in self.prefixes:
            if s.startswith(value) and len(s) > len(value):
                rest, used = self._reverse(s[len(value):], True)
                return "{{" + key + "}}" + rest, [key, *used]
        for value, key in self.suffixes:
            if s.endswith(value) and len(s) > len(value):
                rest, used = self._reverse(s[:-len(value)], True)
                return rest + "{{" + key + "}}", [*used, key]
        return s, []

    # -- a whole file -------------------------------------------------------------------------
    def apply(self, text: str) -> Parameterisation:
        from ivr_ci.flow import load_flow_text

        out = Parameterisation(text)
        doc = load_flow_text(text, "<export>")
        if doc.flow is None:
            return out
        starts = _line_starts(text)
        pieces: list[str] = []
        last = 0
        for span in sorted(_spans(doc.flow.raw, text, starts), key=lambda s: s.start):
            new, used = self._reverse(span.value, span.reference)
            if used and span.start >= last:
                pieces += [text[last:span.start], new]
                last = span.end
                for key in used:
                    out.used[key] = out.used.get(key, 0) + 1
            elif span.reference:
                self._explain(span, out)
        pieces.append(text[last:])
        out.text = "".join(pieces)
        out.reports.sort()
        return out

    def _explain(self, span: _Span, out: Parameterisation) -> None:
        s = span.value
        for value, keys in self.ambiguous.items():
            if s == value or (not value[-1].isalnum() and s.startswith(value)):
                out.ambiguous[value] = keys
                out.reports.append((span.line, f"{span.kind} {s!r}: {value!r} is the value of "
                                               f"{', '.join(keys)}, so which one is meant cannot be told; left as is"))
                return
        for key, value in self.generic.items():
            if s == value:
                out.generic[key] = value
                out.reports.append((span.line, f"{span.kind} {s!r}: the value of {key} is too generic to "
                                               "replace safely; left as is"))
                return
        if self.empty and span.kind == "flow name":
            names = ", ".join(self.empty)
            out.reports.append((span.line, f"{span.kind} {s!r}: {names} {'is' if len(self.empty) == 1 else 'are'} "
                                           "empty in this environment, so whether the name carries "
                                           f"{'it' if len(self.empty) == 1 else 'them'} cannot be told; "
                                           "left as is (add the placeholder by hand, or export into the "
                                           "repository whose templates show it)"))


def is_generic(value: str) -> bool:
    stripped = value.strip()
    return (len(stripped) < MIN_LENGTH or stripped.casefold() in _KEYWORDS
            or not any(ch.isalpha() for ch in stripped))


def _alternative(value: str) -> str:
    body = re.escape(value)
    head = r"(?<![\w])" if value[0].isalnum() else ""
    tail = r"(?![\w])" if value[-1].isalnum() else ""
    return head + body + tail


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for m in re.finditer("\n", text):
        starts.append(m.end())
    return starts


def _scalar(text: str, starts: list[int], pos: Any, value: str, reference: bool, kind: str) -> _Span | None:
    """The span of `value`'s characters in the source (plain or quoted, on one line), or None."""
    if pos is None or pos.line != pos.end_line or pos.line > len(starts):
        return None
    a = starts[pos.line - 1] + pos.col - 1
    b = starts[pos.line - 1] + pos.end_col - 1
    raw = text[a:b]
    if raw == value:
        return _Span(a, b, value, pos.line, reference, kind)
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"" and raw[1:-1] == value:
        return _Span(a + 1, b - 1, value, pos.line, reference, kind)
    return None  # escapes or folding: the value is not written as itself; leave it


def _spans(body: Any, text: str, starts: list[int]) -> Iterator[_Span]:
    """Every scalar that may be parameterised, in a flow's body mapping (parsed YAML: every
    mapping a YMap, every list a YSeq, with their positions)."""
    if not isinstance(body, YMap):
        return
    for key, kind in (("name", "flow name"), ("division", "division")):
        if isinstance(body.get(key), str):
            span = _scalar(text, starts, body.value_pos(key), body[key], True, kind)
            if span:
                yield span
    for key, value in body.items():
        if key not in ("name", "division"):
            yield from _walk(value, key, None, text, starts)


def _walk(node: Any, key: Any, parent: Any, text: str, starts: list[int]) -> Iterator[_Span]:
    if isinstance(node, YMap):
        # `{lit: {name: X}}` is Archy's literal for an org object wherever it stands; a bare
        # `{name: X}` only under a key that names one (targetFlow: {name: ...})
        lit = node.get("lit")
        inner = lit if isinstance(lit, YMap) else (node if key in _NAME_KEYS else None)
        if isinstance(inner, YMap) and isinstance(inner.get("name"), str):
            kind = "flow name" if key in ("targetFlow", "targetFlowSecure", "overrideInQueueFlow") else str(key)
            span = _scalar(text, starts, inner.value_pos("name"), inner["name"], True, kind)
            if span:
                yield span
            return
        named_keys = key in _KEYED or (key == "category" and parent == "callData") or key == "dataAction"
        for k, v in node.items():
            if named_keys and isinstance(k, str):
                kpos = node.key_pos.get(k)
                span = _scalar(text, starts, kpos, k, True, "name") if kpos else None
                if span:
                    yield span
            if isinstance(v, (dict, list)):
                yield from _walk(v, k, key, text, starts)
            elif isinstance(v, str) and k not in _TEXT_KEYS:
                span = _scalar(text, starts, node.value_pos(k), v, False, "value")
                if span:
                    yield span
            elif isinstance(v, str) and k == "exp":
                yield from _find_calls(text, starts, node.value_pos(k), v)
    elif isinstance(node, YSeq):
        for i, item in enumerate(node):
            if isinstance(item, (dict, list)):
                yield from _walk(item, key, parent, text, starts)
            elif isinstance(item, str) and key not in _TEXT_KEYS and i < len(node.item_pos):
                span = _scalar(text, starts, node.item_pos[i], item, False, "value")
                if span:
                    yield span


def _find_calls(text: str, starts: list[int], pos: Any, expr: str) -> Iterator[_Span]:
    """`FindQueue("X")`: the quoted object name inside an expression is a reference."""
    if "Find" not in expr or pos is None or pos.line != pos.end_line:
        return
    a = starts[pos.line - 1] + pos.col - 1
    b = starts[pos.line - 1] + pos.end_col - 1
    raw = text[a:b]
    if raw == expr:
        base = a
    elif len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"" and raw[1:-1] == expr:
        base = a + 1
    else:
        return  # escapes in the source: offsets would not match; leave it
    for m in _FIND_RE.finditer(expr):
        yield _Span(base + m.start(1), base + m.end(1), m.group(1), pos.line, True, "name")


def parameterise(text: str, values: dict[str, str]) -> Parameterisation:
    return ReverseMap.build(values).apply(text)


def reference_templates(template_text: str) -> list[str]:
    """The reference-position scalars of a template that hold placeholders (for a guide)."""
    from ivr_ci.flow import load_flow_text

    doc = load_flow_text(template_text, "<template>")
    if doc.flow is None:
        return []
    out = []
    for span in _spans(doc.flow.raw, template_text, _line_starts(template_text)):
        if span.reference and "{{" in span.value:
            out.append(span.value)
    return out
