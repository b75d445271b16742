"""pytest plugin: the loopback fake GitHub and a simulated Actions environment.

Loaded by tests/conftest.py (`pytest_plugins = ["tests.conftest_github", ...]`). Fixtures:

* `fake_github` -> `FakeGitHub` (running; `.base_url`, `.comments(issue)`, `.requests`,
  `.violations`, `.forbid_writes`, ...); stopped afterwards, and the test FAILS if any request
  or response broke the OpenAPI subset.
* `actions_env` -> `ActionsEnv`: env vars of a `pull_request` job on PR #7 of `acme/ivr`
  pointing at `fake_github` (GITHUB_ACTIONS, GITHUB_API_URL, GITHUB_TOKEN, GITHUB_REPOSITORY,
  GITHUB_EVENT_PATH, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_ENV, GITHUB_PATH).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fake_github import FakeGitHub, start_fake_github

PR_REPO = "acme/ivr"
PR_NUMBER = 7
FAKE_TOKEN = "ghs_fakeTokenValue0123456789"


@pytest.fixture()
def fake_github() -> Iterator[FakeGitHub]:
    fake = start_fake_github()
    try:
        yield fake
    finally:
        fake.stop()
    assert fake.violations == [], "fake GitHub saw traffic outside the OpenAPI subset"


@dataclass
class ActionsEnv:
    fake: FakeGitHub
    repo: str
    number: int
    token: str
    event_path: Path
    output: Path
    summary: Path
    env_file: Path
    path_file: Path

    def summary_text(self) -> str:
        return self.summary.read_text(encoding="utf-8")

    def output_text(self) -> str:
        return self.output.read_text(encoding="utf-8")


def write_pr_event(path: Path, repo: str = PR_REPO, number: int = PR_NUMBER) -> Path:
    owner = repo.split("/")[0]
    event = {
        "action": "synchronize",
        "number": number,
        "pull_request": {"number": number, "head": {"ref": "feature", "sha": "a" * 40},
                         "base": {"ref": "main", "sha": "b" * 40}},
        "repository": {"full_name": repo, "name": repo.split("/")[1], "owner": {"login": owner}},
    }
    path.write_text(json.dumps(event), encoding="utf-8")
    return path


@pytest.fixture()
def actions_env(fake_github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ActionsEnv:
    files = {name: tmp_path / f"gh_{name}" for name in ("output", "summary", "env", "path")}
    for f in files.values():
        f.write_text("")
    event = write_pr_event(tmp_path / "event.json")
    env = {
        "GITHUB_ACTIONS": "true", "GITHUB_API_URL": fake_github.base_url, "GITHUB_TOKEN": FAKE_TOKEN,
        "GITHUB_REPOSITORY": PR_REPO, "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(event),
        "GITHUB_OUTPUT": str(files["output"]), "GITHUB_STEP_SUMMARY": str(files["summary"]),
        "GITHUB_ENV": str(files["env"]), "GITHUB_PATH": str(files["path"]),
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return ActionsEnv(fake_github, PR_REPO, PR_NUMBER, FAKE_TOKEN, event, files["output"],
                      files["summary"], files["env"], files["path"])
