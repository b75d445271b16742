"""Build the typed flow model from a positioned YAML tree.

Nothing here rejects a file: shapes we do not recognise are kept in `raw` and skipped, so
structure problems are reported by the checks (with positions), never by a crash here.
"""

from __future__ import annotations

import re
from typing import Any

from ivr_ci.flow.model import Action, Block, Choice, Flow, Menu, Reference
from ivr_ci.flow.types import ENTRY_STATE_KEYS, MENU_CHOICE_KINDS, REF_KEYS
from ivr_ci.flow.yamlpos import YMap, YSeq

_DIGIT_RE = re.compile(r"^digit_([0-9])$")
# `digit_*` / `digit_#` are what Archy exports write (collectInput terminatingDtmf in the corpus).
_DTMF_SYMBOLS = {"digit_*": "*", "digit_#": "#", "digit_star": "*", "digit_pound": "#", "digit_hash": "#",
                 "star": "*", "pound": "#"}


def single_key(item: Any) -> tuple[str, Any] | None:
    """`- menu: {...}` items are one-key mappings; anything else is not an element."""
    if isinstance(item, dict) and len(item) == 1:
        ((k, v),) = item.items()
        return str(k), v
    return None


def _pos(container: Any, key: Any = None, index: int | None = None) -> tuple[int, int]:
    if index is not None and isinstance(container, YSeq):
        found = container.item_start(index)
        if found is not None:
            return found
        p = container.pos
    elif isinstance(container, YMap):
        p = container.pos_of(key) if key is not None else container.pos
    else:
        p = getattr(container, "pos", None)
    return (p.line, p.col) if p else (0, 0)


