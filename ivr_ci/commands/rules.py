"""`ivr-ci rules [--format text|json|markdown] [ID...]`: the rule catalogue."""

from __future__ import annotations

import argparse
import json
import sys

from ivr_ci.errors import UsageError
from ivr_ci.rules.catalogue import load_catalogue


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("ids", nargs="*", help="show these rules in full")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default="text")


def run(args: argparse.Namespace) -> int:
    from ivr_ci.rules.docs import render_rules_markdown

    catalogue = load_catalogue()
    wanted = [i.upper() for i in args.ids]
    unknown = [i for i in wanted if i not in catalogue]
    if unknown:
        raise UsageError(f"unknown rule id: {', '.join(unknown)}")
    rules = [catalogue[i] for i in wanted] if wanted else list(catalogue.values())
    if args.format == "json":
        data = [{"id": r.id, "name": r.name, "stage": r.stage, "severity": r.severity.value,
                 "summary": r.summary, "rationale": r.rationale, "bad": r.bad, "good": r.good,
                 "options": r.options} for r in rules]
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(render_rules_markdown(rules))
    else:
        for r in rules:
            sys.stdout.write(f"{r.id}  {r.severity.value:<7}  {r.stage:<13}  {r.name}: {r.summary}\n")
            if wanted:
                sys.stdout.write(f"\n{r.rationale}\n\nBad:\n{r.bad}\n\nGood:\n{r.good}\n\n")
    return 0
