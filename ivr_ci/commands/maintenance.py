"""`ivr-ci maintenance --env NAME [--at TIME] [--check]`: scheduled maintenance windows as the
org has them (docs/maintenance.md).

Lists every window of the environment with its state on each flow — scheduled, deployed,
active, expired, cleaned — read from the published flows' preludes. Exit 0 (also when a
window needs attention: the listing says so). `--check`, for a scheduled job: send one
notification when a window has started and one when it has ended, each recorded in the
maintenance event log beside the ledger so that it is never sent twice.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone

from ivr_ci import gha
from ivr_ci.config import load_config
from ivr_ci.errors import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", required=True, help="environment of .ivr-ci.yaml")
    parser.add_argument("--at", help="the time to evaluate the states at, e.g. 2026-12-05T01:30 (UTC unless an "
                                     "offset is given; default: now)")
    parser.add_argument("--check", action="store_true",
                        help="notify (once each) the windows that have started or ended; recorded beside the ledger")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--config", help="path to .ivr-ci.yaml (default: found upward from the cwd)")
    parser.add_argument("--ledger", help="deployment ledger path (default: promotion.ledger); the event log is beside it")
    parser.add_argument("--lock-dir", help="directory of deploy lock files (default: promotion.lock-dir)")
    parser.add_argument("--api-base", help="API base URL, e.g. an emulator (overrides the environment's)")


def parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"--at: not a date-time (YYYY-MM-DDTHH:MM[+HH:MM]): {exc}") from None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def run(args: argparse.Namespace) -> int:
    from ivr_ci.maintenance import status
    from ivr_ci.maintenance import windows as W
    from ivr_ci.promote.settings import environment_settings, promotion_settings

    if args.check and args.at:
        raise UsageError("--check notifies about the present: it does not take --at")
    config = load_config(args.config)
    env = environment_settings(config, args.env)
    promotion = promotion_settings(config, ledger=args.ledger, lock_dir=args.lock_dir)
    at = parse_time(args.at) if args.at else W.now_utc()
    from ivr_ci.promote.session import make_client

    with make_client(env, api_base=args.api_base) as client:
        states = status.org_states(client, config, env, at)
    result = None
    if args.check:
        from ivr_ci.promote import ledger as L
        from ivr_ci.promote.lock import acquire

        run_id = L.new_run_id()
        with acquire(promotion.lock_dir, env.name, run_id, ttl=promotion.lock_ttl,
                     info={"actor": L.current_actor(), "purpose": "maintenance --check"}):
            result = status.check(states, env, promotion.ledger, at, run_id=run_id, notify_url=env.notify)
    if args.format == "json":
        data = {"environment": env.name, "at": W._iso(at), "windows": [s.to_json() for s in states]}
        if result is not None:
            data["notified"] = result.sent
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(status.render_text(env.name, at, states))
        for m in result.messages if result else []:
            print(f"notified: {m}")
        if result is not None and not result.sent:
            print("nothing to notify: no window started or ended since the last check")
    for s in states:
        if s.note.startswith("NOT DEPLOYED") and gha.in_actions():
            gha.warning(f"maintenance window {s.id} on {s.flow}: {s.note}")
    return 0
