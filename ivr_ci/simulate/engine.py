"""Walk a flow as a caller would: greeting, menus, choices, tasks, states, jumps, calls.

Control transfers (jumps, end of task, loop control, outcomes) are exceptions, so an action
handler deep inside nested branches can end the walk the way Architect would. The action
handlers live in `ivr_ci.simulate.actions` and `ivr_ci.simulate.external` and reach the walk
through the `Walker` it is given (`ivr_ci.simulate.run.simulate` builds one): this module imports
none of them. Values are read by `ArchyValues` and evaluated by the expression engine (ivr_ci.expr).
"""

from __future__ import annotations

import contextlib
from typing import Any, Protocol

from ivr_ci.expr.values import (
    Audio,
    ExprError,
    ExprRuntimeError,
    Unknown,
    Unsupported,
    is_not_set,
)
from ivr_ci.expr.values import trace_text as display
from ivr_ci.flow import FlowDocument
from ivr_ci.flow.build import single_key
from ivr_ci.flow.model import Action, Block, Choice, Element, Flow, Menu
from ivr_ci.flow.refs import RefIndex
from ivr_ci.flow.types import VOICE_TYPES
from ivr_ci.flow.yamlpos import key_line
from ivr_ci.simulate.archy_values import ArchyValues
from ivr_ci.simulate.state import Variables
from ivr_ci.simulate.trace import Outcome, SimResult, Step
from ivr_ci.simulate.world import NO_INPUT, SimInput

MESSAGE_TYPES = frozenset({"inboundShortMessage", "inboundChat", "inboundEmail"})
DEFAULT_REPEAT_COUNT = 3  # Architect's default "menu repeat count"
DEFAULT_MENU_TIMEOUT = 10  # seconds, Architect's default "menu selection timeout"


