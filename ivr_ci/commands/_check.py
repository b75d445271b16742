"""Shared body of the offline checking commands (lint-menu, validate-flow)."""

from __future__ import annotations

import argparse
import os
import sys

from ivr_ci.config import Config, load_config
from ivr_ci.errors import UsageError
from ivr_ci.findings import Finding, has_errors
from ivr_ci.flow import FLOW_SUFFIXES, FlowDocument, expand_paths, load_flow_file
from ivr_ci.report import FORMATS, render
from ivr_ci.util.files import write_atomic


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", help="flow files or directories (default: `flows:` in "
                        ".ivr-ci.yaml, else the current directory)")
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="output format (default: text; github inside GitHub Actions)")
    parser.add_argument("--config", help="path to .ivr-ci.yaml (default: found upward from the cwd)")
    parser.add_argument("--output", "-o", help="write the report to this file instead of stdout")
    parser.add_argument("--sarif-file", help="also write a SARIF 2.1.0 report to this file")
    parser.add_argument("--summary", action="store_true",
                        help="also append a Markdown report to $GITHUB_STEP_SUMMARY")
    parser.add_argument("--only-flows", action="store_true",
                        help="skip YAML files that are not Archy flows (workflows, configs); for hooks")


def collect(args: argparse.Namespace) -> tuple[Config, list[FlowDocument]]:
    config = load_config(args.config)
    paths = list(args.paths) or [config.resolve(p) for p in config.data.get("flows", [])] or ["."]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    files = []
    for p in paths:
        found = expand_paths([p])
        if not found and os.path.isdir(p) and args.paths:
            raise UsageError(f"{p}: no flow files in this directory or below (looked for "
                             f"{', '.join('*' + s for s in FLOW_SUFFIXES)}; hidden directories skipped)")
        files += found
    docs = [load_flow_file(p) for p in files]
    if getattr(args, "only_flows", False):
        docs = [d for d in docs if not _not_a_flow(d)]
    return config, docs


def context_docs(args: argparse.Namespace, config: Config, docs: list[FlowDocument]) -> list[FlowDocument]:
    """The rest of the flow set, for cross-file rules when only some files were named.

    A pre-commit run passes only the changed files; a caller that did not change still has
    to be found, so the configured `flows:` (or, for a hook, the repository) is loaded as
    context. Findings are reported only for the files that were named.
    """
    if not args.paths:
        return []
    roots = [config.resolve(p) for p in config.data.get("flows", [])]
    if not roots and getattr(args, "only_flows", False):
        roots = ["."]
    named = {os.path.realpath(d.path) for d in docs}
    extra = [p for p in expand_paths([r for r in roots if os.path.exists(r)])
             if os.path.realpath(p) not in named]
    loaded = [load_flow_file(p) for p in extra]
    return [d for d in loaded if d.flow is not None and not _not_a_flow(d)]


def _not_a_flow(doc: FlowDocument) -> bool:
    """Valid YAML that is plainly something else (a workflow, a config): not ours to judge."""
    if any(p.rule_id in ("IVR001", "IVR002") for p in doc.problems):
        return False  # broken YAML is reported whatever it was meant to be
    if doc.flow is None:
        return any(p.rule_id == "IVR003" for p in doc.problems)
    return any(p.rule_id == "IVR003" and "did you mean" not in p.message for p in doc.problems)


def emit(args: argparse.Namespace, stage: str, findings: list[Finding], files: list[str]) -> int:
    fmt = args.format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    report = render(fmt, findings, tool_stage=stage, files=files)
    if args.output:
        write_atomic(args.output, report)
    else:
        sys.stdout.write(report)
    if args.sarif_file:
        write_atomic(args.sarif_file, render("sarif", findings, tool_stage=stage, files=files))
    if args.summary and os.environ.get("GITHUB_STEP_SUMMARY"):
        with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as fh:
            fh.write(render("markdown", findings, tool_stage=stage, files=files) + "\n")
    return 1 if has_errors(findings) else 0
