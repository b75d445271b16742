"""Maintenance windows in the semantic diff and the PR comment: what a pull request schedules,
moves or cancels, in reviewer terms, from `.ivr-ci.yaml` on both sides of the diff."""

from __future__ import annotations

import os
import subprocess
from typing import Any

from ivr_ci.config import Config, load_config
from ivr_ci.diff.escape import md_inline
from ivr_ci.errors import IvrCiError
from ivr_ci.flow.yamlpos import YamlSyntaxError, parse_yaml
from ivr_ci.maintenance.windows import MaintenanceWindow, load_windows

WORKTREE = None  # head side: the working tree


def _config_at(ref: str, config: Config) -> Config | None:
    """`.ivr-ci.yaml` as of a git ref (None: not in that commit, or not readable)."""
    if not config.path:
        return None
    cwd = os.path.dirname(os.path.abspath(config.path))
    name = os.path.basename(config.path)
    try:
        proc = subprocess.run(["git", "show", f"{ref}:./{name}"], cwd=cwd, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    try:
        data = parse_yaml(proc.stdout.decode("utf-8", errors="replace")).root
    except YamlSyntaxError:
        return None
    return Config(config.path, data) if isinstance(data, dict) else None


def _key(w: MaintenanceWindow) -> tuple[Any, ...]:
    return (w.environment, tuple(w.flows), w.start, w.end, tuple(sorted(w.message.items())), w.then)


def window_changes(old: list[MaintenanceWindow], new: list[MaintenanceWindow]) -> list[str]:
    """One line per window and flow that is added, changed or removed."""
    before = {w.id: w for w in old}
    after = {w.id: w for w in new}
    lines = []
    for wid, w in after.items():
        prev = before.get(wid)
        if prev is not None and _key(prev) == _key(w):
            continue
        state = "added" if prev is None else f"changed; was {prev.when()}" if prev.when() != w.when() else "changed"
        lines += [f"{w.environment} · {w.describe(flow)} ({state})" for flow in w.flows]
    for wid, w in before.items():
        if wid not in after:
            lines += [f"{w.environment} · {flow}: maintenance {w.when()} [{wid}] removed" for flow in w.flows]
    return lines


def diff_lines(base_ref: str, head_ref: str | None, config_path: str | None) -> list[str]:
    """The windows a git diff changes (empty outside git, or without maintenance on either side)."""
    try:
        head = load_config(config_path)
    except IvrCiError:
        return []
    if head_ref is not None:
        head = _config_at(head_ref, head) or Config(head.path, {})
    base = _config_at(base_ref, head)
    if not (head.data.get("maintenance") or (base is not None and base.data.get("maintenance"))):
        return []
    try:
        old = load_windows(base) if base is not None else []
        new = load_windows(head)
    except (TypeError, ValueError, AttributeError):  # a malformed side: validate-flow reports it
        return []
    return window_changes(old, new)


def markdown(lines: list[str]) -> str:
    return "### 🛠️ Maintenance windows\n\n" + "\n".join(f"- {md_inline(line, 400)}" for line in lines) + "\n"
