"""Fuzz campaign: mutated flows, configs, options files, overlays and paths files through every
offline command, in-process and as real subprocesses.

A case fails when a command exits 3 or more (an internal error, or killed by a signal), prints
a traceback, runs past its time limit, or uses more memory than allowed. Cases are generated
from `(seed, index)`, so any failure is reproduced with `python bench/bench_fuzz.py --seed S
--only INDEX`; failing inputs are kept under `--keep DIR`.

Seeds: this repository's own fixtures (tests/fixtures, tests/fuzz/seeds) and, read at run
time when present, the real flows of ../shared/corpus (or $IVR_CI_CORPUS), never copied here.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fuzz.mutate import mutate

REPO = Path(__file__).resolve().parents[2]
SEEDS = Path(__file__).resolve().parent / "seeds"
COMMANDS = ("lint-menu", "validate-flow", "simulate", "test", "diff", "promote", "rules")
KEYS = ("1", "-,1", "2,1", "*,9", "say:sales", "1234#", "", "-", "0,0,0,0,0,0", "2,*,1", "9" * 200)


def corpus_flows() -> list[Path]:
    base = Path(os.environ.get("IVR_CI_CORPUS") or REPO.parent / "shared" / "corpus")
    archy = base / "archy" if (base / "archy").is_dir() else base
    return sorted(p for p in archy.glob("*") if p.suffix in (".yaml", ".yml") and p.is_file()) if archy.is_dir() else []


def own_flows() -> list[Path]:
    fixtures = REPO / "tests" / "fixtures"
    return sorted(p for d in ("simulate", "diff") for p in (fixtures / d).glob("*.yaml") if ".paths." not in p.name)


@dataclass
class Seeds:
    flows: list[tuple[str, str]]  # (name, text)
    paths: list[str]
    config: str
    options: str
    overlay: str

    @classmethod
    def load(cls, use_corpus: bool = True) -> Seeds:
        files = own_flows() + (corpus_flows() if use_corpus else [])
        flows = [(p.name, p.read_text(encoding="utf-8", errors="surrogateescape")) for p in files]
        paths = [p.read_text(encoding="utf-8") for p in sorted((REPO / "tests" / "fixtures").glob("*/*.paths.yaml"))]
        paths.append((SEEDS / "generic.paths.yaml").read_text(encoding="utf-8"))
        return cls(flows, paths, (SEEDS / "ivr-ci.yaml").read_text(encoding="utf-8"),
                   (SEEDS / "fz.options.yaml").read_text(encoding="utf-8"),
                   (SEEDS / "overlay.yaml").read_text(encoding="utf-8"))


@dataclass
class Case:
    index: int
    command: str
    target: str  # which input was mutated
    seed_flow: str
    files: dict[str, str]  # relative path -> text
    argv: list[str]


def make_case(seeds: Seeds, seed: int, index: int) -> Case:
    rng = random.Random(f"{seed}:{index}")
    name, flow = rng.choice(seeds.flows)
    files = {"flows/flow.yaml": flow, "original.yaml": flow, ".ivr-ci.yaml": seeds.config,
             "fz.options.yaml": seeds.options, "overlay.yaml": seeds.overlay,
             "flows/flow.paths.yaml": rng.choice(seeds.paths)}
    target = rng.choices(("flows/flow.yaml", ".ivr-ci.yaml", "flows/flow.paths.yaml", "fz.options.yaml",
                          "overlay.yaml"), weights=(50, 20, 15, 5, 10))[0]
    files[target] = mutate(rng, files[target])
    command = rng.choices(COMMANDS, weights=(25, 25, 15, 15, 10, 9, 1))[0]
    env = ["--env", "fz"] if rng.random() < 0.5 else []
    config = ["--config", "{dir}/.ivr-ci.yaml"]
    flow_path = "{dir}/flows/flow.yaml"
    if command in ("lint-menu", "validate-flow"):
        fmt = rng.choice(("text", "json", "sarif", "github", "markdown"))
        argv = [command, flow_path if rng.random() < 0.8 else "{dir}/flows", "--format", fmt, *config]
    elif command == "simulate":
        argv = [command, flow_path, "--keys", rng.choice(KEYS), "--format", rng.choice(("text", "json")),
                *env, *config]
        if rng.random() < 0.3:
            argv += ["--at", rng.choice(("2026-11-23T10:00", "2026-02-29T00:00", "9999-12-31T23:59"))]
    elif command == "test":
        argv = [command, "{dir}/flows/flow.paths.yaml", "--format", rng.choice(("text", "json")), *env, *config]
    elif command == "diff":
        argv = [command, "{dir}/original.yaml", flow_path,
                "--format", rng.choice(("text", "json", "markdown")), *config]
    elif command == "promote":
        argv = [command, "--plan", "--env", "fz", "--api-base", "http://127.0.0.1:1", "--menu-overlay",
                "{dir}/overlay.yaml", "{dir}/flows", *config]
    else:
        argv = ["rules", "--format", rng.choice(("text", "json", "markdown"))] if rng.random() < 0.5 else ["rules"]
    return Case(index, command, target, name, files, argv)


def write_case(case: Case, root: Path) -> list[str]:
    for rel, text in case.files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8", errors="surrogateescape"))
    return [a.replace("{dir}", str(root)) for a in case.argv]


class CaseTimeout(BaseException):
    """Raised by the alarm: a BaseException, so the CLI's catch-all cannot turn it into exit 3."""


