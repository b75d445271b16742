"""`ivr-ci diff-comment`: the semantic diff as ONE sticky pull-request comment.

Same sources as `ivr-ci diff` (git refs by default, or OLD NEW paths). The comment is found
again by its hidden versioned marker (kind `diff`, one comment per `--label`) and author
(ivr_ci.github.sticky), updated in place (`--mode update`, no PATCH when unchanged), or
`recreate`d / posted `always-new`. With no flow changes an existing comment is edited to say so
(`--delete-when-empty`: deleted). The body is shrunk below GitHub's 65,536-character limit by
dropping whole sections; the full report always goes to the job summary. On 403/404 (fork PRs,
missing `pull-requests: write`) we warn, write the report to $GITHUB_STEP_SUMMARY and exit 0.
Outputs (in Actions): `changed`, `behavioural-changes`, `comment-url`, `comment-action`, `diff-json`.
Budgets: behavioural changes first, then prompts, findings and menu maps; what does not fit is
counted and named at the top (ivr_ci.diff.markdown). The job summary gets the same under 1 MiB.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import TYPE_CHECKING

from ivr_ci import gha
from ivr_ci.commands.diff import add_source_arguments, compute, maintenance_lines, path_mode, report_problems
from ivr_ci.diff.model import DiffResult
from ivr_ci.diff.render import render_json
from ivr_ci.errors import UsageError
from ivr_ci.findings import Finding
from ivr_ci.util.files import write_atomic

if TYPE_CHECKING:
    from ivr_ci.diff.markdown import Links
    from ivr_ci.github.sticky import StickyResult

KIND = "diff"
COMMENT_LIMIT = 65_000  # GitHub's limit is 65,536; leave room for the marker line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--repo", help="owner/name (default: from the event payload / $GITHUB_REPOSITORY)")
    parser.add_argument("--pr", type=int, help="pull-request number (default: from the event payload)")
    parser.add_argument("--github-token", help="token (default: $GITHUB_TOKEN); never printed")
    parser.add_argument("--label", default="default",
                        help="one sticky comment per label (e.g. one per flow directory)")
    parser.add_argument("--mode", choices=("update", "recreate", "always-new"), default="update",
                        help="update in place (default), delete and re-post, or always post a new one")
    parser.add_argument("--delete-when-empty", action="store_true",
                        help="delete our comment when no flow changed (default: edit it to say so)")
    parser.add_argument("--with-findings", action="store_true",
                        help="include lint-menu and validate-flow findings for the changed flows")
    parser.add_argument("--author", default="github-actions[bot]",
                        help="login whose comments are ours (default: github-actions[bot]; '' = any bot)")
    parser.add_argument("--max-chars", type=int, default=COMMENT_LIMIT, help=argparse.SUPPRESS)
    parser.add_argument("--dry-run", action="store_true", help="print the comment body, post nothing")
    parser.add_argument("--output", "-o", help="also write the comment body to this file")
    parser.add_argument("--json-output", help="also write the full diff as JSON (docs/diff-json.md) to this file")


def changed_findings(result: DiffResult, config_path: str | None) -> list[Finding]:
    """lint-menu + validate-flow findings of the new versions of the changed flows."""
    from ivr_ci.config import load_config
    from ivr_ci.rules.engine import Engine

    docs = [f.new_doc for f in result.changed_flows if f.new_doc is not None]
    if not docs:
        return []
    engine = Engine(load_config(config_path))
    # IVR501 simulates the flow files on disk, not the revision being diffed: left to validate-flow
    found = engine.run("lint-menu", docs) + engine.run("validate-flow", docs, include_load=False,
                                                       exclude={"IVR501"})
    return sorted(set(found), key=Finding.sort_key)


SUMMARY_LIMIT = 1_000_000  # bytes: GitHub takes at most 1 MiB of job summary per step


def links_for(result: DiffResult, repo: str | None) -> Links | None:
    """Blob links for file:line references: the commit whose files were compared, on GitHub."""
    from ivr_ci.diff.markdown import Links

    sha = result.head if re.fullmatch(r"[0-9a-f]{40}", result.head) else None
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    return Links(server, repo, sha) if repo and sha else None


def _body(result: DiffResult, findings: list[Finding] | None, limit: int, links: Links | None,
          json_file: str | None) -> tuple[str, str, bool]:
    """(comment body, job-summary Markdown, truncated?)."""
    from ivr_ci.diff.markdown import render_markdown

    artifact = ("The full diff as JSON is the step's `diff-json` output file "
                "(keep it with actions/upload-artifact)." if json_file else "")
    full = render_markdown(result, findings, links=links, limit=SUMMARY_LIMIT,
                           measure=lambda s: len(s.encode("utf-8")), rest=artifact)
    body = render_markdown(result, findings, links=links, limit=limit,
                           rest=("The rest is in the job summary of this run. " + artifact).strip())
    return body, full, body != render_markdown(result, findings, links=links)


def with_maintenance(markdown_text: str, windows: list[str]) -> str:
    """The maintenance section after the report's heading block (before the flow details)."""
    from ivr_ci.maintenance.review import markdown

    section = markdown(windows).rstrip("\n")
    head, sep, rest = markdown_text.partition("\n\n")
    second, sep2, tail = rest.partition("\n\n")
    return f"{head}{sep}{second}\n\n{section}\n\n{tail}" if sep2 else f"{markdown_text.rstrip()}\n\n{section}\n"


