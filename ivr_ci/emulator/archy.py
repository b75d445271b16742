"""The one place the emulator reads Archy YAML: an adapter over `ivr_ci.flow`.

Import jobs need the flow type and name, its division, the org objects it references (by
name) and the `{{…}}` placeholders left in it. Everything else in the emulator works on the
`ParseResult` below, so a change in the loader's API is absorbed here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import yaml

from ivr_ci.flow.placeholders import placeholder_matches

# Reference kinds (as the loader names them) → dependency-tracking object type.
DEPENDENCY_TYPES: dict[str, str] = {
    "queue": "QUEUE", "prompt": "USERPROMPT", "systemPrompt": "SYSTEMPROMPT",
    "scheduleGroup": "SCHEDULEGROUP", "schedule": "SCHEDULE", "emergencyGroup": "EMERGENCYGROUP",
    "dataAction": "DATAACTION", "dataTable": "DATATABLE", "commonModule": "COMMONMODULEFLOW",
    "botFlow": "BOTFLOW", "digitalBotFlow": "DIGITALBOTFLOW", "languageSkill": "ACDLANGUAGE",
    "skill": "ACDSKILL", "user": "USER", "group": "GROUP", "wrapupCode": "ACDWRAPUPCODE",
    "contactList": "CONTACTLIST", "script": "COMPOSERSCRIPT", "division": "DIVISION",
}
FLOW_REF_KINDS = {"flow": None, "commonModule": "COMMONMODULE", "botFlow": "BOT", "digitalBotFlow": "DIGITALBOT"}


@dataclass(frozen=True)
class Ref:
    kind: str
    name: str
    line: int = 0
    category: str | None = None  # data actions: the integration name
    flow_type: str | None = None  # flow references: API type (upper case) when known


@dataclass
class ParsedFlow:
    type_key: str  # YAML key, e.g. inboundCall
    api_type: str  # model type, e.g. INBOUNDCALL
    name: str
    division: str | None
    description: str
    raw: Any  # {yaml type key: flow body}, the whole document
    refs: list[Ref] = field(default_factory=list)
    default_language: str | None = None
    supported_languages: list[str] = field(default_factory=list)


@dataclass
class ParseResult:
    flow: ParsedFlow | None
    errors: list[tuple[str, int]] = field(default_factory=list)
    placeholders: list[tuple[str, int, int]] = field(default_factory=list)


def api_type(type_key: str) -> str:
    """YAML flow-type key → model type (`inboundCall` → `INBOUNDCALL`, `botFlow` → `BOT`); "" if unknown."""
    from ivr_ci.flow.types import FLOW_TYPES

    return FLOW_TYPES.get(type_key, "").upper()


def find_placeholders(text: str) -> list[tuple[str, int, int]]:
    """(`{{…}}` as written, line, column) of each placeholder."""
    return [(m.group(0), line, col) for m, line, col in placeholder_matches(text)]


def _text(value: Any) -> str | None:
    if isinstance(value, dict):
        if "lit" in value:
            return _text(value["lit"])
        if "name" in value:
            return _text(value["name"])
        return None
    return value if isinstance(value, str) and value.strip() else None


def parse_flow(text: str, path: str = "<upload>") -> ParseResult:
    """Parse an uploaded Archy file; never raises for bad input."""
    placeholders = find_placeholders(text)
    from ivr_ci.flow import load_flow_text
    try:
        doc = load_flow_text(text, path)
    except Exception as exc:  # a loader bug must not take the emulator down
        return ParseResult(None, [(f"Unable to parse the flow YAML: {exc}", 0)], placeholders)
    errors: list[tuple[str, int]] = []
    for problem in getattr(doc, "problems", []) or []:
        severity = str(getattr(problem, "severity", "error")).lower()
        if "warn" in severity or "info" in severity:
            continue
        errors.append((str(getattr(problem, "message", problem)), int(getattr(problem, "line", 0) or 0)))
    flow = doc.flow
    if flow is not None:
        # Archy reads YAML: a placeholder in a comment never reaches the flow (as validate-flow)
        from ivr_ci.rules.substitution import live_placeholders

        live = {(p.line, p.col) for p in live_placeholders(doc)}
        placeholders = [p for p in placeholders if (p[1], p[2]) in live]
    if flow is None:
        if not errors:
            errors.append(("Unable to parse the flow YAML.", 0))
        return ParseResult(None, errors, placeholders)
    body = flow.raw if isinstance(flow.raw, dict) else {}
    refs: list[Ref] = []
    try:
        loader_refs = list(flow.org_references())
    except Exception as exc:  # pragma: no cover - defensive
        errors.append((f"Unable to read the flow's references: {exc}", 0))
        loader_refs = []
    for r in loader_refs:
        name = getattr(r, "name", None)
        if not isinstance(name, str) or not name:
            continue
        ft = getattr(r, "flow_type", None)
        refs.append(Ref(str(r.kind), name, int(getattr(r, "line", 0) or 0),
                        getattr(r, "category", None), api_type(ft) if ft else None))
    division = flow.division if isinstance(getattr(flow, "division", None), str) else None
    return ParseResult(
        ParsedFlow(
            type_key=str(flow.type), api_type=api_type(str(flow.type)),
            name=flow.name if isinstance(flow.name, str) else "",
            division=division, description=_text(flow.description) or "",
            raw={str(flow.type): body}, refs=refs, default_language=_text(flow.default_language),
            supported_languages=[str(x) for x in flow.supported_languages or []],
        ),
        errors, placeholders,
    )


def edit_yaml_config(yaml_text: str, description: str | None) -> tuple[str, Any, list[dict[str, Any]]]:
    """For UI edits: (new yaml, config tree, refs), optionally with a new description."""
    result = parse_flow(yaml_text)
    if result.flow is None:
        return yaml_text, None, []
    raw = result.flow.raw
    if description is not None and isinstance(raw, dict):
        body = raw.get(result.flow.type_key)
        if isinstance(body, dict):
            body["description"] = description
            yaml_text = yaml.safe_dump(plain(raw), sort_keys=False, allow_unicode=True)
    return yaml_text, plain(raw), [asdict(r) for r in result.flow.refs]


def plain(node: Any) -> Any:
    """Position-carrying containers → plain JSON-able dicts/lists with string keys."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, str) else k: plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return node
