"""`ivr-ci lint-menu [PATH...]`: the menu rule catalogue (IVR1xx)."""

from __future__ import annotations

import argparse

from ivr_ci.commands._check import add_common_arguments, collect, emit
from ivr_ci.rules.engine import Engine


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    config, docs = collect(args)  # the GC is paused for this command (batch=True in ivr_ci/stages.py)
    findings = Engine(config).run("lint-menu", docs)
    return emit(args, "lint-menu", findings, [d.path for d in docs])
