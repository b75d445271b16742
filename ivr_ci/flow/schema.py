"""The Archy flow JSON Schema (`ivr_ci/schemas/archy-flow.schema.json`) applied to a positioned tree.

The schema is the single description of flow shapes: editors use it directly (see
docs/flow-schema.md) and `validate-flow` reports its violations at the exact YAML position.
jsonschema error paths are mapped back to positions through `YMap.key_pos` / `YSeq.item_pos`;
messages are rewritten for people (the schema's `errorMessage` / `patternErrorMessage`
keywords, which VS Code also shows, take precedence over jsonschema's generic wording).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ivr_ci.flow.yamlpos import YMap, locate

SCHEMA_FILE = "archy-flow.schema.json"
_REQUIRED_RE = re.compile(r"^'(.*)' is a required property$")
_WRAPPERS = ("lit", "exp", "var", "noValue", "none", "tts", "prompt")
_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "text", "number": "a number",
               "integer": "a whole number", "boolean": "true/false", "null": "nothing"}


@dataclass(frozen=True)
class SchemaProblem:
    line: int
    col: int
    where: str  # YAML path inside the flow, e.g. tasks[0].task.actions[1].playAudio
    message: str


@lru_cache(maxsize=1)
def schema_text() -> str:
    from ivr_ci.schemas import schema_text as read_schema

    return read_schema(SCHEMA_FILE)


@lru_cache(maxsize=1)
def flow_validator() -> Any:
    """The compiled validator, built once per process (compiling costs more than validating)."""
    import jsonschema

    # the schema itself is checked against the metaschema by the tests, not on every run
    return jsonschema.Draft202012Validator(json.loads(schema_text()))


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if value is None:
        return "nothing"
    return "text"


def _where(path: list[Any]) -> str:
    out = ""
    for part in path[1:]:  # path[0] is the flow type key
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    if not path:
        return "(top level)"
    return out or str(path[0])


def _message(err: Any, node: Any) -> str:
    conflict = _conflicting_key(err, node)
    if conflict:
        return (f"'{conflict[0]}' and '{conflict[1]}' both given: a value gives exactly one of "
                "lit, exp, var, noValue or none (tts or prompt for audio)")
    schema = err.schema if isinstance(err.schema, dict) else {}
    custom = schema.get("errorMessage")
    inst = err.instance
    v = err.validator
    if v == "type":
        wanted: list[str] = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        words = " or ".join(dict.fromkeys(_TYPE_WORDS.get(t, t) for t in wanted))
        if custom and "object" in wanted:
            return f"{custom}; found {_describe(inst)}"
        return f"expected {words}, found {_describe(inst)}"
    if v == "required":
        m = _REQUIRED_RE.match(err.message)  # jsonschema reports one error per missing key
        return f"missing required key '{m.group(1) if m else err.validator_value[0]}'"
    if v == "pattern" and schema.get("patternErrorMessage"):
        return f"{schema['patternErrorMessage']}; found {inst!r}"
    if v in ("oneOf", "anyOf") and custom and isinstance(inst, dict):
        given = [k for k in inst if k in _WRAPPERS]
        return f"{custom}; found {', '.join(map(str, given)) if given else 'none of them'}"
    if v in ("maxProperties", "minProperties") and isinstance(inst, dict):
        if not inst:
            return f"{custom}; found an empty mapping" if custom else "must not be empty"
        keys = ", ".join(map(str, inst))
        first = next(iter(inst))
        hint = (f" (should the keys after '{first}' be indented under it?)"
                if v == "maxProperties" and inst[first] is None else "")
        return (f"{custom}; found keys: {keys}" if custom else f"{err.message} (keys: {keys})") + hint
    if v == "minLength":
        return "must not be empty"
    return custom or err.message


def _leaf(err: Any) -> Any:
    """For anyOf/oneOf without a message of ours, the most relevant branch error."""
    from jsonschema.exceptions import best_match

    while err.validator in ("anyOf", "oneOf") and err.context and not (
            isinstance(err.schema, dict) and err.schema.get("errorMessage")):
        err = best_match(err.context)
    return err


def _non_text_keys(node: Any, path: list[Any]) -> list[SchemaProblem]:
    """Keys that are not text (`5: x`, `null: x`): Archy names everything, so each is an error."""
    out: list[SchemaProblem] = []
    if isinstance(node, YMap):
        for key, value in node.items():
            if not isinstance(key, str):
                p = node.key_pos.get(key) or node.pos
                out.append(SchemaProblem(p.line if p else 1, p.col if p else 1, _where(path),
                                         f"key {json.dumps(key)} is not a name; quote it if it is meant as text"))
            out += _non_text_keys(value, [*path, key])
    elif isinstance(node, list):
        for i, item in enumerate(node):
            out += _non_text_keys(item, [*path, i])
    return out


def schema_problems(root: Any) -> list[SchemaProblem]:
    """Violations of the flow schema by a parsed flow document, in file order.

    Errors about the document root itself (not exactly one flow-type key) are left out:
    the loader reports those as IVR003.
    """
    from ivr_ci.flow.fastschema import is_valid_fast

    if is_valid_fast(schema_text(), root):
        return []
    try:
        errors = [_leaf(top) for top in flow_validator().iter_errors(root)]
    except TypeError:  # jsonschema's patternProperties cannot take a number or null as a key
        return _non_text_keys(root, [])
    found: dict[tuple[int, int, str], SchemaProblem] = {}
    for err in _primary(errors):
        path = list(err.absolute_path)
        line, col = locate(root, path)
        node = _node(root, path)
        conflict = _conflicting_key(err, node)
        key = conflict[1] if conflict else err.instance
        if (conflict or "propertyNames" in err.absolute_schema_path) and isinstance(node, YMap) \
                and isinstance(key, str) and key in node.key_pos:
            # point at the offending key itself (the second wrapper, a bad variable type)
            line, col = node.key_pos[key].line, node.key_pos[key].col
        problem = SchemaProblem(line, col, _where(path), _message(err, node))
        found.setdefault((line, col, problem.message), problem)
    return sorted(found.values(), key=lambda p: (p.line, p.col, p.message))


def _primary(errors: list[Any]) -> list[Any]:
    """Drop follow-on errors: one type error per place, nothing inside a malformed list item."""
    typed: dict[tuple, Any] = {}
    for e in errors:
        if e.validator == "type":
            p = tuple(e.absolute_path)
            if p not in typed or (isinstance(e.schema, dict) and e.schema.get("errorMessage")):
                typed[p] = e
    malformed = [tuple(e.absolute_path) for e in errors
                 if e.validator == "maxProperties" and isinstance(e.instance, dict)]
    out = []
    for e in errors:
        p = tuple(e.absolute_path)
        if not p or any(len(p) > len(m) and p[:len(m)] == m for m in malformed):
            continue
        if p in typed and e is not typed[p]:
            continue
        out.append(e)
    return out


def _conflicting_key(err: Any, node: Any) -> tuple[str, str] | None:
    """For a `false` schema under dependentSchemas: the two wrappers given together."""
    if err.validator is None and "dependentSchemas" in err.absolute_schema_path and isinstance(node, dict):
        schema_path = list(err.absolute_schema_path)
        first = schema_path[schema_path.index("dependentSchemas") + 1]
        other = next((k for k in _WRAPPERS if k in node and k != first), None)
        if other:
            return str(first), other
    return None


def _node(root: Any, path: list[Any]) -> Any:
    node = root
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


if __name__ == "__main__":  # `python -m ivr_ci.flow.schema > archy-flow.schema.json` for editors
    import sys

    sys.stdout.write(schema_text())
