"""Run a composite `action.yml` offline, in plain pytest, the way the Actions runner would.

    result = run_action("lint-menu", inputs={"paths": "flows/"}, workspace=tmp_path,
                        github_api_url=fake_github.base_url)
    assert result.returncode == 0 and result.outputs["findings"] == "0"

What it does:
1. `lint_action`: `runs.using: composite`; every `run:` step has `shell: bash` and contains no
   `${{` (inputs reach scripts only through `env:`); every `${{ inputs.X }}` is declared. A
   violation raises `HarnessError` before anything runs.
2. Runs the steps in order. `uses:` steps are stubbed: `actions/setup-python@…` sets the outputs
   `python-path` (= `sys.executable`) and `python-version`; `./x` and `$/x` local composite
   actions are run recursively (`$/` = the action's repository root, by default the parent of the
   action directory); anything else is a no-op unless `stubs={"owner/name": fn(with) -> outputs}`.
3. Each step's `env:`, `with:` and `if:` are evaluated (tests/action_expr.py): contexts `inputs`
   (test inputs + declared defaults), `github` (action_path, token, workspace, event, event_name,
   event_path, repository, api_url, server_url, sha, ref, run_id), `runner` (temp, os, arch),
   `steps.<id>.outputs.<n>` / `.outcome` / `.conclusion`, `env`; functions success(), failure(),
   always(), contains(), startsWith(), …
4. `run:` steps execute as `bash --noprofile --norc -eo pipefail <script>` (the runner's bash)
   with fresh files for GITHUB_OUTPUT and GITHUB_STEP_SUMMARY per step, and shared GITHUB_ENV,
   GITHUB_PATH, plus GITHUB_ACTION_PATH, RUNNER_TEMP, GITHUB_EVENT_PATH (the fixture event,
   default: a pull_request event for PR #7 of acme/ivr), GITHUB_WORKSPACE (cwd),
   GITHUB_API_URL (the fake's URL; default an unroutable loopback port, never api.github.com),
   GITHUB_TOKEN is NOT exported (map `${{ github.token }}` into `env:`), GITHUB_ACTIONS=true.
   Host GITHUB_*/RUNNER_*/INPUT_* variables are removed first.
5. Parses every step's GITHUB_OUTPUT (`k=v` and `k<<DELIM` forms), evaluates the action's
   `outputs.*.value`, and returns an `ActionResult`.

CONTRACT for our action.yml files (the "install" short-circuit): the harness exports
`IVR_CI_ACTION_TEST_PYTHON=<sys.executable>` to every step, with this checkout's source root
prepended to PYTHONPATH so that interpreter can import `ivr_ci` even when not pip-installed. The step that creates the venv and pip-installs
`$GITHUB_ACTION_PATH/..` MUST, when that variable is non-empty, skip installing and use it
instead, e.g.::

    - id: install
      shell: bash
      env:
        SETUP_PYTHON: ${{ steps.python.outputs.python-path }}
      run: |
        if [ -n "${IVR_CI_ACTION_TEST_PYTHON:-}" ]; then
          echo "python=$IVR_CI_ACTION_TEST_PYTHON" >> "$GITHUB_OUTPUT"; exit 0
        fi
        "$SETUP_PYTHON" -m venv "$RUNNER_TEMP/ivr-ci"
        "$RUNNER_TEMP/ivr-ci/bin/python" -m pip install --quiet "$GITHUB_ACTION_PATH/.."
        echo "python=$RUNNER_TEMP/ivr-ci/bin/python" >> "$GITHUB_OUTPUT"

and later steps run `"$IVR_PY" -m ivr_ci <command>` with `IVR_PY: ${{ steps.install.outputs.python }}`.
Pass `use_current_python=False` to exercise the real install path.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

import ivr_ci
from tests.action_expr import Evaluator, evaluate_if, interpolate, to_str

_SOURCE_ROOT = Path(ivr_ci.__file__).resolve().parent.parent
Stub = Callable[[Mapping[str, str]], Mapping[str, str]]
_ANNOTATION = re.compile(r"^::(error|warning|notice)(?: [^:]*)?::", re.M)


class HarnessError(AssertionError):
    """The action breaks our conventions or uses something the harness does not support."""


@dataclass
class StepRecord:
    id: str | None
    name: str
    ran: bool
    outcome: str  # success | failure | skipped
    returncode: int = 0
    outputs: dict[str, str] = field(default_factory=dict)


@dataclass
class ActionResult:
    outputs: dict[str, str]
    summary: str
    stdout: str
    stderr: str
    returncode: int
    steps: list[StepRecord]
    env: dict[str, str]  # what the steps exported via GITHUB_ENV

    def annotations(self, level: str | None = None) -> list[str]:
        lines = [ln for ln in self.stdout.splitlines() if _ANNOTATION.match(ln)]
        return [ln for ln in lines if level is None or ln.startswith(f"::{level}")]

    def step(self, step_id: str) -> StepRecord:
        return next(s for s in self.steps if s.id == step_id)


def parse_file_command(text: str) -> dict[str, str]:
    """Parse GITHUB_OUTPUT / GITHUB_ENV content: `k=v` lines and `k<<DELIM` … `DELIM` blocks."""
    out: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r")
        heredoc = re.fullmatch(r"([^=<]+)<<(.+)", line)
        if heredoc:
            name, delim = heredoc.groups()
            try:
                end = next(j for j in range(i + 1, len(lines)) if lines[j].rstrip("\r") == delim)
            except StopIteration:
                raise HarnessError(f"unterminated heredoc for {name!r} (delimiter {delim!r})") from None
            out[name] = "\n".join(lines[i + 1:end])
            i = end + 1
            continue
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
        elif line.strip():
            raise HarnessError(f"malformed file-command line {line!r}")
        i += 1
    return out


def load_action(path: str | Path) -> tuple[dict[str, Any], Path]:
    """(parsed action.yml, action directory) from a directory or an action.yml/yaml path."""
    p = Path(path)
    if p.is_dir():
        p = p / "action.yml" if (p / "action.yml").exists() else p / "action.yaml"
    with open(p, encoding="utf-8") as fh:
        action = yaml.safe_load(fh)
    if not isinstance(action, dict):
        raise HarnessError(f"{p}: not a mapping")
    return action, p.parent


def lint_action(action: Mapping[str, Any]) -> list[str]:
    """Our composite-action rules; [] when the action follows them."""
    problems: list[str] = []
    runs = action.get("runs") or {}
    if runs.get("using") != "composite":
        problems.append("runs.using must be 'composite'")
    declared = set((action.get("inputs") or {}).keys())
    for n, step in enumerate(runs.get("steps") or [], 1):
        label = f"step {n} ({step.get('id') or step.get('name') or step.get('uses') or 'run'})"
        if ("run" in step) == ("uses" in step):
            problems.append(f"{label}: needs exactly one of run/uses")
        if "run" in step:
            if step.get("shell") != "bash":
                problems.append(f"{label}: run step needs `shell: bash`")
            if "${{" in str(step["run"]):
                problems.append(f"{label}: `${{{{` inside run: (map it through env:)")
        problems += [f"{label}: {p}" for p in _undeclared_inputs(step, declared)]
    problems += [f"outputs: {p}" for p in _undeclared_inputs(action.get("outputs") or {}, declared)]
    return problems


def _undeclared_inputs(node: Any, declared: set[str]) -> list[str]:
    text = yaml.safe_dump(node, width=10**9)
    used = {u for expr in re.findall(r"\$\{\{(.*?)\}\}", text, re.S)
            for u in re.findall(r"\binputs\.([A-Za-z_][\w-]*)", expr)}
    return [f"undeclared input {u!r}" for u in sorted(used - declared)]


class _Run:
    def __init__(self, action_dir: Path, repo_root: Path, base_env: dict[str, str], github: dict[str, Any],
                 stubs: Mapping[str, Stub], timeout: float, runner_os: str = "Linux") -> None:
        self.action_dir, self.repo_root, self.base_env = action_dir, repo_root, base_env
        self.runner_os = runner_os
        self.github, self.stubs, self.timeout = github, stubs, timeout
        self.exported: dict[str, str] = {}
        self.paths: list[str] = []
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.summary: list[str] = []

    def run(self, action: Mapping[str, Any], action_dir: Path, inputs: Mapping[str, str]) -> tuple[int, dict[str, str], list[StepRecord]]:
        problems = lint_action(action)
        if problems:
            raise HarnessError(f"{action_dir}: " + "; ".join(problems))
        declared = action.get("inputs") or {}
        unknown = set(inputs) - set(declared)
        if unknown:
            raise HarnessError(f"inputs not declared by the action: {sorted(unknown)}")
        github = dict(self.github, action_path=str(action_dir))
        runner = {"temp": self.base_env["RUNNER_TEMP"], "os": self.runner_os, "arch": "X64"}
        defaults_ev = Evaluator({"github": github, "runner": runner})  # defaults may use ${{ github.token }}
        values = {k: interpolate(to_str(v.get("default", "")), defaults_ev)
                  for k, v in declared.items() if isinstance(v, dict)}
        values.update({k: to_str(v) for k, v in inputs.items()})
        step_ids = {s.get("id") for s in action["runs"]["steps"] if s.get("id")}
        steps_ctx: dict[str, Any] = {}
        status, code, records = "success", 0, []

        def steps_lookup(step_id: str) -> Any:
            if step_id not in step_ids:
                raise HarnessError(f"expression refers to unknown step id {step_id!r}")
            return steps_ctx.get(step_id)

        ctx = {"inputs": values, "github": github, "runner": runner, "steps": steps_lookup, "env": self._env_view}
        for n, step in enumerate(action["runs"]["steps"], 1):
            ev = Evaluator(ctx, status)
            name = step.get("name") or step.get("id") or f"step {n}"
            if not evaluate_if(step.get("if"), ev):
                records.append(StepRecord(step.get("id"), name, False, "skipped"))
                if step.get("id"):
                    steps_ctx[step["id"]] = {"outputs": {}, "outcome": "skipped", "conclusion": "skipped"}
                continue
            env = {k: interpolate(to_str(v), ev) for k, v in (step.get("env") or {}).items()}
            if "uses" in step:
                with_ = {k: interpolate(to_str(v), ev) for k, v in (step.get("with") or {}).items()}
                rc, outputs = self._uses(step["uses"], with_)
            else:
                rc, outputs = self._bash(str(step["run"]), env, action_dir, step.get("working-directory"))
            outcome = "success" if rc == 0 else "failure"
            conclusion = "success" if step.get("continue-on-error") in (True, "true") else outcome
            records.append(StepRecord(step.get("id"), name, True, outcome, rc, outputs))
            if step.get("id"):
                steps_ctx[step["id"]] = {"outputs": outputs, "outcome": outcome, "conclusion": conclusion}
            if conclusion == "failure" and status == "success":
                status, code = "failure", rc
        final = Evaluator(ctx, status)
        outputs = {k: interpolate(to_str((v or {}).get("value", "")), final)
                   for k, v in (action.get("outputs") or {}).items()}
        return code, outputs, records

    def _env_view(self, key: str) -> str | None:
        return self.exported.get(key, self.base_env.get(key))

    def _uses(self, uses: str, with_: Mapping[str, str]) -> tuple[int, dict[str, str]]:
        name = uses.split("@", 1)[0]
        if name in self.stubs:
            return 0, {k: to_str(v) for k, v in self.stubs[name](with_).items()}
        if name == "actions/setup-python":
            return 0, {"python-path": sys.executable, "python-version": platform.python_version()}
        if name.startswith(("./", "$/")):
            root = Path(self.base_env["GITHUB_WORKSPACE"]) if name.startswith("./") else self.repo_root
            sub, sub_dir = load_action(root / name[2:])
            code, outputs, _ = self.run(sub, sub_dir, with_)
            return code, outputs
        return 0, {}

    def _bash(self, script: str, step_env: Mapping[str, str], action_dir: Path,
              workdir: str | None) -> tuple[int, dict[str, str]]:
        tmp = Path(self.base_env["RUNNER_TEMP"])
        fd, script_path = tempfile.mkstemp(suffix=".sh", dir=tmp)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(script)
        out_file, sum_file = tmp / "_step_output", tmp / "_step_summary"
        out_file.write_text("")
        sum_file.write_text("")
        env = dict(self.base_env)
        env.update(self.exported)
        env["PATH"] = os.pathsep.join([*reversed(self.paths), env.get("PATH", "")])
        env.update(step_env)
        env.update({"GITHUB_OUTPUT": str(out_file), "GITHUB_STEP_SUMMARY": str(sum_file),
                    "GITHUB_ACTION_PATH": str(action_dir)})
        cwd = Path(env["GITHUB_WORKSPACE"]) / (workdir or "")
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", script_path],
            env=env, cwd=cwd, capture_output=True, text=True, timeout=self.timeout,
        )
        self.stdout.append(proc.stdout)
        self.stderr.append(proc.stderr)
        self.summary.append(sum_file.read_text(encoding="utf-8"))
        self.exported.update(parse_file_command(Path(env["GITHUB_ENV"]).read_text(encoding="utf-8")))
        self.paths = [p for p in Path(env["GITHUB_PATH"]).read_text(encoding="utf-8").splitlines() if p]
        return proc.returncode, parse_file_command(out_file.read_text(encoding="utf-8"))


def default_pr_event(repo: str = "acme/ivr", number: int = 7) -> dict[str, Any]:
    owner, name = repo.split("/")
    return {"action": "synchronize", "number": number,
            "pull_request": {"number": number, "head": {"ref": "feature", "sha": "a" * 40},
                             "base": {"ref": "main", "sha": "b" * 40}},
            "repository": {"full_name": repo, "name": name, "owner": {"login": owner}}}


def run_action(
    action_path: str | Path,
    inputs: Mapping[str, Any] | None = None,
    *,
    workspace: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    event: Mapping[str, Any] | None = None,
    event_name: str = "pull_request",
    github_api_url: str | None = None,
    token: str = "ghs_harnessToken",
    repo_root: str | Path | None = None,
    stubs: Mapping[str, Stub] | None = None,
    use_current_python: bool = True,
    timeout: float = 300.0,
    runner_os: str = "Linux",
    post: list[Callable[[], None]] | None = None,
) -> ActionResult:
    """Run a composite action (directory or action.yml); see the module docstring.

    `runner_os` sets RUNNER_OS and `runner.os` (Linux, macOS, Windows). `post` is a list that stubs
    may append callables to: they run after the last step, before RUNNER_TEMP is removed, as the
    runner runs the `post:` of used actions (actions/cache saves the cache there).
    """
    action, action_dir = load_action(action_path)
    event = default_pr_event() if event is None else event
    with tempfile.TemporaryDirectory(prefix="ivr-action-") as tmpdir:
        tmp = Path(tmpdir)
        ws = Path(workspace) if workspace is not None else tmp / "workspace"
        ws.mkdir(parents=True, exist_ok=True)
        runner_temp = tmp / "runner_temp"
        runner_temp.mkdir()
        (tmp / "event.json").write_text(json.dumps(event), encoding="utf-8")
        for name in ("env", "path"):
            (tmp / f"github_{name}").write_text("")
        repo = (event.get("repository") or {}).get("full_name", "acme/ivr")
        api = github_api_url or "http://127.0.0.1:9"
        base = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_", "INPUT_"))}
        base.update({
            "GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_WORKSPACE": str(ws), "RUNNER_TEMP": str(runner_temp),
            "GITHUB_EVENT_PATH": str(tmp / "event.json"), "GITHUB_EVENT_NAME": event_name,
            "GITHUB_API_URL": api, "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": repo,
            "GITHUB_ENV": str(tmp / "github_env"), "GITHUB_PATH": str(tmp / "github_path"),
            "GITHUB_RUN_ID": "1", "GITHUB_SHA": "a" * 40, "GITHUB_REF": "refs/pull/7/merge",
            "RUNNER_OS": runner_os, "RUNNER_ARCH": "X64",
        })
        if use_current_python:
            base["IVR_CI_ACTION_TEST_PYTHON"] = sys.executable
            # make this checkout's ivr_ci importable even when it is not pip-installed
            base["PYTHONPATH"] = os.pathsep.join(p for p in (str(_SOURCE_ROOT), base.get("PYTHONPATH")) if p)
        base.update(env or {})
        github = {"token": token, "workspace": str(ws), "event": event, "event_name": event_name,
                  "event_path": base["GITHUB_EVENT_PATH"], "repository": repo, "api_url": api,
                  "server_url": "https://github.com", "sha": "a" * 40, "ref": base["GITHUB_REF"], "run_id": "1"}
        runner = _Run(action_dir, Path(repo_root) if repo_root else action_dir.parent, base, github,
                      stubs or {}, timeout, runner_os)
        code, outputs, records = runner.run(action, action_dir, inputs or {})
        for hook in post or []:
            hook()
        return ActionResult(outputs, "".join(runner.summary), "".join(runner.stdout), "".join(runner.stderr),
                            code, records, dict(runner.exported))
