"""GitHub Actions workflow commands, outputs, masks and the job summary (no dependencies).

Escaping is exactly that of the official toolkit (`actions/toolkit` packages/core command.ts):
message data escapes `%`, CR and LF; property values additionally `:` and `,`. Unset
annotation properties are omitted (unlike actions-toolkit on PyPI, which emits `endLine=`).

Everything prints to stdout (where the runner reads workflow commands) unless a `stream` is
given; the file commands ($GITHUB_OUTPUT, $GITHUB_ENV, $GITHUB_PATH, $GITHUB_STEP_SUMMARY)
are no-ops returning False when their variable is not set (outside Actions).
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

# Order of annotation properties as written: file, line, col, endLine, endColumn, title.
_ANNOTATION_KEYS = (
    ("file", "file"),
    ("line", "line"),
    ("col", "col"),
    ("end_line", "endLine"),
    ("end_column", "endColumn"),
    ("title", "title"),
)


def escape_data(value: Any) -> str:
    """Escape a command's message: `%`, CR, LF."""
    return _to_str(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: Any) -> str:
    """Escape a property value: `%`, CR, LF, `:` and `,`."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def _to_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def format_command(command: str, message: Any = "", properties: dict[str, Any] | None = None) -> str:
    """`::command k=v,k2=v2::message`, omitting properties whose value is None or ''."""
    props = [
        f"{key}={escape_property(val)}"
        for key, val in (properties or {}).items()
        if val is not None and val != ""
    ]
    head = f"::{command}" + (" " + ",".join(props) if props else "")
    return f"{head}::{escape_data(message)}"


def issue_command(
    command: str, message: Any = "", properties: dict[str, Any] | None = None, stream: TextIO | None = None
) -> None:
    out = stream or sys.stdout
    out.write(format_command(command, message, properties) + os.linesep)
    out.flush()


def format_annotation(
    level: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    col: int | None = None,
    end_line: int | None = None,
    end_column: int | None = None,
    title: str | None = None,
) -> str:
    """An `error`/`warning`/`notice` command line (1-based line and column)."""
    if level not in ("error", "warning", "notice"):
        raise ValueError(f"annotation level must be error, warning or notice, not {level!r}")
    given = {"file": file, "line": line, "col": col, "end_line": end_line,
             "end_column": end_column, "title": title}
    return format_command(level, message, {name: given[arg] for arg, name in _ANNOTATION_KEYS})


def _annotate(level: str, message: str, stream: TextIO | None, **props: Any) -> None:
    out = stream or sys.stdout
    out.write(format_annotation(level, message, **props) + os.linesep)
    out.flush()


def error(message: str, *, stream: TextIO | None = None, **props: Any) -> None:
    """`::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message`."""
    _annotate("error", message, stream, **props)


def warning(message: str, *, stream: TextIO | None = None, **props: Any) -> None:
    _annotate("warning", message, stream, **props)


def notice(message: str, *, stream: TextIO | None = None, **props: Any) -> None:
    _annotate("notice", message, stream, **props)


def debug(message: str, stream: TextIO | None = None) -> None:
    issue_command("debug", message, stream=stream)


@contextmanager
def group(title: str, stream: TextIO | None = None) -> Iterator[None]:
    """A collapsible log group: `::group::title` … `::endgroup::`."""
    issue_command("group", title, stream=stream)
    try:
        yield
    finally:
        issue_command("endgroup", stream=stream)


@contextmanager
def stop_commands(stream: TextIO | None = None) -> Iterator[str]:
    """Print untrusted text without it being read as workflow commands; yields the token.

    The token is random per use, as the docs require (a fixed one could be guessed and
    closed from inside the untrusted text).
    """
    token = secrets.token_hex(16)
    issue_command("stop-commands", token, stream=stream)
    try:
        yield token
    finally:
        issue_command(token, stream=stream)


_MASKED: set[str] = set()


def mask(secret: str | None, stream: TextIO | None = None) -> None:
    """Register a secret with the runner's log masker (`::add-mask::`); each line of a
    multi-line secret is registered too, since the runner masks line by line."""
    if not secret:
        return
    _MASKED.add(secret)
    issue_command("add-mask", secret, stream=stream)
    lines = [ln.strip() for ln in secret.splitlines()]
    if len(lines) > 1:
        for ln in lines:
            if ln:
                issue_command("add-mask", ln, stream=stream)


def mask_once(secret: str | None, stream: TextIO | None = None) -> None:
    """`mask` unless this process has masked `secret` already (an action wrapper masks its
    inputs before the command's client masks what it was given)."""
    if secret and secret not in _MASKED:
        mask(secret, stream)


def _file_command(variable: str, text: str) -> bool:
    path = os.environ.get(variable)
    if not path:
        return False
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)
    return True