def _resolve_sides(result: DiffResult) -> None:
    """Name the compared commits by their SHAs (the footer, the links): a working tree that is a
    clean checkout is its HEAD commit, as in CI."""
    from ivr_ci.diff.sources import WORKTREE, _git

    def sha(ref: str) -> str | None:
        proc = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], check=False)
        return proc.stdout.decode().strip() if proc.returncode == 0 else None

    if result.head == WORKTREE:
        dirty = _git(["status", "--porcelain", "--untracked-files=no"], check=False).stdout.strip()
        head = None if dirty else sha("HEAD")
        result.head = head or result.head
    elif not re.fullmatch(r"[0-9a-f]{40}", result.head):
        result.head = sha(result.head) or result.head
    if not re.fullmatch(r"[0-9a-f]{40}", result.base):
        result.base = sha(result.base) or result.base


def run(args: argparse.Namespace) -> int:
    token = args.github_token if args.github_token is not None else os.environ.get("GITHUB_TOKEN")
    if token and gha.in_actions():
        gha.mask(token)
    if args.max_chars < 1000:
        raise UsageError("--max-chars must be at least 1000")
    result = compute(args)
    if not path_mode(args):
        _resolve_sides(result)
    findings = changed_findings(result, args.config) if args.with_findings else None
    repo = args.repo or (gha.pr_number_and_repo() or (None, os.environ.get("GITHUB_REPOSITORY")))[1]
    if args.json_output:
        write_atomic(args.json_output, render_json(result))
    windows = maintenance_lines(args, result)
    room = args.max_chars - sum(len(w) + 8 for w in windows) - (40 if windows else 0)
    body, full, truncated = _body(result, findings, max(room, 1000), links_for(result, repo), args.json_output)
    if windows:  # windows the PR schedules, moves or cancels (docs/maintenance.md)
        body, full = with_maintenance(body, windows), with_maintenance(full, windows)
    changed = bool(result.changed_flows) or bool(windows)
    posted = ""  # exactly what the comment would hold, when --output or --dry-run asks for it
    if args.output or args.dry_run:
        from ivr_ci.github.sticky import with_marker

        posted = with_marker(body, KIND, args.label)
        if args.output:
            write_atomic(args.output, posted)
    outputs: dict[str, str] = {"changed": "true" if changed else "false",
                               "behavioural-changes": str(result.behavioural), "comment-url": "",
                               "comment-action": "dry-run", "diff-json": args.json_output or ""}
    if args.dry_run:
        sys.stdout.write(posted)
    else:
        # a fix, a failure to read or a finding of one side is worth a comment even with no change
        worth = changed or bool(result.fixed or result.problems or result.side_findings)
        outcome = _post(args, token, body, full, worth)
        outputs["comment-url"] = outcome.url or ""
        outputs["comment-action"] = outcome.action
        if outcome.action != "fallback":
            gha.append_summary(full)  # the fallback already wrote it there
        where = f": {outcome.url}" if outcome.url else (f" ({outcome.reason})" if outcome.reason else "")
        trunc = " (shortened to fit; the rest is in the job summary)" if truncated else ""
        print(f"ivr-ci diff-comment: comment {outcome.action}{where}{trunc}")
        print(f"ivr-ci diff-comment: {len(result.changed_flows)} flow(s) changed, "
              f"{result.behavioural} behavioural change(s)")
    for name, value in outputs.items():
        gha.set_output(name, value)
    report_problems(result, "diff-comment")
    return 1 if result.problems else 0


def _post(args: argparse.Namespace, token: str | None, body: str, full: str, changed: bool) -> StickyResult:
    from ivr_ci.github.client import GitHubClient
    from ivr_ci.github.sticky import post_or_fallback

    repo, number = args.repo, args.pr
    if repo is None or number is None:
        found = gha.pr_number_and_repo()
        if found is not None:
            number = number if number is not None else found[0]
            repo = repo or found[1]
        elif repo is None:
            repo = os.environ.get("GITHUB_REPOSITORY") or None
    if repo is not None and (repo.count("/") != 1 or not all(repo.split("/"))):
        raise UsageError(f"--repo must be owner/name, not '{repo}'")
    client = GitHubClient(token=token or "")
    try:
        return post_or_fallback(
            body, kind=KIND, label=args.label, repo=repo, number=number, client=client, mode=args.mode,
            author=args.author or None, nothing_to_report=not changed,
            on_empty="delete" if args.delete_when_empty else "update", summary_markdown=full,
        )
    finally:
        client.close()
