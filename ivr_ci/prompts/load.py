"""Read prompt files (the same YAML loader as flows) and the repository's prompt library.

A prompt file is YAML whose one top-level key is `prompt:`. It is parsed by
`ivr_ci.flow.yamlpos.parse_yaml`, so `{{key}}` placeholders are kept as text with their
positions, `yes`/`no` stay strings and duplicate keys are reported. With an environment the
text is rendered first (plain `{{key}}` replacement, as for flows): positions do not move,
since substitution values are single-line.

The library is every `*.yaml`/`*.yml` under `prompts.dir` of `.ivr-ci.yaml` (default
`prompts/` beside the config), plus prompt files named on the command line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from ivr_ci.findings import Finding, Severity
from ivr_ci.flow.placeholders import substitute_placeholders
from ivr_ci.flow.yamlpos import YamlSyntaxError, YMap, locate, parse_yaml
from ivr_ci.prompts.model import PromptFile, PromptResource

if TYPE_CHECKING:
    from ivr_ci.config import Config

PROMPT_KEY = "prompt"
DEFAULT_DIR = "prompts"
FILE_RULE = "IVR700"
# Architect's prompt names: letters, digits, underscores, starting with a letter
# (help.mypurecloud.com "Format guidelines for the CSV file in bulk prompt import").
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def is_prompt_root(root: Any) -> bool:
    return isinstance(root, dict) and len(root) == 1 and PROMPT_KEY in root


@cache
def _validator() -> Any:
    import jsonschema

    from ivr_ci.config import load_schema

    return jsonschema.Draft202012Validator(load_schema("prompt.schema.json"))


def _problem(path: str, line: int, col: int, message: str, rule: str = FILE_RULE) -> Finding:
    return Finding(rule, Severity.ERROR, message, path, line, col)


def load_prompt_text(text: str, path: str = "<string>", values: dict[str, str] | None = None) -> PromptFile:
    """One prompt file; never raises for bad content (problems become findings)."""
    template = text
    if values and "{{" in text:
        text = substitute_placeholders(text, values)
    pf = PromptFile(path, text, template)
    try:
        parsed = parse_yaml(text)
    except YamlSyntaxError as exc:
        pf.problems.append(_problem(path, exc.line, exc.col, f"not valid YAML: {exc.message}", "IVR001"))
        return pf
    for dup in parsed.duplicates:
        pf.problems.append(_problem(path, dup.second.line, dup.second.col, (
            f"duplicate key '{dup.key}' (first at line {dup.first.line}); YAML keeps only the last one"), "IVR002"))
    root = parsed.root
    if not is_prompt_root(root):
        pf.problems.append(_problem(path, 1, 1, "a prompt file holds one top-level key, `prompt:`"))
        return pf
    found: list[tuple[int, int, str]] = []
    for err in _validator().iter_errors(root):
        where_path = list(err.absolute_path)
        where = "/".join(str(p) for p in where_path) or "(top level)"
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            known = err.schema.get("properties", {})
            for key in err.instance:  # one problem per unknown key, on its own line
                if key not in known:
                    line, col = locate(root, [*where_path, key])
                    found.append((line, col, f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(known))})"))
            continue
        message = err.message
        if err.validator == "anyOf":
            message = "a resource needs `tts:` or `audio:` (or both)"
        elif "propertyNames" in err.absolute_schema_path:
            message = f"{err.instance!r} is not a language code (en-us, es-us, fr-ca ...)"
            where_path.append(err.instance)
        line, col = locate(root, where_path)
        found.append((line, col, f"{where}: {message}"))
    pf.problems += [_problem(path, line, col, message) for line, col, message in sorted(found)]
    body = root[PROMPT_KEY]
    pf.body = body
    pf.line = root.key_pos[PROMPT_KEY].line if isinstance(root, YMap) else 1
    if not isinstance(body, YMap):
        return pf
    name = body.get("name")
    if isinstance(name, str) and name:
        pf.name = name
        pf.name_line = body.key_pos["name"].line
        if "{{" not in name and not NAME_RE.match(name):
            p = body.value_pos("name")
            pf.problems.append(_problem(path, pf.name_line, p.col if p else 1, (
                f"prompt name '{name}' is not one Architect accepts: letters, digits and underscores, "
                "starting with a letter")))
    if isinstance(body.get("description"), str):
        pf.description = body["description"]
    resources = body.get("resources")
    if "resources" in body:
        pos = body.key_pos["resources"]
        pf.resources_line, pf.resources_col = pos.line, pos.col
    if isinstance(resources, YMap):
        for lang, spec in resources.items():
            if not isinstance(lang, str) or not isinstance(spec, YMap):
                continue
            kp = resources.key_pos[lang]
            res = PromptResource(lang, kp.line, kp.col, spec)
            for key in ("tts", "text", "audio"):
                if isinstance(spec.get(key), str):
                    setattr(res, key, spec[key])
            if lang.lower() in pf.resources:
                pf.problems.append(_problem(path, kp.line, kp.col, f"language {lang} is given twice"))
            pf.resources[lang.lower()] = res
    return pf


def load_prompt_file(path: str, values: dict[str, str] | None = None) -> PromptFile:
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            text = fh.read().replace("\r\n", "\n")
    except UnicodeDecodeError as exc:
        pf = PromptFile(path, "")
        pf.problems.append(_problem(path, 1, 1, f"not UTF-8 text: {exc.reason} at byte {exc.start}", "IVR001"))
        return pf
    except OSError as exc:
        pf = PromptFile(path, "")
        pf.problems.append(_problem(path, 1, 1, f"cannot read file: {exc.strerror}", "IVR001"))
        return pf
    return load_prompt_text(text, path, values)


def looks_like_prompt_file(text: str) -> bool:
    """Cheap pre-check before a full parse: the first key at column 1 is `prompt:`."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped == "---":
            continue
        return line.startswith("prompt:")
    return False


