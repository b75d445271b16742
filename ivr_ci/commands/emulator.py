"""`ivr-ci emulator`: run the Genesys Cloud API emulator on loopback until SIGINT/SIGTERM.

The first stdout line is `IVR_CI_API_BASE=http://HOST:PORT` (flushed at once), so scripts can
`read` it; the base serves `/api/v2/...`, `/oauth/token` and the `/__admin/...` test helpers.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from ivr_ci.errors import ConfigError, UsageError
from ivr_ci.flow.yamlpolicy import read_text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: pick a free one)")
    parser.add_argument("--seed", metavar="FILE", help="seed file (YAML or JSON; see docs/emulator.md)")
    parser.add_argument("--state", metavar="FILE", help="persist state to FILE (JSON) between runs")
    parser.add_argument("--faults", metavar="FILE", help="fault rules (YAML or JSON list, or {faults: [...]})")
    parser.add_argument("--fault-seed", type=int, default=0, help="random seed for rate-based faults")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")


def load_faults(path: str) -> list[dict[str, Any]]:
    """Read and check a faults file; ConfigError with file:line on problems."""
    from ivr_ci.emulator.faults import FaultError, parse_rule
    from ivr_ci.emulator.seed import read_seed_text

    try:
        text = read_text(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the faults file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: the faults file is not UTF-8 text: {exc.reason}") from None
    data = read_seed_text(text, path)
    rules = data.get("faults") if isinstance(data, dict) else data
    if not isinstance(rules, list):
        raise ConfigError(f"{path}:1: expected a list of fault rules (or a mapping with 'faults:')")
    for i, rule in enumerate(rules):
        try:
            parse_rule(rule, f"check-{i}")
        except FaultError as exc:
            line = rules.item_pos[i].line if hasattr(rules, "item_pos") else 0
            raise ConfigError(f"{path}:{line}: {exc}") from None
    return list(rules)  # positioned mappings: a rule the backend refuses is reported at its line


def run(args: argparse.Namespace) -> int:
    from ivr_ci.emulator.server import start_emulator

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be between 0 and 65535, not {args.port}")
    faults = load_faults(args.faults) if args.faults else []
    try:
        emu = start_emulator(seed=args.seed, host=args.host, port=args.port, state_file=args.state,
                             fault_seed=args.fault_seed, faults=faults, faults_source=args.faults or "<faults>",
                             verbose=args.verbose)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    except ValueError as exc:  # a bad fault rule in the seed
        raise ConfigError(str(exc)) from None
    print(f"IVR_CI_API_BASE={emu.base_url}", flush=True)
    stop = threading.Event()

    def _on_signal(signum: int, frame: Any) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(0.5):
            pass
    finally:
        emu.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if args.verbose:
            print("emulator: stopped", file=sys.stderr, flush=True)
    return 0
