"""`ivr-ci lint-menu [PATH...]`: the menu rule catalogue (IVR1xx)."""

from __future__ import annotations

import argparse

from ivr_ci.commands._check import add_common_arguments, collect, emit
from ivr_ci.rules.engine import Engine
from ivr_ci.util.gcpause import paused_gc


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)


def run(args: argparse.Namespace) -> int:
    # Parsed flows stay alive until the process ends: a cyclic GC pass over millions of
    # parsed nodes (even one, right after re-enabling) costs more than the lint itself.
    with paused_gc(freeze=True):
        config, docs = collect(args)
        findings = Engine(config).run("lint-menu", docs)
        return emit(args, "lint-menu", findings, [d.path for d in docs])
