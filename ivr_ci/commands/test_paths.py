"""`ivr-ci test [PATH...] [--coverage] [--min-coverage N]`: run `*.paths.yaml` path assertions.

Exit codes: 0 every case passes (and coverage is at least --min-coverage); 1 a case fails or
coverage is below the minimum; 2 usage or an invalid paths file (every problem with file:line).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from ivr_ci.config import load_config
from ivr_ci.errors import ConfigError, UsageError
from ivr_ci.flow import expand_paths, load_flow_file, sibling_paths_file
from ivr_ci.simulate.assertions import (
    CaseResult,
    PathsFile,
    PathsFileError,
    is_paths_file,
    load_paths_file,
    run_paths_file,
)
from ivr_ci.simulate.coverage import Coverage
from ivr_ci.util.files import write_atomic


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", help="*.paths.yaml files, flow files (their sibling paths "
                        "file) or directories (default: `flows:` in .ivr-ci.yaml, else the current directory)")
    parser.add_argument("--coverage", action="store_true",
                        help="report menus and menu choices that no case reaches")
    parser.add_argument("--min-coverage", type=float, metavar="N",
                        help="fail (exit 1) when under N%% of menus and choices are reached (implies --coverage)")
    parser.add_argument("--env", help="substitute {{key}} placeholders with this environment of .ivr-ci.yaml")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--config", help="path to .ivr-ci.yaml (default: found upward from the cwd)")
    parser.add_argument("--output", "-o", help="write the report to this file instead of stdout")


def discover(paths: list[str]) -> tuple[list[str], list[str]]:
    """(paths files, flow files) named by PATHs; directories are walked for both."""
    paths_files: list[str] = []
    flows: list[str] = []
    for p in paths:
        if not os.path.exists(p):
            raise UsageError(f"no such file or directory: {p}")
        if os.path.isdir(p):
            for dirpath, dirnames, filenames in os.walk(p):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                paths_files += [os.path.join(dirpath, n) for n in sorted(filenames) if is_paths_file(n)]
            flows += expand_paths([p])
        elif is_paths_file(p):
            paths_files.append(p)
        else:
            flows.append(p)
            sibling = sibling_paths_file(p)
            if sibling is None and len(paths) == 1:
                raise UsageError(f"{p}: no paths file beside it (expected {os.path.splitext(p)[0]}.paths.yaml)")
            if sibling:
                paths_files.append(sibling)
    return list(dict.fromkeys(paths_files)), list(dict.fromkeys(flows))


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.env:
        config.environment(args.env)  # unknown environment: a config error before any output
    targets = list(args.paths) or [config.resolve(p) for p in config.data.get("flows", [])] or ["."]
    paths_files, flow_files = discover(targets)
    loaded: list[PathsFile] = []
    problems: list[str] = []
    for path in paths_files:
        try:
            loaded.append(load_paths_file(path))
        except PathsFileError as exc:
            problems += [f"{exc.path}:{line}: {msg}" for line, msg in exc.problems]
        except ConfigError as exc:
            problems.append(str(exc))
    if problems:
        raise ConfigError("invalid paths file(s):\n  " + "\n  ".join(problems))
    if not loaded:
        raise UsageError(f"no *.paths.yaml files in {', '.join(targets)}")
    want_coverage = args.coverage or args.min_coverage is not None
    coverage = Coverage()
    runs: list[tuple[PathsFile, list[CaseResult]]] = []
    for pf in loaded:
        doc, results = run_paths_file(pf, config, args.env)
        runs.append((pf, results))
        if doc.flow is not None:
            cov = coverage.flow(_key(pf.flow_path), doc.flow)
            for r in results:
                cov.add(r.result)
    if want_coverage:  # flows in the given directories that no paths file tests count as unreached
        for path in flow_files:
            doc = load_flow_file(path)
            if doc.flow is not None and doc.flow.menus:
                coverage.flow(_key(path), doc.flow)
    failed = sum(1 for _, rs in runs for r in rs if not r.passed)
    below = args.min_coverage is not None and coverage.percent < args.min_coverage
    text = _render_json(runs, coverage if want_coverage else None, args.min_coverage) \
        if args.format == "json" else _render_text(runs, coverage if want_coverage else None, args.min_coverage)
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return 1 if failed or below else 0


def _key(path: str) -> str:
    return os.path.relpath(os.path.abspath(path))


def _render_text(runs: list[tuple[PathsFile, list[CaseResult]]], coverage: Coverage | None,
                 minimum: float | None) -> str:
    out: list[str] = []
    total = passed = 0
    for pf, results in runs:
        out.append(f"{pf.path} (flow {pf.flow_path})")
        for r in results:
            total += 1
            passed += r.passed
            out.append(f"  {'ok  ' if r.passed else 'FAIL'}  {r.case.name}  [{pf.path}:{r.case.line}]")
            if not r.passed:
                out += [f"        {f}" for f in r.failures]
                out.append(r.result.render_text(indent="        ").rstrip("\n"))
    out.append(f"{total} case{'s' if total != 1 else ''}: {passed} passed, {total - passed} failed")
    text = "\n".join(out) + "\n"
    if coverage is not None:
        text += coverage.render_text()
        if minimum is not None and coverage.percent < minimum:
            text += f"coverage {coverage.percent:.1f}% is below the minimum of {minimum:g}%\n"
    return text


def _render_json(runs: list[tuple[PathsFile, list[CaseResult]]], coverage: Coverage | None,
                 minimum: float | None) -> str:
    files: list[dict[str, Any]] = [{
        "path": pf.path, "flow": pf.flow_path,
        "cases": [{"name": r.case.name, "line": r.case.line, "passed": r.passed, "failures": r.failures,
                   "trace": r.result.to_json()} for r in results],
    } for pf, results in runs]
    cases = [c for f in files for c in f["cases"]]
    doc: dict[str, Any] = {"version": 1, "files": files,
                 "summary": {"cases": len(cases), "passed": sum(c["passed"] for c in cases),
                             "failed": sum(not c["passed"] for c in cases)}}
    if coverage is not None:
        doc["coverage"] = {**coverage.to_json(), "minimum": minimum}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
