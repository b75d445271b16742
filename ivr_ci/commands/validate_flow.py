"""`ivr-ci validate-flow [PATH...] [--env NAME]`: structure, references, substitutions (IVR2xx-4xx)."""

from __future__ import annotations

import argparse

from ivr_ci.commands._check import add_common_arguments, collect, context_docs, emit
from ivr_ci.config import Config
from ivr_ci.errors import UsageError
from ivr_ci.findings import Finding
from ivr_ci.rules.engine import Engine
from ivr_ci.rules.paths import paths_findings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--env", help="check substitutions against this environment of .ivr-ci.yaml")
    parser.add_argument("--online", action="store_true",
                        help="with --env: also check every referenced org object exists in the target org "
                             "(the promote preflight; needs the environment's credentials)")
    parser.add_argument("--api-base", help="--online: API base URL (overrides the environment's)")


def run(args: argparse.Namespace) -> int:  # the GC is paused for this command (cli.BATCH_COMMANDS)
    config, docs = collect(args)
    if args.online and not args.env:
        raise UsageError("--online needs --env NAME (the environment whose org is checked)")
    if args.env:
        config.environment(args.env)  # unknown environment: a config error before any output
    context = context_docs(args, config, docs)
    findings = Engine(config, env=args.env).run("validate-flow", docs + context)
    if args.paths:  # report on the named files (and the config's own lines) only
        keep = {d.path for d in docs} | {config.path}
        # a named flow needing a prompt translation is reported at the prompt file (IVR702)
        findings = [f for f in findings if f.path in keep or f.rule_id == "IVR702"]
    # *.paths.yaml beside the flows: failing path cases are IVR501 findings (ivr_ci/rules/paths.py)
    findings = sorted(findings + paths_findings(docs, config, args.env), key=Finding.sort_key)
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
