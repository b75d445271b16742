"""GitHubClient against the loopback fake GitHub (every call checked against the OpenAPI subset)."""

from __future__ import annotations

import pytest

from ivr_ci.errors import OperationFailed
from ivr_ci.github.client import (
    GitHubClient,
    GitHubError,
    GitHubForbidden,
    GitHubNotFound,
    GitHubRateLimited,
    GitHubValidationFailed,
)
from tests.fake_github import FakeGitHub, start_fake_github

REPO = "acme/ivr"
TOKEN = "ghs_superSecretToken42"


def client_for(fake: FakeGitHub, sleeps: list[float] | None = None, **kw: object) -> GitHubClient:
    return GitHubClient(token=TOKEN, base_url=fake.base_url,
                        sleep=(sleeps.append if sleeps is not None else lambda s: None), **kw)


def test_base_url_and_token_from_env(monkeypatch: pytest.MonkeyPatch, fake_github: FakeGitHub) -> None:
    monkeypatch.setenv("GITHUB_API_URL", fake_github.base_url + "/")
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    client = GitHubClient()
    assert client.base_url == fake_github.base_url and client.has_token
    assert TOKEN not in repr(client)
    client.create_issue_comment(REPO, 1, "hi")
    assert fake_github.requests[-1].authorized
    monkeypatch.delenv("GITHUB_API_URL")
    monkeypatch.delenv("GITHUB_TOKEN")
    assert GitHubClient().base_url == "https://api.github.com"
    assert not GitHubClient().has_token


def test_pagination_follows_link_across_all_pages(fake_github: FakeGitHub) -> None:
    for i in range(250):
        fake_github.seed_comment(REPO, 7, f"comment {i}")
    comments = client_for(fake_github).list_issue_comments(REPO, 7)
    assert [c["body"] for c in comments] == [f"comment {i}" for i in range(250)]
    pages = [r for r in fake_github.requests if r.method == "GET"]
    assert len(pages) == 3  # per_page=100, then the Link's next URLs
    assert pages[1].query["page"] == ["2"] and pages[2].query["page"] == ["3"]


def test_pagination_refuses_foreign_host(fake_github: FakeGitHub) -> None:
    for i in range(3):
        fake_github.seed_comment(REPO, 7, f"c{i}")
    client = client_for(fake_github)
    client.base_url = client.base_url.replace("127.0.0.1", "localhost")  # links now look foreign
    with pytest.raises(GitHubError, match="leaves the API host"):
        list(client.paginate(f"/repos/{REPO}/issues/7/comments", {"per_page": 1}))


def test_crud_roundtrip(fake_github: FakeGitHub) -> None:
    client = client_for(fake_github)
    made = client.create_issue_comment(REPO, 3, "first")
    assert made["user"]["login"] == "github-actions[bot]" and made["html_url"].endswith(f"-{made['id']}")
    updated = client.update_issue_comment(REPO, made["id"], "second")
    assert updated["body"] == "second" and updated["updated_at"] > made["updated_at"]
    client.delete_issue_comment(REPO, made["id"])
    assert fake_github.comments(3) == []


def test_list_pull_files_paginated_and_renames(fake_github: FakeGitHub) -> None:
    files: list[str | dict] = [f"flows/f{i}.yaml" for i in range(120)]
    files.append({"filename": "flows/new.yaml", "previous_filename": "flows/old.yaml", "status": "renamed"})
    fake_github.set_pr_files(REPO, 9, files)
    client = client_for(fake_github)
    assert len(client.list_pull_files(REPO, 9)) == 121
    paths = client.changed_paths(REPO, 9)
    assert paths[-2:] == ["flows/old.yaml", "flows/new.yaml"] and len(paths) == 122


