"""YAML → plain Python trees that remember where every key and value stood.

Archy files are read the way Archy reads them, not the way YAML 1.1 would:

* `{{key}}` placeholders are kept as text. Unquoted they are YAML flow-mapping syntax
  (`name: {{flow_name}}` is "unhashable key"), so they are masked before parsing and the
  scalars get their braces back afterwards (ivr_ci/flow/placeholders.py).
* Only `true`/`false` are booleans (YAML 1.2 core): `yes:`/`no:` decision branches and
  speech terms such as `- yes` stay strings.
* Duplicate keys are reported with both positions instead of silently keeping the last.

PyYAML's C loader composes the node tree (pure-Python loader where libyaml is missing);
we then build `YMap`/`YSeq` containers, which are ordinary dicts/lists (so `==`, JSON and
all dict code work) carrying positions on the side.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

import yaml

from ivr_ci.flow.placeholders import Placeholder, find_placeholders, mask_placeholders
from ivr_ci.flow.placeholders import unmask as _unmask
from ivr_ci.flow.yamlpolicy import AliasBudgetExceeded, check_aliases

try:  # libyaml when present; same node tree either way
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

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


_UNUSED_TAG = "tag:ivr-ci,unresolved"


def loader_class(base: type) -> type:
    """`base` (CSafeLoader, or SafeLoader where libyaml is missing) without tag resolution:
    tags are never used (scalars are typed by `_scalar`, YAML 1.2-style), so the three
    resolver hooks the composer calls per node become C builtins that do nothing useful.
    Python-level no-ops cost ~10 % of composing a big flow."""
    return type("_Loader", (base,), {
        "descend_resolver": staticmethod(operator.is_),  # (parent, index) -> ignored
        "ascend_resolver": staticmethod(int),  # () -> ignored
        # (kind, value, implicit) -> the node's unused tag: a string without fields formats
        # to itself, so no object is made per node
        "resolve": _UNUSED_TAG.format,
    })


_Loader = loader_class(_BaseLoader)


def _as_pos(item: Any) -> Pos:
    return item if isinstance(item, Pos) else Pos.of(item)


class _PosMap(dict):
    """key -> Pos, holding the YAML nodes and converting on access: a big flow has ~300k keys
    and most positions are never asked for (half the cost of building the tree)."""

    __slots__ = ()

    def __getitem__(self, key: Any) -> Pos:
        return _as_pos(dict.__getitem__(self, key))

    def get(self, key: Any, default: Any = None) -> Any:
        item = dict.get(self, key)
        return default if item is None else _as_pos(item)

    def items(self) -> Any:
        return ((k, _as_pos(v)) for k, v in dict.items(self))

    def values(self) -> Any:
        return (_as_pos(v) for v in dict.values(self))


class _PosList(list):
    """index -> Pos, like _PosMap."""

    __slots__ = ()

    def __getitem__(self, index: Any) -> Any:
        item = list.__getitem__(self, index)
        return [_as_pos(i) for i in item] if isinstance(index, slice) else _as_pos(item)

    def __iter__(self) -> Any:
        return (_as_pos(i) for i in list.__iter__(self))


def _get_pos(self: YMap | YSeq) -> Pos | None:
    if self._pos is None and self._node is not None:
        self._pos = Pos.of(self._node)
    return self._pos


def _set_pos(self: YMap | YSeq, value: Pos | None) -> None:
    self._pos = value


# Where a YMap or YSeq itself stands: from its YAML node on first use, or as assigned.
_lazy_pos = property(_get_pos, _set_pos)


class YMap(dict):
    """A mapping that knows the position of itself, each key and each value.

    A parsed map keeps its YAML node and works positions out from it on first use: a big
    flow builds ~100k maps and most are never asked where they stand. A map built in code
    has no node, so no positions unless they are assigned.
    """

    __slots__ = ("_node", "_pos", "_key_pos", "_value_nodes")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._node: Any = None
        self._pos: Pos | None = None
        self._key_pos: dict[Any, Pos] | None = None
        self._value_nodes: dict[Any, Any] | None = None

    pos = _lazy_pos

    @property
    def key_pos(self) -> dict[Any, Pos]:
        """key -> position of the key; writable, for maps built in code."""
        if self._key_pos is None:
            self._index()
        return self._key_pos  # type: ignore[return-value]

    def _keys_aligned(self) -> bool:
        """True when the map's keys are its node's keys in order: parsed without a repeated
        key (parsed maps are read, never re-keyed)."""
        return self._node is not None and len(self._node.value) == len(self)

    def _index(self) -> None:
        key_nodes = _PosMap()
        value_nodes: dict[Any, yaml.Node] = {}
        node = self._node
        if self._keys_aligned():  # no key needs typing again
            pairs = node.value
            dict.update(key_nodes, zip(self, [k for k, _ in pairs], strict=True))
            value_nodes.update(zip(self, [v for _, v in pairs], strict=True))
        elif node is not None:
            for key_node, value_node in node.value:
                key = _key_of(key_node)  # a repeated key: the last one, as in the mapping
                dict.__setitem__(key_nodes, key, key_node)
                value_nodes[key] = value_node
        self._key_pos, self._value_nodes = key_nodes, value_nodes

    def value_pos(self, key: Any) -> Pos | None:
        if self._value_nodes is None:
            self._index()
        node = self._value_nodes.get(key)  # type: ignore[union-attr]
        return Pos.of(node) if node is not None else None

    def pos_of(self, key: Any) -> Pos | None:
        """Position of `key`, else of the mapping itself (None when not positioned)."""
        node = self._node
        if self._key_pos is None and len(self) <= 16 and self._keys_aligned():
            # one key of a small map (a finding's line): find its node without indexing them all
            try:
                return Pos.of(node.value[list(self).index(key)][0])
            except ValueError:
                return self.pos
        return self.key_pos.get(key) or self.pos

    def line_of(self, key: Any) -> int:
        return key_line(self, key, 0)


class YSeq(list):
    """A sequence that knows the position of itself and of each item (lazily, like YMap)."""

    __slots__ = ("_node", "_pos", "_item_pos")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._node: Any = None
        self._pos: Pos | None = None
        self._item_pos: list[Pos] | None = None

    pos = _lazy_pos

    @property
    def item_pos(self) -> list[Pos]:
        if self._item_pos is None:
            self._item_pos = _PosList(self._node.value if self._node is not None else ())
        return self._item_pos

    @item_pos.setter
    def item_pos(self, value: list[Pos]) -> None:
        self._item_pos = value

    def item_start(self, index: int) -> tuple[int, int] | None:
        """(line, col) of item `index`, straight from its node: the model asks this for
        every element it builds, and most never need a whole Pos."""
        items = self._item_pos
        if items is None:
            node = self._node
            if node is None or not 0 <= index < len(node.value):
                return None
            mark = node.value[index].start_mark
            return mark.line + 1, mark.column + 1
        if not 0 <= index < len(items):
            return None
        p = items[index]
        return p.line, p.col


_new_map, _new_seq = YMap.__new__, YSeq.__new__  # _build fills the slots itself: no __init__ call


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    key: str
    first: Pos
    second: Pos


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


def key_line(mapping: Any, key: Any, default: int = 1) -> int:
    """Line of `key` in a positioned mapping (or of the mapping itself), else `default`."""
    p = mapping.pos_of(key) if isinstance(mapping, YMap) else None
    return p.line if p else default


def key_col(mapping: Any, key: Any, default: int = 1) -> int:
    """Column of `key` in a positioned mapping (or of the mapping itself), else `default`."""
    p = mapping.pos_of(key) if isinstance(mapping, YMap) else None
    return p.col if p else default


_CONSTANTS: dict[str, Any] = {
    "true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False,
    "": None, "~": None, "null": None, "Null": None, "NULL": None,
}
_NUMERIC_START = frozenset("0123456789+-.")


def _scalar(node: yaml.ScalarNode) -> Any:
    value = node.value
    if node.style:  # quoted or block scalar: always a string (plain is None, or '' from libyaml)
        return value if "\ue000" not in value else _unmask(value)
    if value in _CONSTANTS:
        return _CONSTANTS[value]
    if value[0] in _NUMERIC_START:
        if _INT_RE.match(value):
            try:
                return int(value)
            except ValueError:  # longer than Python converts (4,300 digits): keep the text
                return value
        if _FLOAT_RE.match(value) and any(c.isdigit() for c in value):
            return float(value)
    return value if "\ue000" not in value else _unmask(value)


def _hashable(key: Any) -> Any:
    # A complex key (a flow mapping used as key) is kept as its YAML-ish text.
    return key if isinstance(key, (str, int, float, bool)) or key is None else repr(key)


def _key_of(key_node: yaml.Node) -> Any:
    if key_node.__class__ is _ScalarNode:
        return _scalar(key_node)
    return _hashable(_build(key_node, []))


_ScalarNode, _SequenceNode, _MappingNode = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode


def _build(node: yaml.Node, dups: list[DuplicateKey]) -> Any:
    # Hot path (a 10,000-menu flow has ~600k nodes): class identity checks, scalars inline,
    # positions left in the nodes (YMap/YSeq read them on demand).
    cls = node.__class__
    if cls is _ScalarNode:
        # a ScalarNode: mypy does not narrow `node` through the `cls` local the hot path tests
        return _scalar(node)  # type: ignore[arg-type]
    if cls is _SequenceNode:
        seq = _new_seq(YSeq)
        seq._node, seq._pos, seq._item_pos = node, None, None
        for item in node.value:
            seq.append(_scalar(item) if item.__class__ is _ScalarNode else _build(item, dups))
        return seq
    if cls is _MappingNode:
        mapping = _new_map(YMap)
        mapping._node, mapping._pos, mapping._key_pos, mapping._value_nodes = node, None, None, None
        for key_node, value_node in node.value:
            key = _scalar(key_node) if key_node.__class__ is _ScalarNode else _key_of(key_node)
            if key in mapping:
                first = next(k for k, _ in node.value if _key_of(k) == key)
                dups.append(DuplicateKey(str(key), Pos.of(first), Pos.of(key_node)))
            mapping[key] = _scalar(value_node) if value_node.__class__ is _ScalarNode \
                else _build(value_node, dups)
        return mapping
    raise TypeError(f"unexpected YAML node {node!r}")  # pragma: no cover


def _nesting_error(root: yaml.Node) -> YamlSyntaxError:
    """Building ran out of stack: say where the nesting goes deepest (aliases cannot loop
    here: check_aliases refused an alias inside its own anchor)."""
    deepest, where = 0, root
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > deepest:
            deepest, where = depth, node
        if node.__class__ is not _ScalarNode:
            children = node.value if node.__class__ is _SequenceNode else [n for pair in node.value for n in pair]
            stack.extend((child, depth + 1) for child in children)
    mark = where.start_mark
    return YamlSyntaxError(f"nested too deeply to read ({deepest} levels)", mark.line + 1, mark.column + 1)


def _syntax_error(exc: yaml.MarkedYAMLError, masked: str) -> YamlSyntaxError:
    """Where the parser gave up, what it was inside, and the usual cause in a template: a
    `{{` left unclosed (masking skipped it, so YAML read it as a flow mapping)."""
    mark, context = exc.problem_mark or exc.context_mark, exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    message = exc.problem or exc.context or "invalid YAML"
    if exc.problem and exc.context and context and context.line + 1 != line:
        message += f" ({exc.context} that starts at line {context.line + 1}, column {context.column + 1})"
    lines = masked.split("\n")
    for number in sorted({line} | ({context.line + 1} if context else set())):
        if 0 < number <= len(lines) and "{{" in lines[number - 1]:
            message += f"; is the `{{{{` on line {number} missing its closing `}}}}`?"
            break
    return YamlSyntaxError(_unmask(message), line, col)


def parse_yaml(text: str) -> ParsedYaml:
    """Parse one Archy file; raises YamlSyntaxError with a 1-based position."""
    if text.startswith("\ufeff"):
        text = text[1:]
    masked = mask_placeholders(text)
    try:
        nodes = list(yaml.compose_all(masked, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, masked) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(_unmask(str(exc)), 1, 1) from None
    except RecursionError:  # the pure-Python composer (no libyaml) has no depth limit of its own
        raise YamlSyntaxError("nested too deeply to read", 1, 1) from None
    if nodes and "&" in masked:  # anchors: size what their aliases expand to before building
        try:
            check_aliases(nodes[0])
        except AliasBudgetExceeded as exc:
            raise YamlSyntaxError(exc.message, exc.line, exc.col) from None
    dups: list[DuplicateKey] = []
    try:
        root = _build(nodes[0], dups) if nodes else None
    except RecursionError:
        raise _nesting_error(nodes[0]) from None
    return ParsedYaml(root, dups, find_placeholders(text), multiple_documents=len(nodes) > 1)


def locate(root: Any, path: list[Any]) -> tuple[int, int]:
    """Line/col of the key (or list item) holding the element at `path` (e.g. a jsonschema
    error path); as deep as the path exists, (1, 1) when nothing is positioned."""
    node, pos = root, getattr(root, "pos", None)
    for part in path:
        if isinstance(node, YMap) and part in node:
            pos = node.key_pos.get(part, pos)
            node = node[part]
        elif isinstance(node, YSeq) and isinstance(part, int) and part < len(node):
            pos = node.item_pos[part]
            node = node[part]
        else:
            break
    return (pos.line, pos.col) if pos else (1, 1)


def load_plain(text: str) -> Any:
    """Parse YAML (config files, seeds) with the same rules; positions kept on containers."""
    return parse_yaml(text).root
