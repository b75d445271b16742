"""The maintenance prelude: a start-up task that checks the clock, spliced into a call flow.

Rendered flow (Archy YAML, inboundCall), for one window:

    startUpRef: "/inboundCall/tasks/task[ivr_ci_maintenance]"      # was the flow's own start
    ...
    tasks:
      - task:
          name: ivr-ci maintenance
          refId: ivr_ci_maintenance
          actions:
            - decision:
                name: ivr-ci maintenance crm-upgrade-dec
                condition:
                  exp: GetCurrentDateTimeUtc() >= MakeDateTime(2026, 12, 5, 1, 0, 0) and
                       GetCurrentDateTimeUtc() < MakeDateTime(2026, 12, 5, 2, 30, 0)
                outputs:
                  'yes':
                    actions: [playAudio (the message), disconnect | transferToAcd | transferToFlow]
            - jumpToMenu: {name: Continue to the flow, targetMenuRef: <the original startUpRef>}

Every piece is a form real flows use (docs/maintenance.md cites them): a `decision` with
only a `yes` output (9 corpus decisions), `GetCurrentDateTimeUtc()` in a comparison
(CacheExampleFlow.yaml:55), `MakeDateTime(y, m, d, h, mi, s)` (the Architect SDK catalogue's
own examples; UTC like every Architect DateTime), `transferToAcd` with the exported keys
(cicd-sample-inbound-call-flow.yaml:112), `transferToFlow` with `targetFlow: {name: …}`
(Proactive callback offer.yaml:156), `jumpToMenu`/`jumpToTask`.

The prelude is spliced into the text (as menu overlays are): the rest of the file keeps its
bytes and line numbers; the start-up reference is rewritten in place and the task appended
after the last task (or as a new `tasks:` list at the end of the flow). A transfer that
fails falls through to a disconnect, so no branch ever reaches the normal flow by accident.

`strip_prelude` undoes it on any block-style YAML (our render or an export of it), which is
how plan, diff and `ivr-ci maintenance` see the windows a published flow carries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ivr_ci.flow.build import single_key
from ivr_ci.flow.yamlpos import YamlSyntaxError, YMap, YSeq, parse_yaml
from ivr_ci.maintenance.windows import MaintenanceWindow
from ivr_ci.promote.overlay import _block_end, _dump

PRELUDE_REF = "ivr_ci_maintenance"
PRELUDE_NAME = "ivr-ci maintenance"
DECISION_PREFIX = "ivr-ci maintenance "
SUPPORTED_TYPES = ("inboundCall",)  # voice flows with a startUpRef to a menu or task
_PROMPT_RE = re.compile(r"^Prompt\.[A-Za-z0-9_]+$")
_MAKE_RE = re.compile(r"MakeDateTime\((\d+),\s*(\d+),\s*(\d+),\s*(\d+),\s*(\d+),\s*(\d+)\)")
_REF_RE = re.compile(r"^\s*(?:\./|/(?P<type>[A-Za-z]+)/)(?P<container>menus|tasks)/(?P<kind>menu|task)\[(?P<id>.+)\]\s*$")


class PreludeError(ValueError):
    """The flow cannot carry a prelude (type, shape); the message says why."""


@dataclass(frozen=True)
class CarriedWindow:
    """A window found in a flow's prelude (a published flow, or a render)."""

    id: str
    start: datetime | None
    end: datetime | None


def _make(dt: datetime) -> str:
    u = dt.astimezone(timezone.utc)
    return f"MakeDateTime({u.year}, {u.month}, {u.day}, {u.hour}, {u.minute}, {u.second})"


def condition(w: MaintenanceWindow) -> str:
    assert w.start is not None and w.end is not None
    return f"GetCurrentDateTimeUtc() >= {_make(w.start)} and GetCurrentDateTimeUtc() < {_make(w.end)}"


def _audio(message: str) -> dict[str, str]:
    if _PROMPT_RE.match(message):
        return {"exp": f"AudioPlaybackOptions(ToAudio({message}), true)"}
    return {"tts": message}


_QUIET = {"exp": "AudioPlaybackOptions(ToAudioBlank(100), true)"}
_FAILURE_OUTPUTS = {"errorType": {"noValue": True}, "errorMessage": {"noValue": True}}


def _then_actions(w: MaintenanceWindow) -> list[dict[str, Any]]:
    last = {"disconnect": {"name": "Maintenance disconnect"}}
    if w.then.kind == "queue":
        return [{"transferToAcd": {
            "name": "Maintenance transfer to queue", "targetQueue": {"lit": {"name": w.then.target}},
            "preTransferAudio": dict(_QUIET), "failureTransferAudio": dict(_QUIET), "priority": {"lit": 0},
            "preferredAgents": {"noValue": True}, "languageSkill": {"noValue": True},
            "failureOutputs": dict(_FAILURE_OUTPUTS)}}, last]
    if w.then.kind == "flow":
        return [{"transferToFlow": {
            "name": "Maintenance transfer to flow", "targetFlow": {"name": w.then.target},
            "preTransferAudio": dict(_QUIET), "failureTransferAudio": dict(_QUIET),
            "failureOutputs": dict(_FAILURE_OUTPUTS)}}, last]
    return [last]


