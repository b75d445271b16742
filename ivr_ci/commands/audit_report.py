"""`ivr-ci audit-report --env NAME`: who changed which flow in the org, pipeline or not, whether
the org still matches the repository, and how each release moved the flow metrics.

Exit 0 when clean; 1 with `--fail-on drift|out-of-band` when found (or when a flow could not
be compared); 2 for usage/config errors. See docs/audit-report.md.
"""

from __future__ import annotations

import argparse
import os
import sys

from ivr_ci.errors import UsageError


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, not {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ivr_ci.audit.run import FORMATS

    parser.add_argument("--env", required=True, help="environment from .ivr-ci.yaml")
    parser.add_argument("--since", help="how far back: 30m, 12h, 7d, 2w (default 7d)")
    parser.add_argument("--from", dest="start", metavar="WHEN", help="start (ISO-8601 date or date-time, UTC)")
    parser.add_argument("--to", dest="end", metavar="WHEN", help="end (default: now)")
    parser.add_argument("--format", choices=FORMATS, default="md", help="report format (default md)")
    parser.add_argument("--out", help="write the report to this file (default stdout)")
    parser.add_argument("--ledger", help="deployment ledger (default: promotion.ledger in .ivr-ci.yaml)")
    parser.add_argument("--fail-on", action="append", default=[], metavar="{drift,out-of-band}",
                        help="exit 1 when content drift / out-of-band changes are found (repeatable, or "
                             "comma-separated)")
    parser.add_argument("--paths", nargs="*", default=[], metavar="PATH",
                        help="flow files/directories checked for drift (default: `flows:` in .ivr-ci.yaml)")
    parser.add_argument("--config", help="path to .ivr-ci.yaml (default: found upward from the cwd)")
    parser.add_argument("--api-base", help="API base URL (e.g. an emulator); overrides the environment's")
    parser.add_argument("--pipeline-client", action="append", default=[], metavar="CLIENT_ID",
                        help="OAuth client id(s) that deploy (when the ledger does not record one)")
    parser.add_argument("--no-drift", action="store_true", help="skip the content-drift check")
    parser.add_argument("--no-metrics", action="store_true", help="skip the release outcome metrics")
    parser.add_argument("--metrics-window", metavar="DURATION",
                        help="length of the before/after windows around each deployment (default 24h)")
    parser.add_argument("--timeline-limit", type=_positive_int, metavar="N",
                        help="events kept per flow timeline (default 50)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")


def _fail_on(values: list[str]) -> list[str]:
    from ivr_ci.audit.run import FAIL_ON

    out = [v.strip() for raw in values for v in raw.split(",") if v.strip()]
    bad = [v for v in out if v not in FAIL_ON]
    if bad:
        raise UsageError(f"--fail-on: unknown value {bad[0]!r} (expected {' or '.join(FAIL_ON)})")
    return out


def run(args: argparse.Namespace) -> int:
    from ivr_ci.audit.run import ReportOptions, publish_to_actions, run_report

    opts = ReportOptions(
        env=args.env, since=args.since, start=args.start, end=args.end, fmt=args.format, out=args.out,
        ledger=args.ledger, fail_on=_fail_on(args.fail_on), paths=list(args.paths), config=args.config,
        api_base=args.api_base, pipeline_clients=list(args.pipeline_client), drift=not args.no_drift,
        metrics=not args.no_metrics, metrics_window=args.metrics_window, timeline_limit=args.timeline_limit,
        progress=not args.quiet,
    )
    result = run_report(opts)
    report = result.report
    for item in report.drift.errors:
        print(f"{item.path}: error: {item.name}: {item.message}", file=sys.stderr)
    for problem in report.drift.problems:
        print(f"{problem}", file=sys.stderr)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        publish_to_actions(result)
    if not args.quiet:
        where = f" → {args.out}" if args.out else ""
        print(f"audit-report: {report.status_line()}{where}", file=sys.stderr)
    return result.exit_code