def _alarm(signum: int, frame: Any) -> None:
    raise CaseTimeout


@dataclass
class Outcome:
    code: int | None
    seconds: float
    stderr: str
    rss_mb: float = 0.0
    timeout: bool = False

    def problem(self, memory_mb: float) -> str | None:
        if self.timeout:
            return "timeout"
        if self.code is None or self.code >= 3 or self.code < 0:
            return f"exit {self.code}"
        if "Traceback (most recent call last)" in self.stderr:
            return "traceback"
        if self.rss_mb > memory_mb:
            return f"memory {self.rss_mb:.0f} MB"
        return None


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_inprocess(argv: list[str], timeout: float) -> Outcome:
    from ivr_ci.cli import main

    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    start = time.perf_counter()
    code: int | None = None
    timed_out = False
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    except CaseTimeout:
        timed_out = True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return Outcome(code, time.perf_counter() - start, err.getvalue(), _rss_mb(), timed_out)


# Runs ivr-ci as its own child and reports that child's exit status and peak RSS. A process
# forked from the (large) pytest process starts with the parent's peak RSS, and exec keeps it, so
# measuring the direct child would measure pytest; the launcher is small when it forks ivr-ci.
_LAUNCHER = """\
import os, resource, sys
limit, report = int(sys.argv[1]), sys.argv[2]
pid = os.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.execv(sys.executable, [sys.executable, "-m", "ivr_ci", *sys.argv[3:]])
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as fh:
    fh.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def run_subprocess(argv: list[str], timeout: float, memory_mb: float) -> Outcome:
    """A real `python -m ivr_ci` with an address-space limit well above `memory_mb` (a runaway
    is stopped, and its peak RSS still reported) and its own peak RSS from wait4."""
    limit = int(max(memory_mb * 4, 1024) * 2**20)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", _LAUNCHER, str(limit), rss.name, *argv],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env,
                                start_new_session=True)
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)  # the launcher and ivr-ci under it
            proc.wait()
            timed_out = True
        code = proc.returncode
        if code is not None and code > 128:
            code = -(code - 128)  # the launcher passes a signal on as 128 + signal number
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
        peak = rss.read().strip()
    return Outcome(code, time.perf_counter() - start, text, int(peak) / 1024.0 if peak else 0.0, timed_out)


@dataclass
class Report:
    cases: int = 0
    subprocess_cases: int = 0
    internal_errors: int = 0
    timeouts: int = 0
    memory_failures: int = 0
    seconds: float = 0.0
    slowest: float = 0.0
    slowest_case: int = -1
    max_rss_inprocess_mb: float = 0.0
    max_rss_subprocess_mb: float = 0.0
    exits: Counter = field(default_factory=Counter)
    by_command: Counter = field(default_factory=Counter)
    by_target: Counter = field(default_factory=Counter)
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_json(self) -> dict[str, Any]:
        return {"cases": self.cases, "subprocessCases": self.subprocess_cases,
                "internalErrors": self.internal_errors, "timeouts": self.timeouts,
                "memoryFailures": self.memory_failures, "seconds": round(self.seconds, 1),
                "slowestCaseSeconds": round(self.slowest, 2), "slowestCase": self.slowest_case,
                "maxRssInProcessMB": round(self.max_rss_inprocess_mb), "maxRssSubprocessMB": round(self.max_rss_subprocess_mb),
                "exits": dict(sorted(self.exits.items(), key=lambda kv: str(kv[0]))),
                "byCommand": dict(self.by_command), "byTarget": dict(self.by_target), "failures": self.failures[:20]}


def campaign(*, cases: int, seed: int = 12, subprocess_every: int = 25, timeout: float = 20.0,
             memory_mb: float = 400.0, time_budget: float | None = None, use_corpus: bool = True,
             keep: Path | None = None, only: int | None = None, progress: bool = False) -> Report:
    """Run `cases` cases (or until `time_budget` seconds have passed); every `subprocess_every`-th
    runs as a real subprocess with its own memory figure, the rest in-process."""
    seeds = Seeds.load(use_corpus)
    report = Report()
    start = time.perf_counter()
    env_before = {k: os.environ.get(k) for k in ("FZ_ID", "FZ_SECRET", "GITHUB_ACTIONS", "IVR_CI_CONFIG")}
    os.environ.update({"FZ_ID": "fuzz-client", "FZ_SECRET": "fuzz-secret"})
    os.environ.pop("GITHUB_ACTIONS", None)
    os.environ.pop("IVR_CI_CONFIG", None)
    base_rss = _rss_mb()
    work = Path(tempfile.mkdtemp(prefix="ivr-ci-fuzz-"))
    try:
        indices = [only] if only is not None else range(cases)
        for index in indices:
            if time_budget is not None and time.perf_counter() - start > time_budget:
                break
            case = make_case(seeds, seed, index)
            root = work / f"c{index}"
            argv = write_case(case, root)
            as_subprocess = subprocess_every > 0 and index % subprocess_every == 0
            if as_subprocess:
                outcome = run_subprocess(argv, timeout, memory_mb)
                report.subprocess_cases += 1
                report.max_rss_subprocess_mb = max(report.max_rss_subprocess_mb, outcome.rss_mb)
            else:
                outcome = run_inprocess(argv, timeout)
                # in-process: the growth of this process's peak since the campaign began
                outcome.rss_mb = max(0.0, outcome.rss_mb - base_rss)
                report.max_rss_inprocess_mb = max(report.max_rss_inprocess_mb, outcome.rss_mb)
            report.cases += 1
            report.exits["timeout" if outcome.timeout else outcome.code] += 1
            report.by_command[case.command] += 1
            report.by_target[case.target] += 1
            if outcome.seconds > report.slowest:
                report.slowest, report.slowest_case = outcome.seconds, index
            problem = outcome.problem(memory_mb)
            if problem:
                report.internal_errors += problem.startswith(("exit", "traceback"))
                report.timeouts += problem == "timeout"
                report.memory_failures += problem.startswith("memory")
                report.failures.append({"case": index, "problem": problem, "command": case.command,
                                        "mutated": case.target, "seedFlow": case.seed_flow,
                                        "argv": case.argv, "subprocess": as_subprocess,
                                        "stderr": outcome.stderr[-1500:]})
                if keep is not None:
                    dest = keep / f"case-{seed}-{index}"
                    shutil.rmtree(dest, ignore_errors=True)
                    shutil.copytree(root, dest)
                    (dest / "case.json").write_text(json.dumps(report.failures[-1], indent=2))
            shutil.rmtree(root, ignore_errors=True)
            if progress and report.cases % 500 == 0:
                print(f"fuzz: {report.cases} cases, {len(report.failures)} failures, "
                      f"{time.perf_counter() - start:.0f}s", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for k, v in env_before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    report.seconds = time.perf_counter() - start
    return report