def _inside(w: MaintenanceWindow, default_language: str | None, languages: list[str]) -> list[dict[str, Any]]:
    """Message then `then`; with several languages, one branch per non-default language on
    `Call.Language` (Architect's current-language variable), the default language last."""
    default = (default_language or "").lower()
    wanted = [lang.lower() for lang in languages] or ([default] if default else [])
    messages = {lang: w.message[lang] for lang in wanted if lang in w.message}
    if not messages:  # validation (IVR805) reports it; still play something rather than nothing
        messages = {default or next(iter(w.message)): next(iter(w.message.values()))}
    fallback_lang = default if default in messages else next(iter(messages))
    out: list[dict[str, Any]] = []
    for lang, text in messages.items():
        if lang == fallback_lang:
            continue
        out.append({"decision": {
            "name": f"Maintenance language {lang}", "condition": {"exp": f'Call.Language == "{lang}"'},
            "outputs": {"yes": {"actions": [{"playAudio": {"name": f"Maintenance message {lang}",
                                                           "audio": _audio(text)}}, *_then_actions(w)]}}}})
    out.append({"playAudio": {"name": "Maintenance message", "audio": _audio(messages[fallback_lang])}})
    return out + _then_actions(w)


def prelude_task(windows: list[MaintenanceWindow], flow_type: str, start_ref: str, *,
                 default_language: str | None, languages: list[str]) -> dict[str, Any]:
    m = _REF_RE.match(start_ref)
    if not m:
        raise PreludeError(f"startUpRef '{start_ref}' is not a menu or task reference")
    absolute = f"/{flow_type}/{m.group('container')}/{m.group('kind')}[{m.group('id')}]"
    jump = {"jumpToMenu": {"name": "Continue to the flow", "targetMenuRef": absolute}} if m.group("kind") == "menu" \
        else {"jumpToTask": {"name": "Continue to the flow", "targetTaskRef": absolute}}
    actions: list[dict[str, Any]] = []
    for w in sorted(windows, key=lambda x: (x.start or datetime.min.replace(tzinfo=timezone.utc), x.id)):
        actions.append({"decision": {
            "name": DECISION_PREFIX + w.id, "condition": {"exp": condition(w)},
            "outputs": {"yes": {"actions": _inside(w, default_language, languages)}}}})
    actions.append(jump)
    return {"task": {"name": PRELUDE_NAME, "refId": PRELUDE_REF, "actions": actions}}


def _body(text: str) -> tuple[str, YMap]:
    try:
        root = parse_yaml(text).root
    except YamlSyntaxError as exc:
        raise PreludeError(f"the flow is not YAML ({exc.message} at line {exc.line})") from None
    if not isinstance(root, YMap) or len(root) != 1:
        raise PreludeError("not a single-flow file")
    ftype, body = next(iter(root.items()))
    if not isinstance(body, YMap):
        raise PreludeError("the flow has no body")
    return str(ftype), body


def add_prelude(text: str, windows: list[MaintenanceWindow]) -> str:
    """`text` with the windows' prelude spliced in (windows must be resolved: start and end)."""
    return splice_prelude(text, windows)[0]


def splice_prelude(text: str, windows: list[MaintenanceWindow]) -> tuple[str, tuple[int, int, int]]:
    """The text with the prelude, and (first line, lines, shift) of the inserted block: the
    template's lines after it moved down by `shift` (the startUpRef line is rewritten in place)."""
    ftype, body = _body(text)
    if ftype not in SUPPORTED_TYPES:
        raise PreludeError(f"maintenance windows are rendered into call flows ({', '.join(SUPPORTED_TYPES)}); "
                           f"this is a {ftype} flow")
    start_ref = body.get("startUpRef")
    if not isinstance(start_ref, str) or "startUpRef" not in body.key_pos:
        raise PreludeError("the flow has no startUpRef to put the prelude in front of")
    if any(_is_prelude(item) for item in body.get("tasks") or []):
        raise PreludeError("the flow already carries an ivr-ci maintenance prelude (remove it from the file)")
    languages = [str(k) for k in (body.get("supportedLanguages") or {})] if isinstance(
        body.get("supportedLanguages"), dict) else []
    task = prelude_task(windows, ftype, start_ref, default_language=_text(body.get("defaultLanguage")),
                        languages=languages)
    lines = text.split("\n")
    key = body.key_pos["startUpRef"]
    line_index = key.line - 1
    if _block_end(lines, line_index, key.col - 1) != line_index + 1:
        raise PreludeError("startUpRef spans several lines; write it on one line")
    indent = " " * (key.col - 1)
    edits: list[tuple[int, int, list[str]]] = [
        (line_index, line_index + 1, [f'{indent}startUpRef: "/{ftype}/tasks/task[{PRELUDE_REF}]"'])]
    tasks = body.get("tasks")
    if isinstance(tasks, YSeq) and len(tasks):
        first = tasks.item_pos[0]
        if lines[first.line - 1].strip()[:1] != "-":
            raise PreludeError("`tasks:` is written in flow style ([...]); the prelude needs a block list")
        dash_col = first.col - 3
        at = _block_end(lines, tasks.item_pos[-1].line - 1, dash_col)
        edits.append((at, at, [" " * dash_col + ln for ln in _dump([task])]))
    elif "tasks" in body:
        tline = body.key_pos["tasks"]
        edits.append((tline.line - 1, _block_end(lines, tline.line - 1, tline.col - 1),
                      [" " * (tline.col - 1) + "tasks:"] + [" " * (tline.col + 1) + ln for ln in _dump([task])]))
    else:
        at = len(lines)
        while at > 0 and not lines[at - 1].strip():
            at -= 1
        edits.append((at, at, [indent + "tasks:"] + [indent + "  " + ln for ln in _dump([task])]))
    block_start, block_end, block = edits[1]
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        lines[start:end] = new
    out = "\n".join(lines)
    return (out if out.endswith("\n") else out + "\n"), (block_start + 1, len(block), len(block) - (block_end - block_start))


