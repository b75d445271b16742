"""TEMPORARY stand-in for `ivr_ci.flow.load_flow_text` until the lead's loader lands.

Mirrors the loader's documented API just enough for import jobs. Delete once
`ivr_ci.flow.load_flow_text` exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ivr_ci.flow.yamlpos import YamlSyntaxError, YMap, YSeq, parse_yaml

_PROMPT_RE = re.compile(r"\bPrompt\.([A-Za-z0-9_]+)")
_LIT_KINDS = {"targetQueue": "queue", "queue": "queue", "languageSkill": "languageSkill",
              "emergencyGroup": "emergencyGroup", "selectedSchedule": "schedule",
              "scheduleGroup": "scheduleGroup", "contactList": "contactList", "wrapupCode": "wrapupCode",
              "targetFlow": "flow"}
_KEY_KINDS = {"commonModule": "commonModule", "botFlow": "botFlow", "digitalBotFlow": "digitalBotFlow",
              "screenPopScript": "script"}


@dataclass
class _Finding:
    message: str
    line: int


@dataclass
class _Ref:
    kind: str
    name: str
    line: int
    category: str | None = None
    flow_type: str | None = None


@dataclass
class _Flow:
    type: str
    name: Any
    division: Any
    raw: Any
    refs: list[_Ref] = field(default_factory=list)

    def org_references(self) -> list[_Ref]:
        return self.refs


@dataclass
class _Doc:
    flow: _Flow | None
    problems: list[_Finding]
    placeholders: list[Any]


def _lit_name(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("lit"), dict):
        name = value["lit"].get("name")
        return name if isinstance(name, str) else None
    return None


def _walk(node: Any, refs: list[_Ref], depth: int) -> None:
    if isinstance(node, YMap):
        for key, value in node.items():
            line = node.line_of(key)
            if key in _LIT_KINDS and (name := _lit_name(value)):
                kind = "systemPrompt" if name.startswith("PromptSystem.") else _LIT_KINDS[key]
                refs.append(_Ref(kind, name, line))
            elif key in ("holdMusic", "processingPrompt") and (name := _lit_name(value)):
                refs.append(_Ref("systemPrompt" if name.startswith("PromptSystem.") else "prompt", name, line))
            elif key in _KEY_KINDS and depth > 0 and isinstance(value, dict):
                refs.extend(_Ref(_KEY_KINDS[key], str(k), value.line_of(k) if isinstance(value, YMap) else line)
                            for k in value)
            elif key == "category" and isinstance(value, dict):
                for cat, inner in value.items():
                    actions = inner.get("dataAction") if isinstance(inner, dict) else None
                    for action in actions or {}:
                        refs.append(_Ref("dataAction", str(action), line, category=str(cat)))
            elif key == "dataTable" and isinstance(value, dict):
                refs.extend(_Ref("dataTable", str(k), line) for k in value)
            _walk(value, refs, depth + 1)
    elif isinstance(node, YSeq):
        for item in node:
            _walk(item, refs, depth + 1)
    elif isinstance(node, str):
        refs.extend(_Ref("prompt", m.group(1), 0) for m in _PROMPT_RE.finditer(node))


def load_flow_text(text: str, path: str = "<string>") -> _Doc:
    try:
        parsed = parse_yaml(text)
    except YamlSyntaxError as exc:
        return _Doc(None, [_Finding(f"YAML syntax error: {exc.message}", exc.line)], [])
    root = parsed.root
    if not isinstance(root, dict) or len(root) != 1:
        return _Doc(None, [_Finding("The flow file must hold exactly one flow-type key.", 1)], [])
    (type_key, body), = root.items()
    if not isinstance(body, dict):
        return _Doc(None, [_Finding(f"'{type_key}' must be a mapping.", 1)], [])
    refs: list[_Ref] = []
    _walk(body, refs, 0)
    division = body.get("division")
    return _Doc(_Flow(str(type_key), body.get("name"), division, root, refs), [], parsed.placeholders)