class Stop(Exception):
    """The walk ends with this outcome."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.describe())
        self.outcome = outcome


class Goto(Exception):
    def __init__(self, target: Element) -> None:
        super().__init__(target.path)
        self.target = target


class EndTask(Exception):
    def __init__(self, path: str | None) -> None:
        super().__init__(path or "default")
        self.path = path


class EndState(Exception):
    pass


class LoopControl(Exception):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind  # "next" | "exit"


class PreviousMenu(Exception):
    pass


class RepeatMenu(Exception):
    pass


def line_of(mapping: Any, key: Any, default: int = 0) -> int:
    """`key_line` with 0 (no line) as the default."""
    return key_line(mapping, key, default)


class Walker(Protocol):
    """What runs actions and menu choices (ivr_ci.simulate.actions.Walker)."""

    def run_action(self, sim: Simulator, action: Action) -> None: ...

    def run_choice(self, sim: Simulator, choice: Choice) -> None: ...


class Simulator:
    def __init__(self, doc: FlowDocument, inp: SimInput, walker: Walker, env: str | None = None) -> None:
        assert doc.flow is not None
        self.doc = doc
        self.flow: Flow = doc.flow
        self.inp = inp
        self.walker = walker
        self.refs = RefIndex(self.flow)
        self.vars = Variables(inp.variables, inp.at)
        self.values = ArchyValues(self.vars, str(self.flow.default_language or ""))
        self.result = SimResult(doc.path, _text(self.flow.name), self.flow.type, list(inp.keys), env=env,
                                inputs=describe_input(inp))
        self.key_index = 0
        self.step_count = 0
        self.menu_stack: list[Menu] = []
        self.seen: set[tuple] = set()

    # --- trace ---
    def step(self, kind: str, text: str, line: int = 0, element: str | None = None,
             heard: str | None = None) -> None:
        self.step_count += 1
        if self.step_count > self.inp.max_steps:
            raise Stop(Outcome("loop", line=line, reason=f"step limit of {self.inp.max_steps} reached "
                               "without an outcome (raise it with --max-steps)"))
        self.result.steps.append(Step(kind, text, line, element, heard))

    def cannot(self, reason: str, line: int) -> Stop:
        return Stop(Outcome("cannot-decide", line=line, reason=reason))

    def broken(self, reason: str, line: int) -> Stop:
        return Stop(Outcome("error", line=line, reason=reason))

    # --- input ---
    def next_input(self) -> str | None:
        if self.key_index >= len(self.inp.keys):
            return None
        key = self.inp.keys[self.key_index]
        self.key_index += 1
        self.result.keys_used = self.key_index
        return key

    # --- the walk ---
    def run(self) -> SimResult:
        try:
            self._start()
        except Stop as stop:
            self.result.outcome = stop.outcome
        except RecursionError:  # tasks calling tasks without end
            self.result.outcome = Outcome("loop", reason="calls nest too deeply (a task calls itself?)")
        except Unsupported as exc:  # outside the subset, raised outside a located value
            self.result.outcome = Outcome("cannot-decide", reason=str(exc))
        except ExprError as exc:  # an expression error raised outside a located value
            self.result.outcome = Outcome("cannot-decide", reason=str(exc))
        except (EndTask, EndState, LoopControl, PreviousMenu, RepeatMenu) as exc:
            self.result.outcome = Outcome("error", reason=f"{type(exc).__name__} outside a task/loop/menu")
        return self.result

    def _start(self) -> None:
        self.init_variables()
        flow = self.flow
        if flow.type in VOICE_TYPES and flow.initial_greeting is not None:
            self.hear("greeting", flow.initial_greeting, line_of(flow.raw, "initialGreeting"),
                      "initial greeting")
        if flow.start_up_ref is not None:
            ref = flow.start_up_ref
            target = self.refs.resolve(ref.value)
            if target is None:
                raise self.broken(f"startUpRef '{ref.value}' does not resolve to a menu, task or state",
                                  ref.line)
            self._navigate(target)
        elif flow.entry_states:  # in-queue email/message: the start-up state (periodicState runs on a timer)
            self._navigate(flow.entry_states[0])
        elif flow.start_up_actions:
            self.step("task", "start-up task actions", line_of(flow.raw, "startUpTaskActions"))
            self._declare_block_vars(flow.raw.get("startUpTaskVariables"))
            with contextlib.suppress(EndTask, EndState):
                self.run_actions(flow.start_up_actions)
            raise Stop(self._fall_off_end("the start-up task", line_of(flow.raw, "startUpTaskActions")))
        else:
            raise self.broken("the flow has neither startUpRef, startUpState nor startUpTaskActions", flow.line)

    def _navigate(self, target: Element) -> None:
        while True:
            sig = (target.path, self.key_index, self.vars.snapshot(), repr(self.vars.participant),
                   tuple(m.path for m in self.menu_stack))
            if sig in self.seen:
                raise Stop(Outcome("loop", line=target.line, reason=(
                    f"back at {_describe(target)} with the same variables and no new input")))
            self.seen.add(sig)
            try:
                if isinstance(target, Menu):
                    self._menu(target)
                elif isinstance(target, Block):
                    self._block(target)
                elif isinstance(target, Choice):
                    self.take_choice(target)
                else:  # pragma: no cover - RefIndex resolves to these only
                    raise self.broken(f"cannot enter {target.path}", target.line)
            except Goto as jump:
                target = jump.target
            except PreviousMenu:
                target = self._previous_menu_target(target)
            except RepeatMenu:
                target = self.menu_stack[-1] if self.menu_stack else target

    def _previous_menu_target(self, here: Element) -> Element:
        if len(self.menu_stack) >= 2:
            self.menu_stack.pop()
            return self.menu_stack[-1]
        # No menu before this one: Architect replays the current menu (documented assumption).
        return self.menu_stack[-1] if self.menu_stack else here

    # --- menus ---
    def _menu_setting(self, menu: Menu, key: str) -> Any:
        for settings in (menu.settings, self.flow.settings.get("settingsMenu")):
            if isinstance(settings, dict) and key in settings:
                value = self.values.quiet(settings[key])
                if value is not None:
                    return value
        return None

    def _menu(self, menu: Menu) -> None:
        if menu in self.menu_stack:
            del self.menu_stack[self.menu_stack.index(menu) + 1:]
        else:
            self.menu_stack.append(menu)
        self.result.visited_menus.add(menu.path)
        plays = self._menu_setting(menu, "repeatCount")
        plays = plays if isinstance(plays, int) and not isinstance(plays, bool) and plays > 0 \
            else DEFAULT_REPEAT_COUNT
        timeout = self._menu_setting(menu, "menuSelectionTimeout")
        seconds = int(timeout.total_seconds()) if hasattr(timeout, "total_seconds") else DEFAULT_MENU_TIMEOUT
        self.step("menu", f"menu \"{menu.name}\" (plays up to {plays} time{'s' if plays != 1 else ''})", menu.line, menu.path)
        for attempt in range(1, plays + 1):
            self.hear("play", menu.audio, line_of(menu.raw, "audio", menu.line), "menu audio")
            key = self.next_input()
            again = "; the menu plays again" if attempt < plays else ""
            if key is None or key == NO_INPUT:
                why = "no key left" if key is None else "no input"
                self.step("input", f"{why}: no selection within {seconds}s{again}", menu.line, menu.path)
                continue
            choice = self._match(menu, key)
            if choice is None:
                self.step("input", f"key {key}: no choice of \"{menu.name}\" takes it (no match){again}",
                          menu.line, menu.path)
                continue
            self.step("choice", f"key {key} -> {choice.kind} \"{choice.name}\"", choice.line, choice.path)
            self.take_choice(choice)
        if menu.default_child_ref:
            default = self.refs.resolve(menu.default_child_ref, owner=menu)
            if not isinstance(default, Choice):
                raise self.broken(f"defaultChildMenuRef '{menu.default_child_ref}' does not resolve",
                                  line_of(menu.raw, "defaultChildMenuRef", menu.line))
            self.step("choice", f"no selection after {plays} plays: default choice \"{default.name}\"",
                      default.line, default.path)
            self.take_choice(default)
        raise Stop(Outcome("disconnect", line=menu.line, detail=(
            f"no selection after {plays} plays of menu \"{menu.name}\" and no default choice")))

    def _match(self, menu: Menu, key: str) -> Choice | None:
        if key.startswith("say:"):
            words = key[4:].strip().lower()
            for global_only, menus in ((False, [menu]), (True, self.flow.menus)):
                for m in menus:
                    for c in m.choices:
                        if global_only and c.raw.get("globalSpeechRecTerms") is not True:
                            continue
                        terms = c.speech_terms.get(self.values.language) or \
                            [t for ts in c.speech_terms.values() for t in ts]
                        if words in (t.lower() for t in terms) or words == str(c.name).lower():
                            return c
            return None
        if len(key) > 1:
            raise self.cannot(f"'{key}' at menu \"{menu.name}\": several digits at a menu dial an "
                              "extension, which is not simulated (give one key per menu)", menu.line)
        found = next((c for c in menu.choices if c.digit == key), None)
        if found is None:  # a "global" choice of another menu answers everywhere
            found = next((c for m in self.flow.menus if m is not menu for c in m.choices
                          if c.digit == key and c.raw.get("globalDtmf") is True), None)
        return found

    def take_choice(self, choice: Choice) -> None:
        self.result.visited_choices.add(choice.path)
        if choice.menu is not None:
            self.result.visited_menus.add(choice.menu.path)
        self.walker.run_choice(self, choice)

    # --- tasks and states ---
    def _block(self, block: Block) -> None:
        self.step(block.kind, f"{block.kind} \"{block.name}\"", block.line, block.path)
        self.vars.clear_block_scope()
        self._declare_block_vars(block.variables)
        with contextlib.suppress(EndTask, EndState):
            self.run_actions(block.actions)
        raise Stop(self._fall_off_end(f"{block.kind} \"{block.name}\"", block.line))

    def run_inline_task(self, actions: list[Action], what: str, line: int) -> None:
        self.vars.clear_block_scope()
        with contextlib.suppress(EndTask):
            self.run_actions(actions)
        raise Stop(self._fall_off_end(what, line))

    def _fall_off_end(self, what: str, line: int) -> Outcome:
        """What Architect does when a task/state runs out of actions (documented assumption)."""
        if self.flow.type in VOICE_TYPES and self.flow.type not in ("inqueueCall",):
            return Outcome("disconnect", line=line, detail=f"end of {what}: the call is disconnected")
        if self.flow.type in MESSAGE_TYPES:
            return Outcome("disconnect", line=line, detail=f"end of {what}: the conversation is disconnected")
        return Outcome("end", line=line, detail=f"end of {what}")

    def call_task(self, action: Action, task: Element) -> str | None:
        """callTask: run the task with its own Task scope; returns the endTask output path."""
        if not isinstance(task, Block):
            raise self.broken(f"callTask target {task.path} is not a task", action.line)
        self.step("call", f"call task \"{task.name}\"", task.line, task.path)
        saved = self.vars.save_block_scope()
        self.vars.clear_block_scope()
        self._declare_block_vars(task.variables)
        path: str | None = None
        try:
            self.run_actions(task.actions)
        except EndTask as end:
            path = end.path
        self.vars.restore_block_scope(saved)
        self.step("return", f"back from task \"{task.name}\"" + (f" via output '{path}'" if path else ""),
                  action.line, action.path)
        return path

    def run_actions(self, actions: list[Action]) -> None:
        for action in actions:
            self.walker.run_action(self, action)

    def run_branch(self, action: Action, name: str) -> None:
        self.run_actions(action.branches.get(name) or [])

    def resolve(self, action: Action, key: str) -> Element:
        ref = action.raw.get(key) if isinstance(action.raw, dict) else None
        line = line_of(action.raw, key, action.line)
        if not isinstance(ref, str):
            raise self.broken(f"{action.type} has no {key}", line)
        target = self.refs.resolve(ref)
        if target is None:
            raise self.broken(f"{key} '{ref}' does not resolve", line)
        return target

    def goto(self, target: Element, line: int, via: str) -> Goto:
        self.step("jump", f"{via} -> {_describe(target)}", line)
        return Goto(target)

    # --- values (read by ArchyValues; errors become the walk's outcome) ---
    def value(self, raw: Any, line: int, kind: str | None = None) -> Any:
        """A wrapper's value. Outside what is evaluated: cannot decide; an Architect runtime
        error: the flow's error handling (both end the walk)."""
        try:
            return self.values.read(raw, kind)
        except ExprRuntimeError as exc:
            raise self.runtime_error(str(exc), line) from None
        except ExprError as exc:
            raise self.cannot(str(exc), line) from None

    def hear(self, kind: str, raw: Any, line: int, what: str) -> None:
        """Play audio / send a message: the text goes into the trace and the heard list."""
        if raw is None:
            return
        try:
            value = self.values.read(raw, None)
        except ExprRuntimeError as exc:
            raise self.runtime_error(str(exc), line) from None
        except ExprError as exc:
            self.step(kind, f"{what} (not simulated: {exc})", line)
            return
        if is_not_set(value):
            return
        text = f"[{value.reason}]" if isinstance(value, Unknown) else display(value)
        if text:  # pure silence (ToAudioBlank) is not worth a step
            self.result.heard.append(text)
            self.step(kind, what, line, heard=text)

    # --- variables ---
    def init_variables(self) -> None:
        declared = self._declarations(self.flow.variables)
        for block in self.flow.blocks:
            self._declarations(block.variables)
        for name, _vtype, body in declared:
            is_input = isinstance(body, dict) and body.get("isInput") is True
            initial = body.get("initialValue") if isinstance(body, dict) else None
            value = self.values.or_unknown(initial, line_of(body, "initialValue"))
            if is_input and is_not_set(value):
                value = Unknown(f"{name} (an input of the flow; --set {name}=…)")
            self.vars.set(name, value)
        self.vars.apply_pins()

    def _declare_block_vars(self, variables: Any) -> None:
        for name, _vtype, body in self._declarations(variables):
            pinned, value = self.vars.pinned(name)
            if not pinned:
                initial = body.get("initialValue") if isinstance(body, dict) else None
                value = self.values.or_unknown(initial, line_of(body, "initialValue"))
            self.vars.set(name, value)

    def _declarations(self, variables: Any) -> list[tuple[str, str, Any]]:
        out = []
        for item in variables if isinstance(variables, list) else []:
            kv = single_key(item)
            if kv is None or not isinstance(kv[1], dict) or not isinstance(kv[1].get("name"), str):
                continue
            vtype = kv[0][: -len("Variable")] if kv[0].endswith("Variable") else kv[0]
            self.vars.declare(kv[1]["name"], vtype)
            out.append((kv[1]["name"], vtype, kv[1]))
        return out

    def assign(self, name: str, value: Any, line: int, why: str) -> None:
        self.vars.set(name, value)
        shown = self.vars.get(name)
        shown = "unknown" if isinstance(shown, Unknown) else display(shown)  # the reason shows where it matters
        self.step("set", f"{name} = {shown} ({why})", line)

    def world_value(self, name: str, given: dict[str, Any], field: str | None, source: str) -> Any:
        """What an action writing `name` from the outside world yields: a pin, a declared stub
        output, or Unknown naming how to declare it."""
        pinned, value = self.vars.pinned(name)
        if pinned:
            return value
        for key in (field, name):
            if key is not None and key in given:
                return given[key]
        what = f"output '{field}' of {source}" if field else source
        return Unknown(f"{name} ({what}; declare it: --set {name}=…)")

    # --- Architect runtime errors ---
    def runtime_error(self, message: str, line: int) -> Exception:
        self.step("error", f"runtime error: {message}; Architect runs the flow's error handling", line)
        self.vars.set("Flow.ErrorType", "RuntimeError")
        self.vars.set("Flow.ErrorMessage", message)
        settings = self.flow.settings.get("settingsErrorHandling")
        settings = settings if isinstance(settings, dict) else {}
        handling = settings.get("errorHandling")
        kv = single_key(handling) if isinstance(handling, dict) else None
        eline = line_of(settings, "errorHandling", line)
        audio = self.values.quiet(settings.get("preHandlingAudio"))
        if isinstance(audio, Audio) and audio.text():  # quiet: an error here must not recurse
            self.result.heard.append(audio.text())
            self.step("play", "error handling audio", line_of(settings, "preHandlingAudio"),
                      heard=audio.text())
        detail = f"error handling after: {message}"
        if kv is not None and kv[0] == "queue" and isinstance(kv[1], dict):
            target = self.values.quiet_object(kv[1].get("targetQueue"), "queue")
            if target is not None:
                return Stop(Outcome("transfer", detail, "queue", str(target), eline))
        if kv is not None and kv[0] in ("endWorkflow", "endFlow", "exit"):
            return Stop(Outcome("end", detail, line=eline))
        if kv is None and self.flow.type not in ("inboundCall", "outboundCall", "secureCall"):
            return Stop(Outcome("end", detail, line=eline))
        return Stop(Outcome("disconnect", detail, line=eline))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _describe(element: Element) -> str:
    if isinstance(element, Menu):
        return f"menu \"{element.name}\""
    if isinstance(element, Block):
        return f"{element.kind} \"{element.name}\""
    if isinstance(element, Choice):
        return f"choice \"{element.name}\""
    return element.path


def describe_input(inp: SimInput) -> dict[str, Any]:
    """The world the walk assumed, for the JSON trace."""
    return {
        "variables": {k: display(v) for k, v in inp.variables.items()},
        "at": inp.at.isoformat() if inp.at else None,
        "schedules": dict(inp.schedules),
        "dataActions": {k: {"path": s.path, "outputs": {o: display(v) for o, v in s.outputs.items()}}
                        for k, s in inp.stubs.items()},
    }