def test_retries_5xx_with_backoff(fake_github: FakeGitHub) -> None:
    fake_github.seed_comment(REPO, 7, "x")
    fake_github.inject(503, count=2)
    sleeps: list[float] = []
    assert len(client_for(fake_github, sleeps).list_issue_comments(REPO, 7)) == 1
    assert sleeps == [1.0, 2.0]
    assert len(fake_github.deviations) == 2  # 503 is not declared for list-comments


def test_secondary_rate_limit_honours_retry_after(fake_github: FakeGitHub) -> None:
    fake_github.inject(403, count=1, retry_after=7, method="POST")
    sleeps: list[float] = []
    client_for(fake_github, sleeps).create_issue_comment(REPO, 7, "x")
    assert sleeps == [7.0] and len(fake_github.comments(7)) == 1


def test_retry_after_is_capped_and_retries_bounded(fake_github: FakeGitHub) -> None:
    fake_github.inject(429, count=10, retry_after=3600)
    sleeps: list[float] = []
    with pytest.raises(GitHubRateLimited):
        client_for(fake_github, sleeps, max_retries=2, max_wait=5).list_issue_comments(REPO, 7)
    assert sleeps == [5.0, 5.0]


def test_post_is_not_retried_on_5xx(fake_github: FakeGitHub) -> None:
    fake_github.inject(502, count=1, method="POST")
    with pytest.raises(GitHubError) as info:
        client_for(fake_github).create_issue_comment(REPO, 7, "x")
    assert info.value.status == 502 and fake_github.comments(7) == []


def test_typed_errors_never_contain_the_token(fake_github: FakeGitHub) -> None:
    client = client_for(fake_github)
    fake_github.forbid_writes = True
    with pytest.raises(GitHubForbidden) as forbidden:
        client.create_issue_comment(REPO, 7, "x")
    assert "Resource not accessible by integration" in str(forbidden.value)
    assert isinstance(forbidden.value, OperationFailed) and forbidden.value.exit_code == 1
    fake_github.forbid_writes = False
    fake_github.missing_issues.add(8)
    with pytest.raises(GitHubNotFound):
        client.list_issue_comments(REPO, 8)
    with pytest.raises(GitHubValidationFailed, match="Body is too long"):
        client.create_issue_comment(REPO, 7, "x" * 70000)
    for exc in (forbidden.value,):
        assert TOKEN not in str(exc) and TOKEN not in repr(exc)


def test_connection_failure_is_typed() -> None:
    fake = start_fake_github()
    url = fake.base_url
    fake.stop()
    sleeps: list[float] = []
    client = GitHubClient(token=TOKEN, base_url=url, sleep=sleeps.append, max_retries=1, timeout=2)
    with pytest.raises(GitHubError, match="connection failed") as info:
        client.list_issue_comments(REPO, 1)
    assert info.value.status == 0 and sleeps == [1.0] and TOKEN not in str(info.value)


def test_ghes_prefix() -> None:
    fake = start_fake_github(prefix="/api/v3")
    try:
        client = GitHubClient(token=TOKEN, base_url=fake.base_url)
        for i in range(3):
            fake.seed_comment(REPO, 2, str(i))
        assert [c["body"] for c in client.list_issue_comments(REPO, 2)] == ["0", "1", "2"]
        assert fake.requests[0].path == "/api/v3/repos/acme/ivr/issues/2/comments"
        assert fake.violations == []
    finally:
        fake.stop()


def test_repo_must_be_owner_slash_name(fake_github: FakeGitHub) -> None:
    with pytest.raises(ValueError):
        client_for(fake_github).list_issue_comments("just-a-name", 1)


def test_since_filters_by_update_time(fake_github: FakeGitHub) -> None:
    old = fake_github.seed_comment(REPO, 4, "old")
    new = fake_github.seed_comment(REPO, 4, "new")
    client = client_for(fake_github)
    got = list(client.paginate(f"/repos/{REPO}/issues/4/comments", {"since": new["updated_at"]}))
    assert [c["id"] for c in got] == [new["id"]] and old["updated_at"] < new["updated_at"]
