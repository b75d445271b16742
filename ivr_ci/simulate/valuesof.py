"""Archy value wrappers (`lit`, `exp`, `var`, `noValue`, `tts`, `prompt`) as simulator values,
audio as heard text, variable declarations, and Architect's runtime error handling."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ivr_ci.flow.build import single_key
from ivr_ci.flow.yamlpos import key_line
from ivr_ci.simulate.evaluate import evaluate_text
from ivr_ci.simulate.trace import Outcome
from ivr_ci.simulate.values import (
    NOT_SET,
    Audio,
    FlowRuntimeError,
    OrgObject,
    Unknown,
    Unsupported,
    display,
)

if TYPE_CHECKING:
    from ivr_ci.simulate.engine import Simulator

_DURATION_UNITS = {"ms": "milliseconds", "seconds": "seconds", "minutes": "minutes", "hours": "hours",
                   "days": "days"}


def line_of(mapping: Any, key: Any, default: int = 0) -> int:
    """`key_line` with 0 (no line) as the default."""
    return key_line(mapping, key, default)


class ValueMixin:
    """Value evaluation for the Simulator (kept apart to keep each file about one thing)."""

    def value(self: Simulator, raw: Any, line: int, kind: str | None = None) -> Any:
        """A wrapper's value. Outside the subset: cannot decide; Architect runtime error: error
        handling (both end the walk)."""
        try:
            return self._value(raw, kind)
        except Unsupported as exc:
            raise self.cannot(str(exc), line) from None
        except FlowRuntimeError as exc:
            raise self.runtime_error(str(exc), line) from None

    def value_quiet(self, raw: Any) -> Any:
        """Settings values: anything not understood is simply 'not set' (None)."""
        try:
            value = self._value(raw, None)
        except (Unsupported, FlowRuntimeError):
            return None
        return None if value is NOT_SET or isinstance(value, Unknown) else value

    def _value(self: Simulator, raw: Any, kind: str | None) -> Any:
        if raw is None:
            return NOT_SET
        if not isinstance(raw, dict):
            return raw
        if raw.get("noValue") in (True, "true") or "none" in raw:
            return NOT_SET
        if "exp" in raw:
            text = raw["exp"]
            value = evaluate_text(str(text), self.vars) if not isinstance(text, (int, float)) else text
            if kind and isinstance(value, str):
                return OrgObject(kind, value)
            return value
        if "var" in raw:
            return self.vars.get(str(raw["var"]))
        if "tts" in raw:
            return Audio((self._tts_text(raw["tts"]),))
        if "prompt" in raw:
            prompt = raw["prompt"]
            if isinstance(prompt, dict):
                return self._value(prompt, None)
            return Audio((f"[prompt {prompt}]",))
        if "lit" in raw:
            return self._lit(raw["lit"], kind)
        if isinstance(raw.get("name"), str):  # targetFlow: {name: X}
            return OrgObject(kind or "object", raw["name"])
        raise Unsupported(f"value form {sorted(map(str, raw))} is not simulated")

    def _lit(self, lit: Any, kind: str | None) -> Any:
        if isinstance(lit, dict):
            if isinstance(lit.get("name"), str):
                return OrgObject(kind or "object", lit["name"])
            units = {k: v for k, v in lit.items() if k in _DURATION_UNITS}
            if units and len(units) == len(lit) and all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in units.values()):
                try:
                    return timedelta(**{_DURATION_UNITS[k]: float(v) for k, v in units.items()})
                except (OverflowError, ValueError):  # beyond timedelta's ~2.7 million years, or NaN
                    raise Unsupported(f"duration {dict(units)} is out of range") from None
            if "lit" in lit or "exp" in lit or "noValue" in lit:
                return self._value(lit, kind)
            return {k: self._value(v, None) if isinstance(v, dict) else v for k, v in lit.items()}
        if isinstance(lit, list):
            return [self._value(v, None) if isinstance(v, dict) else v for v in lit]
        if kind and isinstance(lit, str):
            return OrgObject(kind, lit)
        return lit

    def _tts_text(self: Simulator, tts: Any) -> str:
        if isinstance(tts, dict):  # per-language text: the flow's language first
            for lang in (self.language, *tts.keys()):
                if lang in tts and tts[lang] is not None:
                    return str(tts[lang])
            return ""
        return "" if tts is None else str(tts)

    def hear(self: Simulator, kind: str, raw: Any, line: int, what: str) -> None:
        """Play audio / send a message: the text goes into the trace and the heard list."""
        if raw is None:
            return
        try:
            value = self._value(raw, None)
        except Unsupported as exc:
            self.step(kind, f"{what} (not simulated: {exc})", line)
            return
        except FlowRuntimeError as exc:
            raise self.runtime_error(str(exc), line) from None
        if value is NOT_SET:
            return
        if isinstance(value, Unknown):
            text = f"[{value.reason}]"
        elif isinstance(value, Audio):
            text = value.text()
        else:
            text = display(value)
        if text:  # pure silence (ToAudioBlank) is not worth a step
            self.result.heard.append(text)
            self.step(kind, what, line, heard=text)

    # --- variables ---
    def init_variables(self: Simulator) -> None:
        declared = self._declarations(self.flow.variables)
        for block in self.flow.blocks:
            self._declarations(block.variables)
        for name, _vtype, body in declared:
            is_input = isinstance(body, dict) and body.get("isInput") is True
            initial = body.get("initialValue") if isinstance(body, dict) else None
            value = self.value_or_unknown(initial, line_of(body, "initialValue"))
            if is_input and value is NOT_SET:
                value = Unknown(f"{name} (an input of the flow; --set {name}=…)")
            self.vars.set(name, value)
        self.vars.apply_pins()

    def _declare_block_vars(self: Simulator, variables: Any) -> None:
        for name, _vtype, body in self._declarations(variables):
            pinned, value = self.vars.pinned(name)
            if not pinned:
                initial = body.get("initialValue") if isinstance(body, dict) else None
                value = self.value_or_unknown(initial, line_of(body, "initialValue"))
            self.vars.set(name, value)

    def _declarations(self: Simulator, variables: Any) -> list[tuple[str, str, Any]]:
        out = []
        for item in variables if isinstance(variables, list) else []:
            kv = single_key(item)
            if kv is None or not isinstance(kv[1], dict) or not isinstance(kv[1].get("name"), str):
                continue
            vtype = kv[0][: -len("Variable")] if kv[0].endswith("Variable") else kv[0]
            self.vars.declare(kv[1]["name"], vtype)
            out.append((kv[1]["name"], vtype, kv[1]))
        return out

    def value_or_unknown(self: Simulator, raw: Any, line: int) -> Any:
        """Initial values: a problem in one is only a problem if a decision needs it."""
        try:
            return self._value(raw, None)
        except Unsupported as exc:
            return Unknown(f"the initial value at line {line} (not simulated: {exc})")
        except FlowRuntimeError as exc:
            return Unknown(f"the initial value at line {line} (fails: {exc})")

    def assign(self: Simulator, name: str, value: Any, line: int, why: str) -> None:
        self.vars.set(name, value)
        shown = self.vars.get(name)
        shown = "unknown" if isinstance(shown, Unknown) else display(shown)  # the reason shows where it matters
        self.step("set", f"{name} = {shown} ({why})", line)

    def world_value(self: Simulator, name: str, given: dict[str, Any], field: str | None,
                    source: str) -> Any:
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
    def runtime_error(self: Simulator, message: str, line: int) -> Exception:
        from ivr_ci.simulate.engine import Stop

        self.step("error", f"runtime error: {message}; Architect runs the flow's error handling", line)
        self.vars.set("Flow.ErrorType", "RuntimeError")
        self.vars.set("Flow.ErrorMessage", message)
        settings = self.flow.settings.get("settingsErrorHandling")
        settings = settings if isinstance(settings, dict) else {}
        handling = settings.get("errorHandling")
        kv = single_key(handling) if isinstance(handling, dict) else None
        eline = line_of(settings, "errorHandling", line)
        audio = self.value_quiet(settings.get("preHandlingAudio"))
        if isinstance(audio, Audio) and audio.text():  # quiet: an error here must not recurse
            self.result.heard.append(audio.text())
            self.step("play", "error handling audio", line_of(settings, "preHandlingAudio"),
                      heard=audio.text())
        detail = f"error handling after: {message}"
        if kv is not None and kv[0] == "queue" and isinstance(kv[1], dict):
            target = self.value_quiet_kind(kv[1].get("targetQueue"), "queue")
            if target is not None:
                return Stop(Outcome("transfer", detail, "queue", str(target), eline))
        if kv is not None and kv[0] in ("endWorkflow", "endFlow", "exit"):
            return Stop(Outcome("end", detail, line=eline))
        if kv is None and self.flow.type not in ("inboundCall", "outboundCall", "secureCall"):
            return Stop(Outcome("end", detail, line=eline))
        return Stop(Outcome("disconnect", detail, line=eline))

    def value_quiet_kind(self, raw: Any, kind: str) -> Any:
        try:
            value = self._value(raw, kind)
        except (Unsupported, FlowRuntimeError):
            return None
        return value if isinstance(value, OrgObject) else None
