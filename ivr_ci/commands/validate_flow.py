"""`ivr-ci validate-flow [PATH...] [--env NAME]`: structure, references, substitutions (IVR2xx-4xx)."""

from __future__ import annotations

import argparse

from ivr_ci.commands._check import add_common_arguments, collect, emit
from ivr_ci.rules.engine import Engine


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--env", help="check substitutions against this environment of .ivr-ci.yaml")


def run(args: argparse.Namespace) -> int:
    config, docs = collect(args)
    if args.env:
        config.environment(args.env)  # unknown environment: a config error before any output
    findings = Engine(config, env=args.env).run("validate-flow", docs)
    return emit(args, "validate-flow", findings, [d.path for d in docs])
