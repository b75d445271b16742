"""The GitHub workflow snippets our documentation shows, extracted for linting and running.

A snippet is a fenced ```yaml block that holds a workflow (a mapping with `jobs:`) or a list of
steps (`- uses:` / `- run:`); steps are wrapped into a minimal workflow so the same linters read
them. Blocks that are neither (flow examples, configs) are not workflows and are left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```ya?ml[ \t]*\n(.*?)^```", re.M | re.S)
# The release our docs pin: the full commit SHA of a tagged ivr-ci release, the tag as a comment.
RELEASE_TAG = "v0.1.0"
RELEASE_SHA = "4ee5489c5acee18c2d7f39672fef7b282c3362d8"


@dataclass(frozen=True)
class Snippet:
    path: Path
    line: int  # of the opening fence
    text: str
    kind: str  # "workflow" | "steps"

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"

    def as_workflow(self) -> str:
        if self.kind == "workflow":
            return self.text
        steps = "\n".join("      " + line if line.strip() else "" for line in self.text.splitlines())
        return ("on: workflow_dispatch\npermissions: {}\njobs:\n  snippet:\n    runs-on: ubuntu-latest\n"
                "    steps:\n" + steps + "\n")


def documentation_files() -> list[Path]:
    files = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md")),
             *sorted((REPO / "entrypoints").glob("*/README.md")), REPO / "hooks" / "README.md"]
    return [f for f in files if f.exists()]


def _kind(doc: Any) -> str | None:
    if isinstance(doc, dict) and "jobs" in doc:
        return "workflow"
    if isinstance(doc, list) and doc and all(isinstance(s, dict) and ("uses" in s or "run" in s) for s in doc):
        return "steps"
    return None


def snippets() -> list[Snippet]:
    found = []
    for path in documentation_files():
        text = path.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            body = m.group(1)
            line = text.count("\n", 0, m.start()) + 1
            try:
                doc = yaml.safe_load(body)
            except yaml.YAMLError:
                if re.search(r"^\s*(-\s+)?uses:|^jobs:", body, re.M):
                    raise AssertionError(f"{path}:{line}: a workflow snippet that is not valid YAML") from None
                continue  # a deliberately broken flow example
            kind = _kind(doc)
            if kind:
                found.append(Snippet(path, line, body, kind))
    return found


def uses_lines(text: str) -> list[tuple[int, str, str]]:
    """(line number, action reference, trailing comment) of every `uses:` in a YAML text."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        m = re.match(r"\s*(?:-\s+)?uses:\s*([^\s#]+)\s*(?:#\s*(.*))?$", line)
        if m:
            out.append((n, m.group(1).strip("'\""), (m.group(2) or "").strip()))
    return out
