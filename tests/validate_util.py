"""Helpers for the validate-flow tests: run the stage on fixtures, find marked lines."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ivr_ci.config import Config, load_config
from ivr_ci.findings import Finding, Severity
from ivr_ci.flow import load_flows
from ivr_ci.rules.engine import Engine

# A small valid call flow; tests derive broken variants from it with str.replace.
GOOD_CALL_FLOW = """\
inboundCall:
  name: Main IVR
  division: Home
  defaultLanguage: en-us
  startUpRef: "/inboundCall/menus/menu[main]"
  initialGreeting:
    tts: Welcome
  menus:
    - menu:
        name: Main
        refId: main
        audio:
          tts: Press 1 for sales
        choices:
          - menuJumpToTask:
              name: Sales
              dtmf: digit_1
              targetTaskRef: "/inboundCall/tasks/task[sales]"
          - menuDisconnect:
              name: Bye
              dtmf: digit_9
  tasks:
    - task:
        name: Sales
        refId: sales
        actions:
          - transferToAcd:
              name: To sales
              targetQueue:
                lit:
                  name: Sales
          - disconnect:
              name: Transfer failed
"""


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def line_of(text: str, marker: str, nth: int = 0) -> int:
    """1-based line of the nth line containing `marker`."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(hits) > nth, f"marker {marker!r} not found"
    return hits[nth]


def validate(paths: list[Path], config: Config | None = None, env: str | None = None,
             config_path: Path | None = None) -> list[Finding]:
    if config is None:
        config = load_config(str(config_path)) if config_path else Config()
    docs = load_flows([str(p) for p in paths])
    return Engine(config, env=env).run("validate-flow", docs)


def of(findings: list[Finding], rule_id: str) -> list[Finding]:
    """The findings of one rule; the fixture itself must have loaded (no IVR001-IVR003)."""
    assert not [f for f in findings if f.rule_id in ("IVR001", "IVR002", "IVR003")], findings
    return [f for f in findings if f.rule_id == rule_id]


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]
