"""YAML → plain Python trees that remember where every key and value stood.

Archy files are read the way Archy reads them, not the way YAML 1.1 would:

* `{{key}}` placeholders are kept as text. Unquoted they are YAML flow-mapping syntax
  (`name: {{flow_name}}` is "unhashable key"), so before parsing each `{{` / `}}` is swapped
  for two private-use characters of the same length; columns stay exact and the scalars
  get their braces back afterwards.
* Only `true`/`false` are booleans (YAML 1.2 core): `yes:`/`no:` decision branches and
  speech terms such as `- yes` stay strings.
* Duplicate keys are reported with both positions instead of silently keeping the last.

PyYAML's C loader composes the node tree (pure-Python loader where libyaml is missing);
we then build `YMap`/`YSeq` containers, which are ordinary dicts/lists (so `==`, JSON and
all dict code work) carrying positions on the side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, NamedTuple

import yaml

from ivr_ci.util.gcpause import paused_gc

try:  # libyaml when present; same node tree either way
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

OPEN, CLOSE = "\ue000\ue000", "\ue001\ue001"
PLACEHOLDER_RE = re.compile(r"\{\{([^{}\n]*)\}\}")
_MASKED_RE = re.compile("\ue000\ue000([^\ue000\ue001\n]*)\ue001\ue001")

_INT_RE = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT_RE = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


class Pos(NamedTuple):
    """1-based line and column of a node's start, and where it ends.

    A NamedTuple, not a frozen dataclass: a big flow creates a million of these and tuple
    construction is about three times cheaper.
    """

    line: int
    col: int
    end_line: int
    end_col: int

    @classmethod
    def of(cls, node: yaml.Node) -> Pos:
        s, e = node.start_mark, node.end_mark
        return cls(s.line + 1, s.column + 1, e.line + 1, e.column + 1)


class YMap(dict):
    """A mapping that knows the position of itself, each key and each value."""

    __slots__ = ("pos", "key_pos", "val_pos")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pos: Pos | None = None
        self.key_pos: dict[Any, Pos] = {}
        self.val_pos: dict[Any, Pos] = {}

    def line_of(self, key: Any) -> int:
        p = self.key_pos.get(key) or self.pos
        return p.line if p else 0


class YSeq(list):
    """A sequence that knows the position of itself and of each item."""

    __slots__ = ("pos", "item_pos")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.pos: Pos | None = None
        self.item_pos: list[Pos] = []


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    key: str
    first: Pos
    second: Pos


@dataclass(frozen=True, slots=True)
class Placeholder:
    key: str
    line: int
    col: int


class YamlSyntaxError(Exception):
    """The text is not YAML even with placeholders kept as text."""

    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


@dataclass(slots=True)
class ParsedYaml:
    root: Any
    duplicates: list[DuplicateKey]
    placeholders: list[Placeholder]
    multiple_documents: bool = False


def find_placeholders(text: str) -> list[Placeholder]:
    out: list[Placeholder] = []
    line, scanned = 1, 0
    for m in PLACEHOLDER_RE.finditer(text):
        line += text.count("\n", scanned, m.start())
        scanned = m.start()
        line_start = text.rfind("\n", 0, m.start()) + 1
        out.append(Placeholder(m.group(1).strip(), line, m.start() - line_start + 1))
    return out


def mask_placeholders(text: str) -> str:
    if "{{" not in text:
        return text
    return PLACEHOLDER_RE.sub(lambda m: OPEN + m.group(1) + CLOSE, text)


def _unmask(value: str) -> str:
    return value.replace(OPEN, "{{").replace(CLOSE, "}}") if "\ue000" in value else value


def _scalar(node: yaml.ScalarNode) -> Any:
    value = node.value
    if node.style:  # quoted or block scalar: always a string (plain is None, or '' from libyaml)
        return _unmask(value)
    if node.tag == "tag:yaml.org,2002:str" and "\ue000" in value:
        return _unmask(value)
    if value in ("true", "True", "TRUE"):
        return True
    if value in ("false", "False", "FALSE"):
        return False
    if value in ("", "~", "null", "Null", "NULL"):
        return None
    if _INT_RE.match(value):
        return int(value)
    if _FLOAT_RE.match(value) and any(c.isdigit() for c in value):
        return float(value)
    return _unmask(value)


def _hashable(key: Any) -> Any:
    # A complex key (a flow mapping used as key) is kept as its YAML-ish text.
    return key if isinstance(key, (str, int, float, bool)) or key is None else repr(key)


def _build(node: yaml.Node, dups: list[DuplicateKey]) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        seq = YSeq()
        seq.pos = Pos.of(node)
        for item in node.value:
            seq.append(_build(item, dups))
            seq.item_pos.append(Pos.of(item))
        return seq
    if isinstance(node, yaml.MappingNode):
        mapping = YMap()
        mapping.pos = Pos.of(node)
        for key_node, value_node in node.value:
            key = _hashable(_build(key_node, dups))
            if key in mapping:
                dups.append(DuplicateKey(str(key), mapping.key_pos[key], Pos.of(key_node)))
            mapping[key] = _build(value_node, dups)
            mapping.key_pos[key] = Pos.of(key_node)
            mapping.val_pos[key] = Pos.of(value_node)
        return mapping
    raise TypeError(f"unexpected YAML node {node!r}")  # pragma: no cover


def parse_yaml(text: str) -> ParsedYaml:
    """Parse one Archy file; raises YamlSyntaxError with a 1-based position."""
    # A big flow allocates ~10 objects per line and no cycles; the cyclic GC's repeated
    # full passes over that growing tree cost more than the parse itself (2x on 25k lines).
    with paused_gc():
        return _parse_yaml(text)


def _parse_yaml(text: str) -> ParsedYaml:
    if text.startswith("\ufeff"):
        text = text[1:]
    masked = mask_placeholders(text)
    try:
        nodes = list(yaml.compose_all(masked, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlSyntaxError(_unmask(problem), line, col) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(_unmask(str(exc)), 1, 1) from None
    dups: list[DuplicateKey] = []
    root = _build(nodes[0], dups) if nodes else None
    return ParsedYaml(root, dups, find_placeholders(text), multiple_documents=len(nodes) > 1)


def load_plain(text: str) -> Any:
    """Parse YAML (config files, seeds) with the same rules; positions kept on containers."""
    return parse_yaml(text).root
