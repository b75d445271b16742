"""`ivr-ci <command>`: a thin dispatcher.

Only the invoked command's module is imported, so a one-file hook run does not pay for
the Genesys client, the emulator or the diff renderer. Each command module under
`ivr_ci.commands` defines `add_arguments(parser)` and `run(args) -> int`.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar, overload

from ivr_ci import __version__
from ivr_ci.errors import IvrCiError
from ivr_ci.stages import COMMANDS as STAGE_TABLE

# name -> (module under ivr_ci.commands, one-line help), and the commands whose GC is paused:
# both derived from the one command table, ivr_ci/stages.py (add a command there).
COMMANDS: dict[str, tuple[str, str]] = {c.name: (c.module, c.help) for c in STAGE_TABLE}
BATCH_COMMANDS = frozenset(c.name for c in STAGE_TABLE if c.batch)

_N = TypeVar("_N")


class CommandParser(argparse.ArgumentParser):
    """An option that takes one value takes the next argument as it, even when that starts
    with `-` (`--keys -,1`, as getopt does). argparse alone reads `-,1` as an unknown option
    and fails with "expected one argument" unless it is written `--keys=-,1`."""

    # The overloads are argparse's own (typeshed), so this stays a drop-in ArgumentParser.
    @overload
    def parse_known_args(self, args: Iterable[str] | None = None,
                         namespace: None = None) -> tuple[argparse.Namespace, list[str]]: ...
    @overload
    def parse_known_args(self, args: Iterable[str] | None, namespace: _N) -> tuple[_N, list[str]]: ...
    @overload
    def parse_known_args(self, *, namespace: _N) -> tuple[_N, list[str]]: ...

    def parse_known_args(self, args: Iterable[str] | None = None, namespace: Any = None) -> Any:
        if args is not None:
            args = self._attach_dash_values(list(args))
        return super().parse_known_args(args, namespace)

    def _attach_dash_values(self, args: list[str]) -> list[str]:
        takes_one = {s for a in self._actions
                     if isinstance(a, (argparse._StoreAction, argparse._AppendAction)) and a.nargs is None
                     for s in a.option_strings}
        known = self._option_string_actions
        out: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                out += args[i:]
                break
            nxt = args[i + 1] if i + 1 < len(args) else None
            if (arg in takes_one and nxt is not None and nxt.startswith("-") and nxt != "--"
                    and nxt not in known and nxt[:2] not in known
                    and not (nxt.startswith("--") and any(o.startswith(nxt.split("=", 1)[0]) for o in known))):
                out.append(f"{arg}={nxt}" if arg.startswith("--") else arg + nxt)
                i += 2
                continue
            out.append(arg)
            i += 1
        return out


def _top_parser() -> argparse.ArgumentParser:
    width = max(len(n) for n in COMMANDS)
    listing = "\n".join(f"  {n.ljust(width)}  {h}" for n, (_, h) in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="ivr-ci",
        description="Git-native delivery pipeline for Genesys Cloud Architect flows.",
        epilog=f"commands:\n{listing}\n\nRun `ivr-ci <command> --help` for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ivr-ci {__version__}")
    parser.add_argument("command", choices=list(COMMANDS), metavar="command")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Freezing the GC at the end is only right when the process ends with the command; a
    # caller running main() in-process (tests, the action runner) gets its garbage collected.
    as_process = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "--version") or argv[0] not in COMMANDS:
        try:
            _top_parser().parse_args(argv[:1])
        except SystemExit as exc:  # argparse exits 2 on errors, 0 on --help
            return int(exc.code or 0)
        return 2
    name, rest = argv[0], argv[1:]
    module_name, help_text = COMMANDS[name]
    try:
        module = importlib.import_module(f"ivr_ci.commands.{module_name}")
        parser = CommandParser(prog=f"ivr-ci {name}", description=help_text)
        module.add_arguments(parser)
        try:
            args = parser.parse_args(rest)
        except SystemExit as exc:
            return int(exc.code or 0)
        if name in BATCH_COMMANDS:
            from ivr_ci.util.gcpause import paused_gc

            with paused_gc(freeze=as_process):
                return int(module.run(args) or 0)
        return int(module.run(args) or 0)
    except IvrCiError as exc:
        print(f"ivr-ci {name}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"ivr-ci {name}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into `head` etc.: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # a traceback reaching a user is a bug: report it as one
        if os.environ.get("IVR_CI_DEBUG"):
            raise
        print(
            f"ivr-ci {name}: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in ivr-ci; set IVR_CI_DEBUG=1 for the traceback.",
            file=sys.stderr,
        )
        return 3