def text_of(value: Any) -> str | None:
    """A plain scalar, or None for wrappers like {noValue: true}."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def parse_digit(dtmf: Any) -> str | None:
    if not isinstance(dtmf, str):
        return None
    m = _DIGIT_RE.match(dtmf)
    if m:
        return m.group(1)
    return _DTMF_SYMBOLS.get(dtmf)


class _Builder:
    def __init__(self, flow: Flow) -> None:
        self.flow = flow

    def ref(self, mapping: Any, key: str, owner: str) -> Reference | None:
        value = mapping.get(key) if isinstance(mapping, dict) else None
        if not isinstance(value, str):
            return None
        line, col = _pos(mapping, key)
        r = Reference(key, value, line, col, owner)
        self.flow.references.append(r)
        return r

    def collect_refs(self, body: Any, owner: str) -> None:
        """refId-valued keys anywhere inside an action body (callTask, changeState...)."""
        if isinstance(body, dict):
            for k, v in body.items():
                if k in REF_KEYS and isinstance(v, str):
                    self.ref(body, k, owner)
                elif isinstance(v, (dict, list)) and k != "actions":
                    self.collect_refs(v, owner)
        elif isinstance(body, list):
            for v in body:
                self.collect_refs(v, owner)

    def actions(self, seq: Any, parent: str) -> list[Action]:
        out: list[Action] = []
        if not isinstance(seq, list):
            return out
        for i, item in enumerate(seq):
            kv = single_key(item)
            line, col = _pos(seq, index=i)
            if kv is None:
                out.append(Action(f"{parent}/actions[{i}]", line, col, item, type=""))
                continue
            atype, body = kv
            path = f"{parent}/actions[{i}]/{atype}"
            action = Action(path, line, col, body, type=atype,
                            name=text_of(body.get("name")) if isinstance(body, dict) else None)
            self.collect_refs(body, path)
            self._branches(action, body, path, "")
            out.append(action)
        return out

    def _branches(self, action: Action, body: Any, path: str, prefix: str) -> None:
        if isinstance(body, dict):
            for k, v in body.items():
                if k == "actions" and isinstance(v, list):
                    name = _branch_name(prefix)
                    action.branches[name] = self.actions(v, f"{path}/{prefix or 'actions'}")
                elif isinstance(v, (dict, list)):  # scalars lead nowhere: no key path made for them
                    self._branches(action, v, path, f"{prefix}.{k}" if prefix else str(k))
        elif isinstance(body, list):
            for i, v in enumerate(body):
                self._branches(action, v, path, f"{prefix}[{i}]")

    def block(self, kind: str, body: Any, index: int, seq: Any, container: str) -> Block:
        line, col = _pos(seq, index=index)
        body = body if isinstance(body, dict) else YMap()
        ref_id = text_of(body.get("refId"))
        path = f"/{self.flow.type}/{container}/{kind}[{ref_id if ref_id is not None else index}]"
        return self._fill_block(Block(path, line, col, body, kind=kind, name=text_of(body.get("name")),
                                      ref_id=ref_id, variables=body.get("variables")))

    def entry_state(self, body: Any, key: str, owner: YMap) -> Block:
        """`startUpState:` / `periodicState:`: one state held directly by the flow, not in `states`."""
        line, col = _pos(owner, key)
        body = body if isinstance(body, dict) else YMap()
        return self._fill_block(Block(f"/{self.flow.type}/{key}", line, col, body, kind="state",
                                      name=text_of(body.get("name")), ref_id=text_of(body.get("refId")),
                                      variables=body.get("variables")))

    def _fill_block(self, block: Block) -> Block:
        block.actions = self.actions(block.raw.get("actions"), block.path)
        return block

    def menu(self, body: Any, index: int, seq: Any) -> Menu:
        line, col = _pos(seq, index=index)
        body = body if isinstance(body, dict) else YMap()
        ref_id = text_of(body.get("refId"))
        path = f"/{self.flow.type}/menus/menu[{ref_id if ref_id is not None else index}]"
        menu = Menu(path, line, col, body, name=text_of(body.get("name")), ref_id=ref_id,
                    audio=body.get("audio"), settings=body.get("settingsMenu"))
        r = self.ref(body, "defaultChildMenuRef", path)
        menu.default_child_ref = r.value if r else None
        choices = body.get("choices")
        if isinstance(choices, list):
            for i, item in enumerate(choices):
                kv = single_key(item)
                cline, ccol = _pos(choices, index=i)
                if kv is None:
                    continue
                kind, cbody = kv
                cbody = cbody if isinstance(cbody, dict) else YMap()
                cref = text_of(cbody.get("refId"))
                cpath = f"{path}/choices/{kind}[{cref if cref is not None else i}]"
                choice = Choice(cpath, cline, ccol, cbody, kind=kind, name=text_of(cbody.get("name")),
                                ref_id=cref, dtmf=cbody.get("dtmf"), digit=parse_digit(cbody.get("dtmf")),
                                speech_terms=_speech_terms(cbody.get("speechRecTerms")), menu=menu)
                task = cbody.get("task")
                if isinstance(task, dict):
                    choice.actions = self.actions(task.get("actions"), f"{cpath}/task")
                for key in ("targetTaskRef", "targetMenuRef"):
                    r = self.ref(cbody, key, cpath)
                    if r:
                        choice.target_ref = r.value
                if kind not in MENU_CHOICE_KINDS:
                    self.collect_refs({k: v for k, v in cbody.items() if k != "task"}, cpath)
                menu.choices.append(choice)
        return menu


def _branch_name(prefix: str) -> str:
    """outputs.yes -> yes; evaluate.firstTrue.cases[0].case -> case[0]; ...default -> default."""
    if not prefix:
        return "actions"
    parts = prefix.split(".")
    if parts[0] in ("outputs", "failureOutputs") and len(parts) >= 2:
        return parts[1] if parts[0] == "outputs" else f"failure:{parts[1]}"
    m = re.search(r"cases\[(\d+)\]", prefix)
    if m:
        return f"case[{m.group(1)}]"
    return parts[-1]


def _speech_terms(value: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(value, dict):
        for lang, spec in value.items():
            terms = spec.get("terms") if isinstance(spec, dict) else spec
            if isinstance(terms, list):
                out[str(lang)] = [str(t) for t in terms if t is not None]
    return out


def build_flow(root: YMap, path: str) -> Flow:
    """`root` is the document mapping; its single key is the flow type."""
    ftype, body = next(iter(root.items()))
    ftype = str(ftype)
    body = body if isinstance(body, YMap) else YMap()
    flow = Flow(type=ftype, name=body.get("name"), path=path, raw=body, line=_pos(root, ftype)[0])
    flow.division = body.get("division")
    flow.description = body.get("description")
    flow.default_language = body.get("defaultLanguage")
    langs = body.get("supportedLanguages")
    flow.supported_languages = [str(k) for k in langs] if isinstance(langs, dict) else []
    flow.settings = {k: v for k, v in body.items() if isinstance(k, str) and k.startswith("settings")}
    flow.initial_greeting = body.get("initialGreeting")
    flow.variables = body.get("variables")
    b = _Builder(flow)
    flow.start_up_ref = b.ref(body, "startUpRef", f"/{ftype}")
    for container, target in (("tasks", flow.tasks), ("states", flow.states), ("bots", flow.bots)):
        seq = body.get(container)
        if isinstance(seq, list):
            for i, item in enumerate(seq):
                kv = single_key(item)
                if kv is not None:
                    target.append(b.block(kv[0], kv[1], i, seq, container))
    menus = body.get("menus")
    if isinstance(menus, list):
        for i, item in enumerate(menus):
            kv = single_key(item)
            if kv is not None:
                flow.menus.append(b.menu(kv[1], i, menus))
    flow.start_up_actions = b.actions(body.get("startUpTaskActions"), f"/{ftype}/startUpTaskActions")
    for key in ENTRY_STATE_KEYS:
        if key in body:
            state = b.entry_state(body.get(key), key, body)
            flow.entry_states.append(state)
            flow.states.append(state)
    # settings blocks may hold refs too (settingsKnowledge...knowledgePath.targetTaskRef)
    for key, value in flow.settings.items():
        b.collect_refs(value, f"/{ftype}/{key}")
    return flow