def _text(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("lit")
    return str(value) if isinstance(value, str) else None


def _is_prelude(item: Any) -> bool:
    kv = single_key(item)
    return bool(kv and kv[0] == "task" and isinstance(kv[1], dict) and
                (kv[1].get("refId") == PRELUDE_REF or kv[1].get("name") == PRELUDE_NAME))


def _made(m: re.Match[str]) -> datetime:
    """The UTC instant one `MakeDateTime(year, month, day, hour, minute, second)` gives."""
    year, month, day, hour, minute, second = (int(g) for g in m.groups())
    return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)


def _carried(task: dict[str, Any]) -> list[CarriedWindow]:
    out = []
    for action in task.get("actions") or []:
        kv = single_key(action)
        if not kv or kv[0] != "decision" or not isinstance(kv[1], dict):
            continue
        name = str(kv[1].get("name") or "")
        if not name.startswith(DECISION_PREFIX):
            continue
        cond = kv[1].get("condition")
        exp = cond.get("exp") if isinstance(cond, dict) else None
        bounds = [_made(m) for m in _MAKE_RE.finditer(str(exp or ""))]
        out.append(CarriedWindow(name[len(DECISION_PREFIX):], bounds[0] if bounds else None,
                                 bounds[1] if len(bounds) > 1 else None))
    return out


def _jump_target(task: dict[str, Any]) -> str | None:
    for action in reversed(task.get("actions") or []):
        kv = single_key(action)
        if kv and kv[0] in ("jumpToMenu", "jumpToTask") and isinstance(kv[1], dict):
            ref = kv[1].get("targetMenuRef") or kv[1].get("targetTaskRef")
            return str(ref) if ref else None
    return None


def carried_windows(text: str | None) -> list[CarriedWindow]:
    """The windows a flow's prelude carries (none: no prelude, or not YAML)."""
    if not text:
        return []
    try:
        _ftype, body = _body(text)
    except PreludeError:
        return []
    for item in body.get("tasks") or []:
        if _is_prelude(item):
            return _carried(single_key(item)[1])  # type: ignore[index]
    return []


def strip_prelude(text: str) -> str:
    """The flow without its prelude (unchanged when it has none): start-up reference restored,
    the prelude task (and a `tasks:` list that only held it) removed."""
    try:
        _ftype, body = _body(text)
    except PreludeError:
        return text
    tasks = body.get("tasks")
    if not isinstance(tasks, YSeq):
        return text
    index = next((i for i, item in enumerate(tasks) if _is_prelude(item)), None)
    if index is None:
        return text
    task = single_key(tasks[index])[1]  # type: ignore[index]
    target = _jump_target(task)
    lines = text.split("\n")
    edits: list[tuple[int, int, list[str]]] = []
    item = tasks.item_pos[index]
    if len(tasks) == 1 and "tasks" in body.key_pos:
        tline = body.key_pos["tasks"]
        edits.append((tline.line - 1, _block_end(lines, tline.line - 1, tline.col - 1), []))
    else:
        dash_col = item.col - 3
        edits.append((item.line - 1, _block_end(lines, item.line - 1, dash_col), []))
    if target and "startUpRef" in body.key_pos:
        key = body.key_pos["startUpRef"]
        edits.append((key.line - 1, key.line, [" " * (key.col - 1) + f'startUpRef: "{target}"']))
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        lines[start:end] = new
    return "\n".join(lines)


def render_windows(config: Any, environment: str, text: str, template_name: Any) -> str:
    """`text` with the environment's prelude as promote would render it now (simulate --env);
    unchanged when no window applies or the flow cannot carry one (validate-flow says why)."""
    from ivr_ci.maintenance import windows as W

    windows = W.windows_for_flow(config, environment, config.substitutions(environment), template_name)
    if not windows:
        return text
    try:
        return add_prelude(text, windows)
    except PreludeError:
        return text
