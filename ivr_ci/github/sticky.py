"""The sticky pull-request comment: one comment per (kind, label), found again and updated.

Marker: the body's first line is the hidden, versioned `<!-- ivr-ci:{kind}:{label} v1 -->`
(kind e.g. `diff`, `plan`; label e.g. an environment). Any `vN` of the same kind/label is found,
so a future v2 can take over v1 comments.

Whose comment is ours (a marker alone can be planted by anyone, so the author is checked too):
* `author="github-actions[bot]"` (the default; the user of the workflow `GITHUB_TOKEN`) or any
  login: the comment's `user.login` must equal it, case-insensitively, ignoring a `[bot]`
  suffix (`github-actions` == `github-actions[bot]`);
* `author=None` ("login unknown", e.g. a GitHub App token whose bot login is not configured):
  the comment must come from a bot: `user.type == "Bot"` or `performed_via_github_app` set.
  Human-authored comments are never touched. (We do not call `GET /user`: installation tokens
  cannot, and it is outside the API subset we rely on.)
Comments are searched across ALL pages; with several matches the oldest is the sticky one.

Modes: `update` (edit in place; no PATCH when the body is unchanged), `recreate` (delete every
match, post a new one, so it moves to the bottom), `always-new` (post a new one each time).

Nothing to report (`nothing_to_report=True`): `on_empty="update"` edits an existing comment to
the given body (typically "No flow changes"), but does not create one (`skipped`) unless
`create_if_empty=True`; `on_empty="delete"` deletes our comments (`deleted`, or `skipped`).

Size: GitHub rejects bodies over 65,536 characters; `fit_body` builds a body from whole
`Section`s, dropping the lowest-priority detail sections first and appending a note.

`post_or_fallback` turns 403/404 (fork PRs with a read-only token, missing
`pull-requests: write`), a missing token or a non-PR event into: a `::warning`, the same
Markdown appended to `$GITHUB_STEP_SUMMARY`, and `StickyResult(action="fallback")`; callers
then exit 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ivr_ci import gha

if TYPE_CHECKING:
    from ivr_ci.github.client import GitHubClient

GITHUB_BODY_LIMIT = 65536
DEFAULT_LIMIT = 65000
DEFAULT_AUTHOR = "github-actions[bot]"
MARKER_VERSION = 1
TRUNCATION_NOTE = "… truncated; full diff in the job summary"

Mode = Literal["update", "recreate", "always-new"]
Action = Literal["created", "updated", "unchanged", "deleted", "skipped", "fallback"]


@dataclass(frozen=True)
class Section:
    """A whole unit of a comment body (a heading + table, a details block…); never cut."""

    markdown: str
    priority: int = 0  # higher survives longer; dropped lowest first
    droppable: bool = True  # False: always kept (header, summary line)


@dataclass
class StickyResult:
    action: Action
    url: str | None = None
    comment_id: int | None = None
    reason: str = ""  # why a fallback/skip happened (safe to print: never contains the token)
    truncated: bool = False


def _check_kind(kind: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9-]*", kind):
        raise ValueError(f"marker kind must be lower-case [a-z0-9-], not {kind!r}")
    return kind


def _clean_label(label: str) -> str:
    cleaned = re.sub(r"[^\w.@/+ -]", "_", label.strip()).replace("--", "-_")
    return cleaned or "default"


def marker(kind: str, label: str = "default") -> str:
    """The hidden marker line of our comment for (kind, label)."""
    return f"<!-- ivr-ci:{_check_kind(kind)}:{_clean_label(label)} v{MARKER_VERSION} -->"


def _marker_re(kind: str, label: str) -> re.Pattern[str]:
    return re.compile(rf"<!-- ivr-ci:{re.escape(_check_kind(kind))}:{re.escape(_clean_label(label))} v\d+ -->")


def _norm_login(login: str) -> str:
    login = login.lower()
    return login[: -len("[bot]")] if login.endswith("[bot]") else login


def is_ours(comment: dict[str, Any], author: str | None = DEFAULT_AUTHOR) -> bool:
    """Is this comment authored by us (see the module docstring for the rule)?"""
    user = comment.get("user") or {}
    if author is not None:
        return _norm_login(str(user.get("login", ""))) == _norm_login(author)
    return user.get("type") == "Bot" or bool(comment.get("performed_via_github_app"))


def find_comments(
    comments: Iterable[dict[str, Any]], kind: str, label: str = "default", author: str | None = DEFAULT_AUTHOR
) -> list[dict[str, Any]]:
    """Our comments carrying the (kind, label) marker, oldest first."""
    pattern = _marker_re(kind, label)
    found = [c for c in comments if pattern.search(c.get("body") or "") and is_ours(c, author)]
    return sorted(found, key=lambda c: c.get("id", 0))


def with_marker(body: str, kind: str, label: str = "default") -> str:
    """Put the marker line first (replacing an existing ivr-ci marker line)."""
    lines = body.split("\n", 1)
    if lines and re.fullmatch(r"<!-- ivr-ci:[^>]* v\d+ -->", lines[0].strip()):
        body = lines[1] if len(lines) > 1 else ""
    return f"{marker(kind, label)}\n{body}"


def _hard_cut(text: str, limit: int, note: str) -> str:
    keep = limit - len(note) - 2
    cut = text[: max(keep, 0)]
    if "\n" in cut:
        cut = cut[: cut.rfind("\n")]
    return f"{cut}\n\n{note}" if keep > 0 else note[:limit]


def fit_body(
    sections: Sequence[Section | str], limit: int = DEFAULT_LIMIT, note: str = TRUNCATION_NOTE
) -> str:
    """Join sections with blank lines so the result has at most `limit` characters.

    Droppable sections go whole, lowest priority first (ties: the later one first); the rest
    keep their order and `note` is appended. Only if the non-droppable sections alone are
    too long is text cut, at a line boundary.
    """
    items = [Section(s) if isinstance(s, str) else s for s in sections]
    kept = list(range(len(items)))

    def render(indices: list[int], with_note: bool) -> str:
        parts = [items[i].markdown.strip("\n") for i in indices]
        return "\n\n".join([*parts, note] if with_note else parts)

    body = render(kept, False)
    if len(body) <= limit:
        return body
    order = sorted((i for i in kept if items[i].droppable), key=lambda i: (items[i].priority, -i))
    for index in order:
        kept.remove(index)
        body = render(kept, True)
        if len(body) <= limit:
            return body
    return _hard_cut(render(kept, False), limit, note)


def upsert_comment(
    client: GitHubClient,
    repo: str,
    number: int,
    body: str,
    *,
    kind: str,
    label: str = "default",
    mode: Mode = "update",
    author: str | None = DEFAULT_AUTHOR,
    nothing_to_report: bool = False,
    on_empty: Literal["update", "delete"] = "update",
    create_if_empty: bool = False,
) -> StickyResult:
    """Create/update/delete our sticky comment; raises `GitHubError` subclasses on failure."""
    if mode not in ("update", "recreate", "always-new"):
        raise ValueError(f"unknown sticky mode {mode!r}")
    full = with_marker(body, kind, label)
    truncated = False
    if len(full) > GITHUB_BODY_LIMIT:  # last resort; callers should use fit_body
        full, truncated = _hard_cut(full, GITHUB_BODY_LIMIT, TRUNCATION_NOTE), True
    ours = find_comments(client.list_issue_comments(repo, number), kind, label, author)

    if nothing_to_report and on_empty == "delete":
        for c in ours:
            client.delete_issue_comment(repo, c["id"])
        return StickyResult("deleted" if ours else "skipped", reason="" if ours else "no comment to delete")
    if nothing_to_report and not ours and not create_if_empty:
        return StickyResult("skipped", reason="nothing to report and no previous comment")

    if mode == "update" and ours:
        old = ours[0]
        if (old.get("body") or "") == full:
            return StickyResult("unchanged", old.get("html_url"), old.get("id"), truncated=truncated)
        new = client.update_issue_comment(repo, old["id"], full)
        return StickyResult("updated", new.get("html_url"), new.get("id"), truncated=truncated)
    if mode == "recreate":
        for c in ours:
            client.delete_issue_comment(repo, c["id"])
    new = client.create_issue_comment(repo, number, full)
    return StickyResult("created", new.get("html_url"), new.get("id"), truncated=truncated)


def post_or_fallback(
    body: str,
    *,
    kind: str,
    label: str = "default",
    repo: str | None = None,
    number: int | None = None,
    client: GitHubClient | None = None,
    mode: Mode = "update",
    author: str | None = DEFAULT_AUTHOR,
    nothing_to_report: bool = False,
    on_empty: Literal["update", "delete"] = "update",
    create_if_empty: bool = False,
    summary_markdown: str | None = None,
) -> StickyResult:
    """`upsert_comment`, degrading to warning + job summary on 403/404/no token/no PR.

    `repo`/`number` default to the triggering PR (`gha.pr_number_and_repo()`); `client` to a
    `GitHubClient()` from the environment. `summary_markdown` (default: `body`) is what the
    fallback appends to $GITHUB_STEP_SUMMARY. Other API errors propagate (exit 1).
    """
    from ivr_ci.github.client import GitHubClient, GitHubForbidden, GitHubNotFound

    def fallback(reason: str) -> StickyResult:
        gha.warning(f"Could not post the pull-request comment ({reason}); the report is in the job summary.",
                    title="ivr-ci: PR comment skipped")
        gha.append_summary(summary_markdown if summary_markdown is not None else body)
        return StickyResult("fallback", reason=reason)

    if repo is None or number is None:
        found = gha.pr_number_and_repo()
        if found is None:
            return fallback("not a pull-request event")
        number, repo = (found[0] if number is None else number), (found[1] if repo is None else repo)
    own_client = client is None
    client = client or GitHubClient()
    try:
        if not client.has_token:
            return fallback("no GitHub token (set GITHUB_TOKEN or the token input)")
        return upsert_comment(
            client, repo, number, body, kind=kind, label=label, mode=mode, author=author,
            nothing_to_report=nothing_to_report, on_empty=on_empty, create_if_empty=create_if_empty,
        )
    except GitHubForbidden as exc:
        return fallback(f"403 {exc.api_message}: a fork PR's read-only token or missing "
                        "`permissions: pull-requests: write`")
    except GitHubNotFound as exc:
        return fallback(f"404 {exc.api_message}: repository/PR not visible to the token")
    finally:
        if own_client:
            client.close()
