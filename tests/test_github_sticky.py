"""The sticky PR comment against the fake GitHub: finding, modes, size budget, fork fallback."""

from __future__ import annotations

import pytest

from ivr_ci.github.client import GitHubClient, GitHubError
from ivr_ci.github.sticky import (
    GITHUB_BODY_LIMIT,
    TRUNCATION_NOTE,
    Section,
    find_comments,
    fit_body,
    marker,
    post_or_fallback,
    upsert_comment,
)
from tests.conftest_github import ActionsEnv
from tests.fake_github import FakeGitHub

REPO = "acme/ivr"


@pytest.fixture()
def client(fake_github: FakeGitHub) -> GitHubClient:
    return GitHubClient(token="ghs_tok", base_url=fake_github.base_url, sleep=lambda s: None)


def writes(fake: FakeGitHub) -> list[str]:
    return [r.method for r in fake.requests if r.method != "GET"]


def test_marker_is_hidden_versioned_and_sanitised() -> None:
    assert marker("diff", "prod") == "<!-- ivr-ci:diff:prod v1 -->"
    assert marker("plan", "a-->b\n") == "<!-- ivr-ci:plan:a-__b v1 -->"  # cannot close the comment
    assert marker("diff", "flows/main ivr.yaml") == "<!-- ivr-ci:diff:flows/main ivr.yaml v1 -->"
    with pytest.raises(ValueError):
        marker("Diff Kind", "x")


def test_create_then_update_in_place_then_skip_unchanged(fake_github: FakeGitHub, client: GitHubClient) -> None:
    first = upsert_comment(client, REPO, 7, "## Diff\none", kind="diff", label="prod")
    assert first.action == "created" and first.url and first.url.endswith(f"-{first.comment_id}")
    body = fake_github.comments(7)[0]["body"]
    assert body.splitlines()[0] == "<!-- ivr-ci:diff:prod v1 -->" and body.endswith("## Diff\none")
    second = upsert_comment(client, REPO, 7, "## Diff\ntwo", kind="diff", label="prod")
    assert (second.action, second.comment_id) == ("updated", first.comment_id)
    third = upsert_comment(client, REPO, 7, "## Diff\ntwo", kind="diff", label="prod")
    assert third.action == "unchanged"
    assert writes(fake_github) == ["POST", "PATCH"]  # no PATCH for an unchanged body
    assert len(fake_github.comments(7)) == 1


def test_labels_and_kinds_are_separate_comments(fake_github: FakeGitHub, client: GitHubClient) -> None:
    upsert_comment(client, REPO, 7, "prod", kind="diff", label="prod")
    upsert_comment(client, REPO, 7, "test", kind="diff", label="test")
    upsert_comment(client, REPO, 7, "plan", kind="plan", label="prod")
    upsert_comment(client, REPO, 7, "prod v2", kind="diff", label="prod")
    bodies = sorted(c["body"].split("\n", 1)[1] for c in fake_github.comments(7))
    assert bodies == ["plan", "prod v2", "test"]


def test_finds_previous_comment_beyond_the_first_page(fake_github: FakeGitHub, client: GitHubClient) -> None:
    upsert_comment(client, REPO, 7, "old", kind="diff", label="prod")
    for i in range(230):
        fake_github.seed_comment(REPO, 7, f"chatter {i}")
    result = upsert_comment(client, REPO, 7, "new", kind="diff", label="prod")
    assert result.action == "updated"
    assert [c["body"] for c in fake_github.comments(7)].count(marker("diff", "prod") + "\nnew") == 1


def test_planted_marker_from_another_user_is_ignored(fake_github: FakeGitHub, client: GitHubClient) -> None:
    planted = fake_github.seed_comment(REPO, 7, marker("diff", "prod") + "\nevil", login="mallory")
    result = upsert_comment(client, REPO, 7, "real", kind="diff", label="prod")
    assert result.action == "created" and result.comment_id != planted["id"]
    assert any(c["body"].endswith("evil") for c in fake_github.comments(7))


def test_author_rules() -> None:
    m = marker("diff", "prod")
    comments = [
        {"id": 1, "body": m, "user": {"login": "mallory", "type": "User"}, "performed_via_github_app": None},
        {"id": 2, "body": m, "user": {"login": "ivr-bot[bot]", "type": "Bot"}},
        {"id": 3, "body": m, "user": {"login": "someone", "type": "User"}, "performed_via_github_app": {"id": 9}},
        {"id": 4, "body": m.replace("v1", "v2"), "user": {"login": "github-actions[bot]", "type": "Bot"}},
        {"id": 5, "body": "no marker", "user": {"login": "github-actions[bot]", "type": "Bot"}},
    ]
    assert [c["id"] for c in find_comments(comments, "diff", "prod")] == [4]
    assert [c["id"] for c in find_comments(comments, "diff", "prod", author="IVR-Bot")] == [2]
    assert [c["id"] for c in find_comments(comments, "diff", "prod", author=None)] == [2, 3, 4]


def test_configured_app_author(fake_github: FakeGitHub) -> None:
    fake_github.add_token("ghs_app", "ivr-ci-app[bot]", "Bot")
    app = GitHubClient(token="ghs_app", base_url=fake_github.base_url)
    upsert_comment(app, REPO, 7, "one", kind="diff", author="ivr-ci-app[bot]")
    assert upsert_comment(app, REPO, 7, "two", kind="diff", author="ivr-ci-app[bot]").action == "updated"
    # with the default author the app's comment is not ours
    assert upsert_comment(app, REPO, 7, "three", kind="diff").action == "created"


