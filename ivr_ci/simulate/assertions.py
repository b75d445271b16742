"""`*.paths.yaml`: caller paths through a flow and where each must end.

A paths file is checked against ivr_ci/schemas/paths.schema.json and then value by value
(keys, times, schedule states, data-action results); every problem is reported as
`file:line: message`. Each case is simulated and its `expect:` compared with the outcome.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ivr_ci.config import read_yaml_file
from ivr_ci.errors import ConfigError
from ivr_ci.flow import PATHS_SUFFIXES
from ivr_ci.flow.yamlpos import key_line
from ivr_ci.simulate.run import simulate
from ivr_ci.simulate.trace import SimResult
from ivr_ci.simulate.world import SimInput, check_schedule_state, parse_keys, parse_stub
from ivr_ci.util.clock import parse_at

if TYPE_CHECKING:
    from ivr_ci.config import Config
    from ivr_ci.flow import FlowDocument

TARGET_KEYS = ("queue", "user", "group", "number", "flow")


class PathsFileError(ConfigError):
    """An invalid paths file; `problems` are (line, message) pairs."""

    def __init__(self, path: str, problems: list[tuple[int, str]]) -> None:
        self.path = path
        self.problems = sorted(problems)
        super().__init__("invalid paths file:\n  " + "\n  ".join(f"{path}:{ln}: {m}" for ln, m in self.problems))


@dataclass
class Case:
    name: str
    line: int
    inp: SimInput
    expect: dict[str, Any]


@dataclass
class PathsFile:
    path: str
    flow_path: str
    env: str | None
    cases: list[Case] = field(default_factory=list)


@dataclass
class CaseResult:
    case: Case
    result: SimResult
    failures: list[str]

    @property
    def passed(self) -> bool:
        return not self.failures


def is_paths_file(path: str) -> bool:
    return path.endswith(PATHS_SUFFIXES)


def _sibling_flow(paths_path: str) -> str | None:
    stem = next(paths_path[: -len(s)] for s in PATHS_SUFFIXES if paths_path.endswith(s))
    for suffix in (".yaml", ".yml", ".yaml.tftpl", ".yml.tftpl"):
        if os.path.isfile(stem + suffix):
            return stem + suffix
    return None


def _schema_problems(data: Any) -> tuple[list[tuple[int, str]], set[int]]:
    """Schema violations as (line, message), unknown keys at their own line; and the indexes
    of the cases that have one (their values are not checked further)."""
    import jsonschema

    from ivr_ci.config import load_schema

    problems: list[tuple[int, str]] = []
    bad_cases: set[int] = set()
    for err in jsonschema.Draft202012Validator(load_schema("paths.schema.json")).iter_errors(data):
        path = list(err.absolute_path)
        if len(path) >= 2 and path[0] == "cases" and isinstance(path[1], int):
            bad_cases.add(path[1])
        where = "/".join(str(p) for p in path) or "(top level)"
        node, line = _walk(data, path)
        if err.validator == "oneOf" and err.context:  # say what is wrong, not "none matched"
            relevant = [e for e in err.context if e.validator != "type"]  # the branch of its type
            err = relevant[0] if relevant else jsonschema.exceptions.best_match(err.context)
        msg = err.message
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = set(err.schema.get("properties", {}))
            extra = [k for k in err.instance if k not in allowed]
            line = key_line(node, extra[0], line) if extra else line
            msg = f"unknown key {', '.join(map(repr, extra))}"
        problems.append((line, f"{where}: {msg}"))
    return problems, bad_cases


def _walk(data: Any, path: list) -> tuple[Any, int]:
    node, line = data, key_line(data, None, 1)
    for part in path:
        if isinstance(node, dict) and part in node:
            line = key_line(node, part, line)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            line = node.item_pos[part].line if hasattr(node, "item_pos") else line
            node = node[part]
        else:
            break
    return node, line


def load_paths_file(path: str) -> PathsFile:
    data = read_yaml_file(path, "paths file")
    if not isinstance(data, dict):
        raise PathsFileError(path, [(1, "a paths file is a mapping with a 'cases:' list")])
    problems, bad_cases = _schema_problems(data)
    if not isinstance(data.get("cases"), list) or any(p[1].startswith(("flow", "env")) for p in problems):
        raise PathsFileError(path, problems)
    base = os.path.dirname(os.path.abspath(path))
    if "flow" in data:
        flow_path = os.path.join(base, str(data["flow"]))
        if not os.path.isfile(flow_path):
            problems.append((key_line(data, "flow", 1), f"flow: no such file {data['flow']}"))
    else:
        flow_path = _sibling_flow(path) or ""
        if not flow_path:
            problems.append((1, "no flow file beside it with the same name; say which with 'flow:'"))
    result = PathsFile(path, os.path.relpath(flow_path) if flow_path else "", data.get("env"))
    for i, raw in enumerate(data["cases"]):
        if i in bad_cases or not isinstance(raw, dict):
            continue
        line = data["cases"].item_pos[i].line if hasattr(data["cases"], "item_pos") else 1
        case = _case(raw, line, problems)
        if case is not None:
            result.cases.append(case)
    seen: dict[str, int] = {}
    for c in result.cases:
        if c.name in seen:
            problems.append((c.line, f"case name '{c.name}' is already used at line {seen[c.name]}"))
        seen.setdefault(c.name, c.line)
    if problems:
        raise PathsFileError(path, problems)
    return result


def _case(raw: Any, line: int, problems: list[tuple[int, str]]) -> Case | None:
    inp = SimInput()
    before = len(problems)

    def check(key: str, fn: Any) -> Any:
        try:
            return fn(raw[key])
        except ValueError as exc:
            problems.append((key_line(raw, key, line), f"{key}: {exc}"))
            return None

    if "keys" in raw:
        inp.keys = check("keys", parse_keys) or []
    if "at" in raw:
        inp.at = check("at", parse_at)
    inp.variables = dict(raw.get("variables") or {})
    for name in [k for k in inp.variables if not isinstance(k, str)]:  # the schema only checks text names
        problems.append((key_line(raw["variables"], name, line),
                         f"variables: {name!r} is not a variable name like Flow.AccountId"))
    for name, state in (raw.get("schedules") or {}).items():
        try:
            inp.schedules[str(name).lower()] = check_schedule_state(state)
        except ValueError as exc:
            problems.append((key_line(raw["schedules"], name, line), f"schedules: {exc}"))
    for key, value in (raw.get("dataActions") or {}).items():
        try:
            inp.stubs[str(key).lower()] = parse_stub(value)
        except ValueError as exc:
            problems.append((key_line(raw["dataActions"], key, line), f"dataActions: {exc}"))
    expect = raw["expect"]
    targets = [k for k in TARGET_KEYS if k in expect]
    if len(targets) > 1:
        problems.append((key_line(raw, "expect", line), f"expect: give one target, not {' and '.join(targets)}"))
    if targets and expect.get("outcome") not in (None, "transfer", "voicemail"):
        problems.append((key_line(raw, "expect", line),
                         f"expect: a {targets[0]} goes with outcome transfer or voicemail"))
    if len(problems) > before:
        return None
    return Case(str(raw["name"]), line, inp, dict(expect))


def check_expectation(expect: dict[str, Any], result: SimResult) -> list[str]:
    """Why the result does not meet `expect` (empty: it does)."""
    failures: list[str] = []
    got = result.outcome
    targets = [k for k in TARGET_KEYS if k in expect]
    want_kind = expect.get("outcome") or ("transfer" if targets else None)
    if want_kind and got.kind != want_kind:
        wanted = want_kind + (f" to {targets[0]} \"{expect[targets[0]]}\"" if targets else "")
        failures.append(f"expected {wanted}, got {got.describe()}")
    elif targets:
        ttype, name = targets[0], str(expect[targets[0]])
        if got.target_type != ttype or (got.target or "") != name:
            failures.append(f"expected {got.kind} to {ttype} \"{name}\", got {got.describe()}")
    said = got.reason or got.detail or ""
    if "reason" in expect and str(expect["reason"]).lower() not in said.lower():
        failures.append(f"expected a reason/detail containing \"{expect['reason']}\", got: {said or 'none'}")
    failures.extend(_check_prompts(expect.get("prompts") or [], result.heard))
    return failures


def _check_prompts(wanted: list[str], heard: list[str]) -> list[str]:
    """Each wanted text must be heard, in order (later in the same prompt or in a later one)."""
    index, offset = 0, 0
    for text in wanted:
        needle = str(text).lower()
        found = False
        while index < len(heard):
            pos = heard[index].lower().find(needle, offset)
            if pos >= 0:
                offset = pos + len(needle)
                found = True
                break
            index, offset = index + 1, 0
        if not found:
            where = "heard at all" if not any(needle in h.lower() for h in heard) else "heard in that order"
            return [f"prompt \"{text}\" was not {where}; heard: "
                    + (" | ".join(f"\"{h}\"" for h in heard) or "nothing")]
    return []


def run_paths_file(paths: PathsFile, config: Config | None = None,
                   env: str | None = None) -> tuple[FlowDocument, list[CaseResult]]:
    """Simulate every case; the flow document comes back too (coverage needs its menus)."""
    from ivr_ci.simulate import load_for_simulation

    env = env or paths.env
    doc = load_for_simulation(paths.flow_path, config if config is not None else _empty_config(), env)
    out = []
    for case in paths.cases:
        result = simulate(doc, case.inp, env=env)
        out.append(CaseResult(case, result, check_expectation(case.expect, result)))
    return doc, out


def _empty_config() -> Config:
    from ivr_ci.config import Config

    return Config()
