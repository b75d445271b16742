"""`ivr-ci export --env NAME [--flows PATTERN] [--out DIR]`: the org's published flows as
parameterised Archy YAML, so an existing org can be put under version control.

Environment-specific values become `{{key}}` (the environment's substitutions in reverse), and
`ivr-ci promote --env NAME --plan` of the exported tree shows no changes. Re-exporting over
the tree updates files in place and prints what changed. Exit 1 when a flow failed to export.
See docs/audit-report.md ("Export").
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", required=True, help="environment from .ivr-ci.yaml")
    parser.add_argument("--flows", action="append", default=[], metavar="PATTERN",
                        help="only flows whose name matches this glob (case-insensitive; repeatable), e.g. 'Main*'")
    parser.add_argument("--out", default=None,
                        help="directory to write into (default: the first `flows:` entry of .ivr-ci.yaml, else ./flows)")
    parser.add_argument("--config", help="path to .ivr-ci.yaml (default: found upward from the cwd)")
    parser.add_argument("--api-base", help="API base URL (e.g. an emulator); overrides the environment's")
    parser.add_argument("--prompts-dir", default=None, metavar="DIR",
                        help="where the user prompts the flows play are written (default: prompts.dir of "
                             ".ivr-ci.yaml, else ./prompts); docs/prompts.md")
    parser.add_argument("--no-prompts", action="store_true", help="export the flows only")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="export jobs in flight at once (default: promotion.concurrency, 4)")


def run(args: argparse.Namespace) -> int:
    from ivr_ci.audit.export import FAILED, run_export, summary_lines
    from ivr_ci.config import load_config
    from ivr_ci.errors import UsageError
    from ivr_ci.promote.session import make_client
    from ivr_ci.promote.settings import environment_settings, promotion_settings

    if args.jobs is not None and not 1 <= args.jobs <= 32:
        raise UsageError("--jobs must be between 1 and 32")
    config = load_config(args.config)
    env = environment_settings(config, args.env)
    promotion = promotion_settings(config)
    flows_dirs = config.data.get("flows") or []
    out_dir = args.out or (config.resolve(flows_dirs[0]) if flows_dirs else "flows")
    with make_client(env, api_base=args.api_base) as client:
        from ivr_ci.prompts.load import prompt_dir

        prompts = None if args.no_prompts else (args.prompts_dir or prompt_dir(config))
        result = run_export(client, env.substitutions, out_dir, list(args.flows),
                            workers=args.jobs or promotion.concurrency, timeout=promotion.job_timeout,
                            prompt_dir=prompts, guide_dirs=[config.resolve(d) for d in flows_dirs])
    for line in summary_lines(result):
        print(line)
    if not result.files:
        print(f"export: no published flow in '{args.env}' matches "
              f"{', '.join(args.flows) if args.flows else 'the org'}", file=sys.stderr)
    return 1 if result.count(FAILED) or any(p.status == FAILED for p in result.prompts) else 0
