"""`ivr-ci simulate FLOW.yaml --keys 2,1 ...`: walk a flow as a caller would, offline.

Exit codes: 0 an outcome was reached (transfer, voicemail, disconnect, end, loop);
1 cannot decide or the flow is broken; 2 usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from ivr_ci.config import load_config
from ivr_ci.errors import UsageError
from ivr_ci.flow.yamlpolicy import check_readable
from ivr_ci.simulate import SimInput, load_for_simulation, simulate
from ivr_ci.simulate.world import check_schedule_state, parse_assignment, parse_keys, parse_stub
from ivr_ci.util.clock import parse_at
from ivr_ci.util.files import write_atomic


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("flow", help="the flow file (Archy YAML)")
    parser.add_argument("--keys", default="", help="what the caller presses, one item per menu/input: "
                        "2,1 ; '-' = no input, say:words = speech, 1234# = collected digits")
    parser.add_argument("--env", help="substitute {{key}} placeholders with this environment of .ivr-ci.yaml")
    parser.add_argument("--set", dest="variables", action="append", default=[], metavar="VAR=VALUE",
                        help="a variable or platform value (Flow.x, Call.Ani...); also the answer of any "
                        "data action or lookup that writes it (repeatable)")
    parser.add_argument("--at", help="simulated date-time, e.g. 2026-11-23T10:00 (UTC unless an offset is given)")
    parser.add_argument("--open", dest="schedules", action="append", default=[], metavar="NAME=STATE",
                        help="schedule group / schedule / emergency group state: open, closed, holiday, "
                        "emergency (or weekly hours 'mon-fri 08:00-18:00 Europe/London'); NAME * = any")
    parser.add_argument("--data-action", dest="stubs", action="append", default=[], metavar="KEY=PATH",
                        help="declared result of a data action 'Integration/Action=success' or a lookup "
                        "'findQueue:Sales=found'; KEY * = any (repeatable)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--config", help="path to .ivr-ci.yaml (default: found upward from the cwd)")
    parser.add_argument("--max-steps", type=int, default=2000, help="stop as a loop after this many steps")
    parser.add_argument("--output", "-o", help="write the trace to this file instead of stdout")


def build_input(args: argparse.Namespace) -> SimInput:
    """The command-line options as a SimInput; bad values are usage errors naming the option."""
    inp = SimInput(max_steps=max(args.max_steps, 10))
    try:
        inp.keys = parse_keys(args.keys)
    except ValueError as exc:
        raise UsageError(f"--keys: {exc}") from None
    if args.at:
        try:
            inp.at = parse_at(args.at)
        except ValueError as exc:
            raise UsageError(f"--at: {exc}") from None
    for option, items, what in (("--set", args.variables, "variable"), ("--open", args.schedules, "schedule"),
                                ("--data-action", args.stubs, "data action")):
        for item in items:
            try:
                name, value = parse_assignment(item, what)
                if option == "--set":
                    inp.variables[name] = value
                elif option == "--open":
                    inp.schedules[name.lower()] = check_schedule_state(value)
                else:
                    inp.stubs[name.lower()] = parse_stub(value)
            except ValueError as exc:
                raise UsageError(f"{option} {item}: {exc}") from None
    return inp


def run(args: argparse.Namespace) -> int:
    if not os.path.exists(args.flow):
        raise UsageError(f"no such flow file: {args.flow}")
    if os.path.isdir(args.flow):
        raise UsageError(f"{args.flow} is a directory; simulate walks one flow file (to run every "
                         "*.paths.yaml under a directory: ivr-ci test DIR)")
    try:
        check_readable(args.flow)
    except OSError as exc:
        raise UsageError(f"{args.flow}: {exc.strerror or exc}") from None
    inp = build_input(args)
    config = load_config(args.config)
    doc = load_for_simulation(args.flow, config, args.env)
    result = simulate(doc, inp, env=args.env)
    if args.format == "json":
        text = json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
    else:
        text = result.render_text()
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    if args.env:  # values only Terraform knows stay placeholders: say which, and why
        for key, value in sorted(config.terraform_only(args.env, args.flow).items()):
            if "{{" + key + "}}" in (doc.text or ""):
                print(f"note: {{{{{key}}}}} is known only to Terraform ({value.unknown}, {value.path}:{value.line}); "
                      "simulated as the placeholder", file=sys.stderr)
    return 0 if result.outcome.ok else 1
