"""`--menu-overlay FILE`: add or replace keypad choices of one menu before rendering.

The overlay is spliced into the flow's text rather than re-dumping the whole YAML tree: the
rest of the file keeps its bytes, quoting and comments (a re-dump would re-quote every
placeholder and renumber every line above the menu). Choices already answering an overlay
digit are removed; the new ones are appended to the menu's `choices:` list.

A choice plays its `prompt` when taken, then goes to its target: a queue transfer carries the
prompt as `preTransferAudio` (what Architect plays before the transfer); other targets become
an inline `menuTask` of `playAudio` + `jumpToTask` / `jumpToMenu` / `disconnect`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from ivr_ci.config import read_yaml_file, schema_errors
from ivr_ci.errors import ConfigError
from ivr_ci.flow.build import parse_digit, single_key
from ivr_ci.flow.yamlpos import YMap, YSeq, parse_yaml
from ivr_ci.promote.render import substitute

_PROMPT_NAME = re.compile(r"^Prompt(System)?\.[A-Za-z0-9_]+$")
_DTMF = {"*": "digit_star", "#": "digit_pound"}


@dataclass
class MenuOverlay:
    path: str
    flow: str
    menu: str
    audio: str | None
    choices: dict[str, dict[str, Any]]  # digit -> {name?, prompt, target}


def load_overlay(path: str) -> MenuOverlay:
    data = read_yaml_file(path, "menu overlay")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: a menu overlay is a mapping with flow, menu and choices")
    data = YMap({**data}) if not isinstance(data, YMap) else data
    errors = schema_errors(data, "menu-overlay.schema.json", path)
    if errors:
        raise ConfigError("invalid menu overlay:\n  " + "\n  ".join(errors))
    choices = {str(k): dict(v) for k, v in data["choices"].items()}
    return MenuOverlay(path, str(data["flow"]), str(data["menu"]), data.get("audio"), choices)


class _Quoted(yaml.SafeDumper):
    """Placeholders are double-quoted (`"{{q}}"`), as the corpus writes them: unquoted they are
    YAML flow-mapping syntax. Everything else is left to PyYAML (quoted only when needed)."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "{{" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_str(value)


_Quoted.add_representer(str, _str)


def _dump(value: Any) -> list[str]:
    text = yaml.dump(value, Dumper=_Quoted, sort_keys=False, default_flow_style=False, width=10_000,
                     allow_unicode=True)
    return text.rstrip("\n").split("\n")


def _audio(prompt: str) -> dict[str, str]:
    if _PROMPT_NAME.match(prompt):
        return {"exp": f"AudioPlaybackOptions(ToAudio({prompt}), true)"}
    return {"tts": prompt}


def _ref_id(body: YMap, container: str, kind: str, wanted: str, ftype: str, where: str) -> str:
    items = [kv[1] for kv in map(single_key, body.get(container) or []) if kv and kv[0] == kind]
    for item in items:
        if isinstance(item, dict) and wanted in (item.get("refId"), item.get("name")):
            return f"/{ftype}/{container}/{kind}[{item.get('refId') or item.get('name')}]"
    known = ", ".join(str(i.get("name") or i.get("refId")) for i in items if isinstance(i, dict)) or "none"
    raise ConfigError(f"{where}: no {kind} '{wanted}' in the flow (known: {known})")


def _choice(digit: str, spec: dict[str, Any], body: YMap, ftype: str, where: str) -> dict[str, Any]:
    name = spec.get("name") or f"Overlay {digit}"
    head = {"name": name, "dtmf": _DTMF.get(digit, f"digit_{digit}"), "globalDtmf": False,
            "globalSpeechRecTerms": False}
    target = spec["target"]
    audio = _audio(spec["prompt"])
    if "queue" in target:
        return {"menuTransferToAcd": {**head, "targetQueue": {"lit": {"name": target["queue"]}},
                                      "preTransferAudio": audio}}
    if "task" in target:
        last = {"jumpToTask": {"name": "Jump to Task",
                               "targetTaskRef": _ref_id(body, "tasks", "task", target["task"], ftype, where)}}
    elif "menu" in target:
        last = {"jumpToMenu": {"name": "Jump to Menu",
                               "targetMenuRef": _ref_id(body, "menus", "menu", target["menu"], ftype, where)}}
    else:
        last = {"disconnect": {"name": "Disconnect"}}
    return {"menuTask": {**head, "task": {"actions": [{"playAudio": {"name": "Play Audio", "audio": audio}}, last]}}}


def _block_end(lines: list[str], start: int, min_indent: int) -> int:
    """Index after the last line of a block that starts at `start` (0-based): the block goes on
    while lines are blank, comments, or indented deeper than `min_indent` columns."""
    i = start + 1
    last = start
    while i < len(lines):
        text = lines[i]
        stripped = text.lstrip(" ")
        if stripped and not stripped.startswith("#"):
            if len(text) - len(stripped) <= min_indent:
                break
            last = i
        i += 1
    return last + 1


def matches_flow(overlay: MenuOverlay, template_name: Any, values: dict[str, str]) -> bool:
    if template_name is None:
        return False
    name = str(template_name)
    return overlay.flow == name or substitute(overlay.flow, values)[0] == substitute(name, values)[0]


def apply_overlay(text: str, overlay: MenuOverlay, path: str) -> tuple[str, list[str]]:
    """The flow text with the overlay applied, and a note per replaced choice."""
    where = overlay.path
    root = parse_yaml(text).root
    if not isinstance(root, YMap) or len(root) != 1:
        raise ConfigError(f"{where}: cannot apply to {path}: not a single-flow file")
    ftype, body = next(iter(root.items()))
    menus = body.get("menus") if isinstance(body, YMap) else None
    menu = None
    for kv in map(single_key, menus or []):
        if kv and kv[0] == "menu" and isinstance(kv[1], YMap) and overlay.menu in (kv[1].get("name"), kv[1].get("refId")):
            menu = kv[1]
    if menu is None:
        names = [str(kv[1].get("name")) for kv in map(single_key, menus or []) if kv and isinstance(kv[1], dict)]
        raise ConfigError(f"{where}: flow {path} has no menu '{overlay.menu}' (menus: {', '.join(names) or 'none'})")
    choices = menu.get("choices")
    if not isinstance(choices, YSeq) or not choices or choices.pos is None or \
            text.splitlines()[choices.item_pos[0].line - 1].strip()[:1] != "-":
        raise ConfigError(f"{where}: menu '{overlay.menu}' of {path} needs a non-empty block-style "
                          "`choices:` list to overlay")
    lines = text.split("\n")
    dash_col = choices.item_pos[0].col - 3  # "- " precedes the item mapping
    indent = " " * dash_col
    notes: list[str] = []
    removals: list[tuple[int, int]] = []
    for i, item in enumerate(choices):
        kv = single_key(item)
        choice = kv[1] if kv and isinstance(kv[1], dict) else None
        digit = parse_digit(choice.get("dtmf")) if choice is not None else None
        if choice is not None and digit in overlay.choices:
            start = choices.item_pos[i].line - 1
            removals.append((start, _block_end(lines, start, dash_col)))
            notes.append(f"{path}: menu '{overlay.menu}': overlay replaces choice '{choice.get('name')}' on digit {digit}")
    insert_at = _block_end(lines, choices.item_pos[-1].line - 1, dash_col)
    new_lines: list[str] = []
    for digit, spec in overlay.choices.items():
        dumped = _dump([_choice(digit, spec, body, str(ftype), where)])
        new_lines.extend(indent + ln for ln in dumped)
    edits: list[tuple[int, int, list[str]]] = [(start, end, []) for start, end in removals]
    edits.append((insert_at, insert_at, new_lines))
    if overlay.audio is not None:
        if "audio" not in menu:
            raise ConfigError(f"{where}: menu '{overlay.menu}' of {path} has no `audio:` to replace")
        start = menu.key_pos["audio"].line - 1
        key_indent = menu.key_pos["audio"].col - 1
        edits.append((start, _block_end(lines, start, key_indent),
                      [" " * key_indent + ln for ln in _dump({"audio": _audio(overlay.audio)})]))
    # bottom-up, so earlier line numbers stay valid; an insertion sorts before a removal ending there
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        lines[start:end] = new
    return "\n".join(lines), notes