def prompt_settings(config: Config) -> dict[str, Any]:
    return config.section("prompts")


def prompt_dir(config: Config) -> str:
    return config.resolve(str(prompt_settings(config).get("dir") or DEFAULT_DIR))


def library_paths(config: Config) -> list[str]:
    """Prompt files of the configured directory (walked, hidden directories skipped)."""
    return library_paths_in(prompt_dir(config))


def library_paths_in(root: str) -> list[str]:
    out: list[str] = []
    if not os.path.isdir(root):
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        out += [_shown(os.path.join(dirpath, n)) for n in sorted(filenames) if n.endswith((".yaml", ".yml"))]
    return out


def _shown(path: str) -> str:
    """Relative to the working directory when under it, as flow paths are given."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


@dataclass
class PromptLibrary:
    """The prompts this repository defines, by name (case-insensitive, as Architect compares)."""

    files: list[PromptFile] = field(default_factory=list)
    external: set[str] = field(default_factory=set)  # casefolded names managed elsewhere
    configured: bool = False  # the repository keeps prompts as code (directory or `prompts:` section)
    duplicates: list[tuple[PromptFile, PromptFile]] = field(default_factory=list)  # (first, second)

    def __post_init__(self) -> None:
        self.by_name: dict[str, PromptFile] = {}
        for pf in self.files:
            if pf.name is None or "{{" in pf.name:
                continue
            key = pf.name.casefold()
            if key in self.by_name:
                self.duplicates.append((self.by_name[key], pf))
            else:
                self.by_name[key] = pf

    def find(self, name: str) -> PromptFile | None:
        return self.by_name.get(name.casefold())

    def is_external(self, name: str) -> bool:
        return name.casefold() in self.external


def load_library(config: Config, env: str | None = None, extra_paths: Iterable[str] = (), *,
                 values: dict[str, str] | None = None) -> PromptLibrary:
    """The library for `env` (rendered with its substitutions, or `values`) or as written."""
    if values is None and env:
        values = config.substitutions(env)
    seen: set[str] = set()
    files: list[PromptFile] = []
    for path in [*library_paths(config), *extra_paths]:
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        files.append(load_prompt_file(path, values))
    settings = prompt_settings(config)
    external = {str(n).casefold() for n in settings.get("external") or []}
    configured = bool(files) or "prompts" in config.data
    return PromptLibrary(files, external, configured)
