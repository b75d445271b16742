"""`ivr-ci diff`: semantic diff of flows between two git refs or two paths (offline).

Git mode (default): `ivr-ci diff [--base REF] [--head REF] [PATH...]`; base defaults to the
merge-base of the PR base branch and HEAD. Path mode: `ivr-ci diff OLD NEW` (two files or two
directories that exist, and no --base/--head/--git). Exit 0 (informational) unless
`--exit-code` and behavioural changes exist (1), or a flow could not be read (1).
"""

from __future__ import annotations

import argparse
import os
import sys

from ivr_ci.diff.model import DiffResult
from ivr_ci.diff.render import FORMATS, render
from ivr_ci.util.files import write_atomic


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="git mode: limit to these files/directories (default: `flows:` in .ivr-ci.yaml, "
                             "else the whole repository); path mode: OLD NEW")
    parser.add_argument("--base", help="old side: git ref (default: merge-base of the PR base branch "
                        "($GITHUB_BASE_REF, origin/HEAD or main) and --head)")
    parser.add_argument("--head", help="new side: git ref (default: the working tree, like `git diff BASE`; "
                        "in CI that is the checked-out PR)")
    parser.add_argument("--git", action="store_true", help="git mode even when given two existing paths")
    parser.add_argument("--config", help="path to .ivr-ci.yaml (default: found upward from the cwd)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument("--output", "-o", help="write the report to this file instead of stdout")
    parser.add_argument("--exit-code", action="store_true", help="exit 1 when behavioural changes exist")
    parser.add_argument("--summary", action="store_true",
                        help="also append the Markdown report to $GITHUB_STEP_SUMMARY")


def path_mode(args: argparse.Namespace) -> bool:
    if args.base or args.head or args.git or len(args.paths) != 2:
        return False
    old, new = args.paths
    return (os.path.isfile(old) and os.path.isfile(new)) or (os.path.isdir(old) and os.path.isdir(new))


def compute(args: argparse.Namespace) -> DiffResult:
    from ivr_ci.diff import diff_git, diff_paths

    if path_mode(args):
        return diff_paths(args.paths[0], args.paths[1])
    from ivr_ci.config import load_config
    from ivr_ci.prompts.load import prompt_dir

    config = load_config(args.config)
    paths = list(args.paths) or [config.resolve(p) for p in config.data.get("flows", [])]
    return diff_git(args.base, args.head, paths, prompt_dir=prompt_dir(config))


def maintenance_lines(args: argparse.Namespace, result: DiffResult) -> list[str]:
    """Git mode: maintenance windows of .ivr-ci.yaml the diff adds, changes or removes."""
    if path_mode(args):
        return []
    from ivr_ci.maintenance.review import diff_lines

    return diff_lines(result.base, args.head, args.config)


def report_problems(result: DiffResult, command: str) -> None:
    for p in result.problems:
        print(f"{p.location()}: error: could not compare the {p.side} version: {p.message}", file=sys.stderr)


def _pre_commit_note(args: argparse.Namespace) -> None:
    """Under pre-commit (the `diff-flows` hook) the working tree holds only what is staged:
    pre-commit stashes unstaged edits before running hooks. Say which sides are compared."""
    if os.environ.get("PRE_COMMIT") == "1" and args.head is None and not path_mode(args):
        print(f"ivr-ci diff: comparing {args.base or 'the merge-base'} with the staged files (pre-commit "
              "sets unstaged edits aside while hooks run); `git add` them to include them, or run "
              "`ivr-ci diff` outside pre-commit to compare the working tree as it is.", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    _pre_commit_note(args)
    result = compute(args)
    text = render(args.format, result)
    windows = maintenance_lines(args, result) if args.format in ("text", "markdown") else []
    if windows:
        from ivr_ci.maintenance.review import markdown

        text += ("\n" + markdown(windows)) if args.format == "markdown" else \
            "\nMaintenance windows:\n" + "".join(f"  {line}\n" for line in windows)
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    if args.summary and os.environ.get("GITHUB_STEP_SUMMARY"):
        from ivr_ci import gha

        gha.append_summary(render("markdown", result))
    report_problems(result, "diff")
    if result.problems:
        return 1
    return 1 if args.exit_code and result.behavioural else 0
