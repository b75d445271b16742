"""The Archy flow JSON Schema (`ivr_ci/schemas/archy-flow.schema.json`) applied to a positioned tree.

The schema is the single description of flow shapes: editors use it directly (see
docs/flow-schema.md) and `validate-flow` reports its violations at the exact YAML position.
jsonschema error paths are mapped back to positions through `YMap.key_pos` / `YSeq.item_pos`;
messages are rewritten for people (the schema's `errorMessage` / `patternErrorMessage`
keywords, which VS Code also shows, take precedence over jsonschema's generic wording).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from ivr_ci.flow.yamlpos import YMap, YSeq

SCHEMA_FILE = "archy-flow.schema.json"
_WRAPPERS = ("lit", "exp", "var", "noValue", "none", "tts", "prompt")
_TYPE_WORDS = {"object": "a mapping", "array": "a list", "string": "text", "number": "a number",
               "integer": "a whole number", "boolean": "true/false", "null": "nothing"}


@dataclass(frozen=True)
class SchemaProblem:
    line: int
    col: int
    where: str  # YAML path inside the flow, e.g. tasks[0].task.actions[1].playAudio
    message: str


def schema_text() -> str:
    return resources.files("ivr_ci.schemas").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def flow_validator() -> Any:
    """The compiled validator, built once per process (compiling costs more than validating)."""
    import jsonschema

    schema = json.loads(schema_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


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


def locate(root: Any, path: list[Any]) -> tuple[int, int]:
    """Line/col of the key (or list item) that holds the element at a jsonschema path."""
    node = root
    pos = getattr(root, "pos", None)
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


def _where(path: list[Any]) -> str:
    out = ""
    for part in path[1:]:  # path[0] is the flow type key
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or str(path[0]) if path else "(top level)"


def _message(err: Any) -> str:
    schema = err.schema if isinstance(err.schema, dict) else {}
    custom = schema.get("errorMessage")
    inst = err.instance
    v = err.validator
    if v == "type":
        wanted = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        words = " or ".join(dict.fromkeys(_TYPE_WORDS.get(t, t) for t in wanted))
        if custom and "object" in wanted:
            return f"{custom}; found {_describe(inst)}"
        return f"expected {words}, found {_describe(inst)}"
    if v == "required":
        missing = [k for k in err.validator_value if isinstance(inst, dict) and k not in inst]
        return f"missing required key '{missing[0] if missing else err.validator_value[0]}'"
    if v == "pattern" and schema.get("patternErrorMessage"):
        return f"{schema['patternErrorMessage']}; found {inst!r}"
    if v in ("oneOf", "anyOf") and custom and isinstance(inst, dict):
        given = [k for k in inst if k in _WRAPPERS]
        return f"{custom}; found {', '.join(map(str, given)) if given else 'none of them'}"
    if v in ("maxProperties", "minProperties") and isinstance(inst, dict):
        if not inst:
            return f"{custom}; found an empty mapping" if custom else "must not be empty"
        keys = ", ".join(map(str, inst))
        return f"{custom}; found keys: {keys}" if custom else f"{err.message} (keys: {keys})"
    if v == "minLength":
        return "must not be empty"
    if v is None and "dependentSchemas" in err.absolute_schema_path:
        # `false` under dependentSchemas: two value wrappers in one mapping
        schema_path = list(err.absolute_schema_path)
        first = schema_path[schema_path.index("dependentSchemas") + 1]
        return (f"'{first}' and '{err.absolute_path[-1]}' both given: a value gives exactly one of "
                "lit, exp, var, noValue or none (tts or prompt for audio)")
    return custom or err.message


def _leaf(err: Any) -> Any:
    """For anyOf/oneOf without a message of ours, the most relevant branch error."""
    from jsonschema.exceptions import best_match

    while err.validator in ("anyOf", "oneOf") and err.context and not (
            isinstance(err.schema, dict) and err.schema.get("errorMessage")):
        err = best_match(err.context)
    return err


def schema_problems(root: Any) -> list[SchemaProblem]:
    """Violations of the flow schema by a parsed flow document, in file order.

    Errors about the document root itself (not exactly one flow-type key) are left out:
    the loader reports those as IVR003.
    """
    errors = [_leaf(top) for top in flow_validator().iter_errors(root)]
    # A value of the wrong type also fails the checks that assume the right one: say it once.
    mistyped = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    found: dict[tuple[int, int, str], SchemaProblem] = {}
    for err in errors:
        path = list(err.absolute_path)
        if not path or (err.validator != "type" and tuple(path) in mistyped):
            continue
        line, col = locate(root, path)
        if "propertyNames" in err.absolute_schema_path:
            node = root
            for part in path:
                node = node[part]
            if isinstance(node, YMap) and err.instance in node.key_pos:
                p = node.key_pos[err.instance]
                line, col = p.line, p.col
        problem = SchemaProblem(line, col, _where(path), _message(err))
        found.setdefault((line, col, problem.message), problem)
    return sorted(found.values(), key=lambda p: (p.line, p.col, p.message))