def _key_value_block(name: str, value: Any) -> str:
    """`name<<ghadelimiter_<uuid>` … delimiter (safe for any multi-line value)."""
    text = _to_str(value)
    delimiter = f"ghadelimiter_{uuid.uuid4()}"
    if delimiter in name or delimiter in text:  # as the toolkit: never emit an ambiguous block
        raise ValueError("unexpected input: name or value contains the delimiter")
    if "\n" in name or "\r" in name or "<<" in name or "=" in name:
        raise ValueError(f"invalid name for a file command: {name!r}")
    return f"{name}<<{delimiter}\n{text}\n{delimiter}\n"


def set_output(name: str, value: Any) -> bool:
    """Append a step output to $GITHUB_OUTPUT (non-strings JSON-encoded, e.g. true/false)."""
    return _file_command("GITHUB_OUTPUT", _key_value_block(name, value))


def export_env(name: str, value: Any) -> bool:
    """Set an env var for this process and (via $GITHUB_ENV) for later steps."""
    os.environ[name] = _to_str(value)
    return _file_command("GITHUB_ENV", _key_value_block(name, value))


def add_path(directory: str) -> bool:
    """Prepend a directory to PATH for this process and (via $GITHUB_PATH) later steps."""
    os.environ["PATH"] = directory + os.pathsep + os.environ.get("PATH", "")
    return _file_command("GITHUB_PATH", directory + "\n")


def append_summary(markdown: str) -> bool:
    """Append Markdown to the job summary ($GITHUB_STEP_SUMMARY, max 1 MiB per step)."""
    return _file_command("GITHUB_STEP_SUMMARY", markdown if markdown.endswith("\n") else markdown + "\n")


def write_summary(markdown: str) -> bool:
    """Replace this step's job summary with `markdown`."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return False
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(markdown if markdown.endswith("\n") else markdown + "\n")
    return True


def get_input(name: str, default: str = "") -> str:
    """An action input handed to a `run:` step as `INPUT_<NAME>` through `env:` (stripped)."""
    return os.environ.get(f"INPUT_{name.upper().replace('-', '_')}", default).strip()


def get_list_input(name: str) -> list[str]:
    """A list input: items separated by new lines or spaces (shell-style quoting kept)."""
    import shlex

    return [item for line in get_input(name).splitlines() for item in shlex.split(line)]


def get_flag_input(name: str, default: bool) -> bool:
    """A boolean input (true/yes/on/1); `default` when empty."""
    raw = get_input(name).lower()
    return default if not raw else raw in ("1", "true", "yes", "on")


def in_actions() -> bool:
    """True when running in a GitHub Actions job (GITHUB_ACTIONS=true)."""
    return os.environ.get("GITHUB_ACTIONS") == "true"


def event_payload() -> dict[str, Any]:
    """The triggering event's JSON (GITHUB_EVENT_PATH); {} when unset, missing or not an object."""
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def pr_number_and_repo(event: dict[str, Any] | None = None) -> tuple[int, str] | None:
    """(pull-request number, "owner/repo") of the triggering PR, or None when not about a PR.

    Handles pull_request / pull_request_target / pull_request_review(_comment) (`pull_request`
    key) and issue_comment on a PR (`issue.pull_request` present). The repository is the base
    repository (`repository.full_name`, else $GITHUB_REPOSITORY).
    """
    event = event_payload() if event is None else event
    number = None
    pr = event.get("pull_request")
    if isinstance(pr, dict) and isinstance(pr.get("number"), int):
        number = pr["number"]
    issue = event.get("issue")
    if number is None and isinstance(issue, dict) and issue.get("pull_request"):
        number = issue.get("number") if isinstance(issue.get("number"), int) else None
    if number is None:
        return None
    repo = (event.get("repository") or {}).get("full_name") or os.environ.get("GITHUB_REPOSITORY")
    if not repo or "/" not in repo:
        return None
    return number, repo
