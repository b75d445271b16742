"""Small Archy flows for the lint-menu tests, assembled from parts.

A line ending in `# <-` marks where a finding is expected; tests read the expected lines
from the text, so fixtures can change shape without renumbering assertions.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from ivr_ci.config import Config
from ivr_ci.findings import Finding
from ivr_ci.flow import load_flow_file
from ivr_ci.rules.engine import Engine

MARK = "# <-"

SETTINGS = """\
settingsMenu:
  menuSelectionTimeout:
    lit:
      seconds: 10
  repeatCount:
    lit: 3
"""

EN_ONLY = """\
en-us:
  none: true
"""

# A top-level menu that passes every rule: announced keys match, 0 reaches a person.
MAIN_MENU = """\
- menu:
    name: Main Menu
    refId: main
    audio:
      tts: Press 1 for sales, or press 0 for an agent.
    choices:
      - menuTransferToAcd:
          name: Sales
          dtmf: digit_1
          targetQueue: {lit: {name: Sales}}
      - menuTransferToAcd:
          name: Operator
          dtmf: digit_0
          targetQueue: {lit: {name: Support}}
"""


def _block(key: str, body: str) -> str:
    if not body.strip():
        return ""
    return f"  {key}:\n" + textwrap.indent(textwrap.dedent(body).strip("\n") + "\n", "    ")


def flow(menus: str = MAIN_MENU, tasks: str = "", *, start: str = "/inboundCall/menus/menu[main]",
         settings: str = SETTINGS, languages: str = EN_ONLY, extra: str = "",
         kind: str = "inboundCall") -> str:
    """An Archy flow file; `menus`/`tasks` are list items (`- menu:` ...) at column 0."""
    head = f"{kind}:\n  name: Test IVR\n"
    if start:
        head += f"  startUpRef: {start}\n"
    head += "  defaultLanguage: en-us\n"
    head += _block("supportedLanguages", languages)
    for part in (settings, extra):
        if part.strip():
            head += textwrap.indent(textwrap.dedent(part).strip("\n") + "\n", "  ")
    return head + _block("menus", menus) + _block("tasks", tasks)


def marked_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), start=1) if line.rstrip().endswith(MARK)]


def lint_file(path: Path, config: Config | None = None) -> list[Finding]:
    return Engine(config or Config()).run("lint-menu", [load_flow_file(str(path))])


def lint_text(tmp_path: Path, text: str, config: Config | None = None, name: str = "flow.yaml") -> list[Finding]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return lint_file(path, config)


def lines_of(findings: list[Finding], rule_id: str) -> list[int]:
    return sorted(f.line for f in findings if f.rule_id == rule_id)