def test_recreate_and_always_new(fake_github: FakeGitHub, client: GitHubClient) -> None:
    first = upsert_comment(client, REPO, 7, "a", kind="diff")
    fake_github.seed_comment(REPO, 7, "human reply")
    again = upsert_comment(client, REPO, 7, "b", kind="diff", mode="recreate")
    assert again.action == "created" and again.comment_id != first.comment_id
    assert [c["body"].split("\n")[-1] for c in fake_github.comments(7)] == ["human reply", "b"]
    upsert_comment(client, REPO, 7, "c", kind="diff", mode="always-new")
    assert len(fake_github.comments(7)) == 3
    with pytest.raises(ValueError):
        upsert_comment(client, REPO, 7, "x", kind="diff", mode="append")  # type: ignore[arg-type]


def test_nothing_to_report(fake_github: FakeGitHub, client: GitHubClient) -> None:
    none_yet = upsert_comment(client, REPO, 7, "No changes", kind="diff", nothing_to_report=True)
    assert none_yet.action == "skipped" and fake_github.comments(7) == []
    upsert_comment(client, REPO, 7, "changes!", kind="diff")
    said = upsert_comment(client, REPO, 7, "No flow changes", kind="diff", nothing_to_report=True)
    assert said.action == "updated" and fake_github.comments(7)[0]["body"].endswith("No flow changes")
    gone = upsert_comment(client, REPO, 7, "", kind="diff", nothing_to_report=True, on_empty="delete")
    assert gone.action == "deleted" and fake_github.comments(7) == []
    made = upsert_comment(client, REPO, 7, "No changes", kind="diff", nothing_to_report=True, create_if_empty=True)
    assert made.action == "created"


def test_fit_body_drops_whole_sections_lowest_priority_first() -> None:
    table = "| a | b |\n|---|---|\n" + "| x | y |\n" * 300
    sections = [
        Section("## Summary\n3 flows changed", droppable=False),
        Section("### Main IVR\n" + table, priority=2),
        Section("### Mermaid\n```mermaid\nflowchart TD\n" + "a-->b\n" * 500 + "```", priority=0),
        Section("### Holiday\n" + table, priority=1),
    ]
    full = fit_body(sections, limit=10**6)
    assert TRUNCATION_NOTE not in full
    body = fit_body(sections, limit=len(full) - 10)
    assert "### Mermaid" not in body and "### Holiday" in body and body.endswith(TRUNCATION_NOTE)
    body = fit_body(sections, limit=len(sections[0].markdown) + len(sections[1].markdown) + 100)
    assert "### Holiday" not in body and "### Main IVR" in body
    assert body.count("| x | y |") == 300  # a table is never cut in the middle
    tiny = fit_body(sections, limit=200)
    assert tiny.startswith("## Summary") and len(tiny) <= 200 and "| x" not in tiny


def test_fit_body_hard_cuts_only_required_text_at_line_boundary() -> None:
    lines = [f"line {i}" for i in range(5000)]
    body = fit_body([Section("\n".join(lines), droppable=False)], limit=1000)
    assert len(body) <= 1000 and body.endswith(TRUNCATION_NOTE)
    assert all(part in lines for part in body.split("\n\n")[0].split("\n"))


def test_oversized_body_is_cut_below_githubs_limit(fake_github: FakeGitHub, client: GitHubClient) -> None:
    result = upsert_comment(client, REPO, 7, "row\n" * 20000, kind="diff")
    assert result.action == "created" and result.truncated
    assert len(fake_github.comments(7)[0]["body"]) <= GITHUB_BODY_LIMIT


def test_fork_pr_falls_back_to_summary_and_warning(
    actions_env: ActionsEnv, capsys: pytest.CaptureFixture[str]
) -> None:
    actions_env.fake.forbid_writes = True
    result = post_or_fallback("## Flow diff\n| a | b |", kind="diff", label="prod")
    assert result.action == "fallback" and "403" in result.reason
    out = capsys.readouterr().out
    assert out.startswith("::warning title=ivr-ci%3A PR comment skipped::Could not post")
    assert actions_env.token not in out and actions_env.token not in result.reason
    assert "## Flow diff" in actions_env.summary_text()
    assert actions_env.fake.comments(7) == []


def test_forbidden_update_of_existing_comment_also_falls_back(actions_env: ActionsEnv) -> None:
    first = post_or_fallback("one", kind="diff")
    assert first.action == "created"
    actions_env.fake.forbid_writes = True
    assert post_or_fallback("two", kind="diff").action == "fallback"
    assert any("PATCH" in d for d in actions_env.fake.deviations)  # 403 on PATCH: real, undeclared


def test_not_found_and_no_token_and_no_pr(actions_env: ActionsEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    actions_env.fake.missing_issues.add(7)
    assert "404" in post_or_fallback("x", kind="diff").reason
    monkeypatch.delenv("GITHUB_TOKEN")
    assert "no GitHub token" in post_or_fallback("x", kind="diff").reason
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    actions_env.event_path.write_text('{"ref": "refs/heads/main"}')
    result = post_or_fallback("push body", kind="diff", summary_markdown="# full report")
    assert result.reason == "not a pull-request event"
    assert actions_env.summary_text().endswith("# full report\n")


def test_success_uses_event_pr_and_other_errors_propagate(actions_env: ActionsEnv) -> None:
    ok = post_or_fallback("hello", kind="diff", label="prod")
    assert ok.action == "created" and ok.url and "/acme/ivr/pull/7#" in ok.url
    assert actions_env.summary_text() == ""
    actions_env.fake.inject(500, count=10, method="GET")
    with pytest.raises(GitHubError):
        post_or_fallback("again", kind="diff", label="prod",
                         client=GitHubClient(base_url=actions_env.fake.base_url, sleep=lambda s: None))
