"""`ivr-ci validate-flow [PATH...] [--env NAME]`: structure, references, substitutions (IVR2xx-4xx)."""

from __future__ import annotations

import argparse

from ivr_ci.commands._check import add_common_arguments, collect, context_docs, emit
from ivr_ci.config import Config
from ivr_ci.errors import UsageError
from ivr_ci.findings import Finding
from ivr_ci.rules.engine import Engine


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--env", help="check substitutions against this environment of .ivr-ci.yaml")
    parser.add_argument("--online", action="store_true",
                        help="with --env: also check every referenced org object exists in the target org "
                             "(the promote preflight; needs the environment's credentials)")
    parser.add_argument("--api-base", help="--online: API base URL (overrides the environment's)")


def run(args: argparse.Namespace) -> int:  # the GC is paused for this command (batch=True in ivr_ci/stages.py)
    config, docs = collect(args)
    if args.online and not args.env:
        raise UsageError("--online needs --env NAME (the environment whose org is checked)")
    if args.env:
        config.environment(args.env)  # unknown environment: a config error before any output
    context = context_docs(args, config, docs)
    # named files: the context only feeds cross-file rules, and no finding is reported on it
    # (findings about other files stay: IVR501 in a *.paths.yaml, IVR702 at a prompt file)
    targets = [d.path for d in docs] if args.paths else None
    findings = Engine(config, env=args.env).run("validate-flow", docs + context, targets=targets)
    if args.online:
        findings = sorted(findings + _online(config, args), key=Finding.sort_key)
    return emit(args, "validate-flow", findings, [d.path for d in docs])


def _online(config: Config, args: argparse.Namespace) -> list[Finding]:
    """The promote preflight (ivr_ci/promote): render for the environment, look every org object
    up in the target org. Imported here only: offline runs never load the API client."""
    import sys

    from ivr_ci.promote.session import online_preflight

    found, notes = online_preflight(config, args.env, list(args.paths), api_base=args.api_base)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return found
