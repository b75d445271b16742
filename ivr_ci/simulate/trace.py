"""A simulation's result: the steps taken (each with file:line), what was heard, the outcome.

`SimResult.to_json()` is the documented JSON trace (docs/simulate.md,
ivr_ci/schemas/trace.schema.json); `render_text()` is the terminal form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TRACE_VERSION = 1
OUTCOME_KINDS = ("transfer", "voicemail", "disconnect", "end", "loop", "cannot-decide", "error")
TARGET_TYPES = ("queue", "user", "group", "number", "flow", "acd")


@dataclass
class Step:
    kind: str  # greeting, menu, play, input, choice, action, decision, jump, call, return, set, note
    text: str
    line: int = 0
    element: str | None = None  # Archy path of the element, when there is one
    heard: str | None = None

    def to_json(self, index: int, file: str) -> dict[str, Any]:
        out: dict[str, Any] = {"n": index, "kind": self.kind, "text": self.text, "file": file,
                               "line": self.line}
        if self.element:
            out["element"] = self.element
        if self.heard is not None:
            out["heard"] = self.heard
        return out


@dataclass
class Outcome:
    kind: str
    detail: str = ""
    target_type: str | None = None  # queue, user, group, number, flow
    target: str | None = None
    line: int = 0
    reason: str | None = None  # cannot-decide / error / loop: why, naming what is missing

    @property
    def ok(self) -> bool:
        return self.kind not in ("cannot-decide", "error")

    def describe(self) -> str:
        if self.kind in ("transfer", "voicemail") and self.target_type:
            what = "transfer" if self.kind == "transfer" else "voicemail"
            return f"{what} to {self.target_type} \"{self.target}\""
        if self.kind in ("cannot-decide", "error", "loop"):
            label = {"cannot-decide": "cannot decide", "error": "error in flow",
                     "loop": "loop detected"}[self.kind]
            return f"{label}: {self.reason}"
        return self.kind + (f" ({self.detail})" if self.detail else "")

    def to_json(self, file: str) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "description": self.describe(), "file": file,
                               "line": self.line}
        if self.target_type:
            out["target"] = {"type": self.target_type, "name": self.target}
        if self.detail:
            out["detail"] = self.detail
        if self.reason:
            out["reason"] = self.reason
        return out


@dataclass
class SimResult:
    file: str
    flow_name: str | None
    flow_type: str | None
    keys: list[str]
    steps: list[Step] = field(default_factory=list)
    heard: list[str] = field(default_factory=list)
    outcome: Outcome = field(default_factory=lambda: Outcome("error", reason="not run"))
    keys_used: int = 0
    visited_menus: set[str] = field(default_factory=set)  # Archy paths
    visited_choices: set[str] = field(default_factory=set)
    env: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": TRACE_VERSION,
            "flow": {"file": self.file, "name": self.flow_name, "type": self.flow_type},
            "input": {"keys": self.keys, "env": self.env, **self.inputs},
            "steps": [s.to_json(i, self.file) for i, s in enumerate(self.steps, start=1)],
            "heard": self.heard,
            "outcome": self.outcome.to_json(self.file),
            "keys": {"used": self.keys[: self.keys_used], "left": self.keys[self.keys_used:]},
            "visited": {"menus": sorted(self.visited_menus), "choices": sorted(self.visited_choices)},
        }

    def render_text(self, indent: str = "") -> str:
        keys = ",".join(self.keys) if self.keys else "none"
        what = f"{self.flow_type} \"{self.flow_name}\"" if self.flow_type else "flow not loaded"
        lines = [f"{indent}{self.file}: {what}, keys {keys}" + (f", env {self.env}" if self.env else "")]
        width = len(str(len(self.steps)))
        for i, step in enumerate(self.steps, start=1):
            where = f"{self.file}:{step.line}" if step.line else self.file
            text = step.text + (f": \"{step.heard}\"" if step.heard else "")
            lines.append(f"{indent}  {str(i).rjust(width)}. {step.kind:<8} {text}  [{where}]")
        loc = f"  [{self.file}:{self.outcome.line}]" if self.outcome.line else ""
        lines.append(f"{indent}outcome: {self.outcome.describe()}{loc}")
        left = self.keys[self.keys_used:]
        if left and self.outcome.ok:
            lines.append(f"{indent}note: keys not used: {','.join(left)}")
        return "\n".join(lines) + "\n"
