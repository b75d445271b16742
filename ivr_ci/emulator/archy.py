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


# ---- what an Archy export gives back ----------------------------------------------------------
# A real `archy export` is not the uploaded file: Archy re-serialises the flow it stored, in its own
# key order, every optional menu setting written out (as `noValue: true`, "inherit the flow's"),
# comments and the author's quoting and indentation gone (shared/reference/archy-yaml.md §2, §5.2).
# The emulator does the same, so tests that export and compare must compare meaning, not bytes.
_FLOW_KEY_ORDER = ("name", "description", "division", "startUpRef", "defaultLanguage", "supportedLanguages",
                   "initialGreeting", "variables", "startUpTaskVariables", "startUpTaskActions")
_CONTAINER_KEYS = ("menus", "tasks", "states", "bots", "startUpState", "periodicState")
_MENU_SETTINGS = {
    "settingsMenu": ("extensionDialingMaxDelay", "listenForExtensionDialing", "menuSelectionTimeout", "repeatCount"),
    "settingsSpeechRec": ("completeMatchTimeout", "incompleteMatchTimeout", "maxSpeechLengthTimeout",
                          "minConfidenceLevel"),
}


def _element(body: Any) -> Any:
    """An element's keys with `name` and `refId` first (as exports write them), nested alike."""
    if isinstance(body, list):
        return [_element(v) for v in body]
    if not isinstance(body, dict):
        return body
    head = {k: body[k] for k in ("name", "refId") if k in body}
    return {**{k: _element(v) for k, v in head.items()},
            **{k: _element(v) for k, v in body.items() if k not in head}}


def _fill_menu(menu: dict[str, Any]) -> dict[str, Any]:
    out = dict(menu)
    for block, keys in _MENU_SETTINGS.items():
        given = out.get(block) if isinstance(out.get(block), dict) else {}
        out[block] = {**{k: {"noValue": True} for k in keys if k not in given}, **given} if given \
            else {k: {"noValue": True} for k in keys}
    return out


def archy_export(flow_type: str, body: dict[str, Any]) -> dict[str, Any]:
    """The flow as an export writes it: fixed key order, per-menu settings filled with `noValue`."""
    body = plain(body)
    ordered: dict[str, Any] = {k: body[k] for k in _FLOW_KEY_ORDER if k in body}
    ordered.update({k: body[k] for k in sorted(body) if k.startswith("settings") and k not in ordered})
    ordered.update({k: v for k, v in body.items() if k not in ordered and k not in _CONTAINER_KEYS})
    for key in _CONTAINER_KEYS:
        if key not in body:
            continue
        value = body[key]
        if key == "menus" and isinstance(value, list):
            value = [{"menu": _fill_menu(item["menu"])} if isinstance(item, dict) and isinstance(item.get("menu"), dict)
                     else item for item in value]
        ordered[key] = _element(value)
    return {flow_type: ordered}


class _ExportDumper(yaml.SafeDumper):
    """Two-space indentation with list items indented under their key, as Archy writes them."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


def export_yaml(text: str) -> str:
    """The YAML an export of the flow stored from `text` gives back (the text itself when it is
    not a flow the emulator can read: then there is nothing to normalise)."""
    from ivr_ci.flow import load_flow_text

    doc = load_flow_text(text, "<stored>")
    if doc.flow is None or doc.placeholders or not isinstance(doc.flow.raw, dict):
        return text
    tree = archy_export(str(doc.flow.type), doc.flow.raw)
    return yaml.dump(tree, Dumper=_ExportDumper, sort_keys=False, allow_unicode=True, width=10_000,
                     default_flow_style=False)
