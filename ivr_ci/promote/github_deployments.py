"""Promote runs as GitHub Deployments: state that outlives the runner.

On GitHub-hosted runners nothing on disk survives the job, so in Actions every apply that
deploys is also recorded as a Deployment of the repository (`POST /repos/{owner}/{repo}/deployments`,
docs.github.com/rest/deployments/deployments) with the ledger entry as its payload, then a
deployment status `in_progress` and, when the run ends, `success` / `failure` / `error`
(docs.github.com/rest/deployments/statuses). The history then shows in the pull request and on
the Environments page, and `audit-report` reads it back as ledger entries when it has no ledger
file (`read_deployments`).

A deployment's payload cannot change after it is created, so it holds the entry as the deploy
starts (outcome `in-progress`, the flows it will change); the final outcome and summary are in
the last status (`description`, e.g. `rolled-back: IVR 02 failed: …`). `auto_merge: false`:
never merge the default branch into the deployed ref; `required_contexts: []`: the workflow's
own checks already gated the job (GitHub Environments' protection rules are the approval step,
docs/promote.md).

Recording never fails a deploy: a token without `deployments: write` gets a warning.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ivr_ci import gha

if TYPE_CHECKING:
    from ivr_ci.github.client import GitHubClient
    from ivr_ci.promote.journal import Journal
    from ivr_ci.promote.ledger import LedgerEntry
    from ivr_ci.promote.settings import EnvSettings

TASK = "deploy:ivr-ci"
DESCRIPTION_LIMIT = 140  # GitHub truncates nothing: longer descriptions are rejected (422)
STATES = {"success": "success", "unchanged": "success", "rolled-back": "failure", "interrupted": "failure",
          "rollback-failed": "error"}


def _token() -> str | None:
    return os.environ.get("GITHUB_TOKEN") or gha.get_input("github-token") or None


def github_environment(env: EnvSettings) -> str:
    """The GitHub environment name: `github_environment:` of the environment, else its name."""
    return str(env.raw.get("github_environment") or env.name)


def recorder_from_environment(env: EnvSettings) -> DeploymentRecorder | None:
    """A recorder in GitHub Actions with a repository and a token; None elsewhere."""
    repo = os.environ.get("GITHUB_REPOSITORY")
    if not gha.in_actions() or not repo or not _token():
        return None
    return DeploymentRecorder(repo, github_environment(env), os.environ.get("GITHUB_SHA"))


def _run_url() -> str | None:
    server, repo, run = (os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None


def _short(text: str) -> str:
    return text if len(text) <= DESCRIPTION_LIMIT else text[:DESCRIPTION_LIMIT - 1] + "…"


@dataclass
class DeploymentRecorder:
    repo: str
    environment: str
    sha: str | None = None

    def _client(self) -> GitHubClient:
        from ivr_ci.github.client import GitHubClient

        token = _token()
        gha.mask(token)
        return GitHubClient(token=token)

    def _warn(self, what: str, exc: Exception) -> None:
        message = f"ivr-ci promote: could not {what} (GitHub Deployments need `deployments: write`): {exc}"
        print(message, file=sys.stderr, flush=True)
        gha.warning(message)

    def start(self, entry: LedgerEntry, journal: Journal | None = None) -> dict[str, Any] | None:
        """Create the deployment (payload: the entry as the deploy starts) and mark it in_progress."""
        ref = self.sha or entry.git_sha
        if not ref:
            return None
        payload = {**entry.to_json(), "outcome": "in-progress", "finishedAt": None}
        if journal is not None and not payload["flows"]:  # what the run is about to change
            payload["flows"] = [{"name": f.name, "type": f.type, "action": f.action, "flowId": f.flow_id,
                                 "previousVersion": f.previous_version, "newVersion": None, "status": "pending"}
                                for f in journal.flows]
        client = self._client()
        try:
            dep = client.create_deployment(
                self.repo, ref=ref, environment=self.environment, task=TASK, payload=payload,
                description=_short(f"ivr-ci promote {entry.environment}: run {entry.run_id}"),
                production_environment=None)
            client.create_deployment_status(self.repo, int(dep["id"]), "in_progress", environment=self.environment,
                                            description=_short(f"deploying {len(payload['flows'])} flow(s)"),
                                            log_url=_run_url())
        except Exception as exc:  # noqa: BLE001 - the file ledger still records the run
            self._warn("record the run as a GitHub Deployment", exc)
            return None
        finally:
            client.close()
        return {"id": int(dep["id"]), "url": dep.get("url"), "environment": self.environment, "state": "in_progress"}

    def finish(self, deployment_id: int, entry: LedgerEntry) -> None:
        state = STATES.get(entry.outcome, "error")
        client = self._client()
        try:
            client.create_deployment_status(self.repo, deployment_id, state, environment=self.environment,
                                            description=_short(f"{entry.outcome}: {entry.summary}"),
                                            log_url=_run_url())
            if entry.github_deployment is not None:
                entry.github_deployment["state"] = state
        except Exception as exc:  # noqa: BLE001
            self._warn(f"set the GitHub Deployment {deployment_id} to {state}", exc)
        finally:
            client.close()


def read_deployments(client: GitHubClient, repo: str, environment: str, ledger_environment: str) -> list[dict[str, Any]]:
    """The environment's ivr-ci deployments as ledger entries (oldest first): the payload, with
    the outcome, summary and finish time from the last final status. A deployment still
    `in_progress` (its runner died) keeps `outcome: in-progress` and no finish time."""
    out = []
    for dep in client.list_deployments(repo, environment=environment, task=TASK):
        payload = dep.get("payload")
        if not isinstance(payload, dict) or payload.get("environment") != ledger_environment:
            continue
        entry = dict(payload)
        statuses = client.list_deployment_statuses(repo, int(dep["id"]))  # newest first
        final = next((s for s in statuses if s.get("state") not in ("in_progress", "queued", "pending")), None)
        if final is not None:
            outcome, _, summary = str(final.get("description") or "").partition(": ")
            entry["outcome"] = outcome if outcome in STATES else {"success": "success"}.get(final["state"], "unknown")
            entry["summary"] = summary or entry.get("summary") or ""
            entry["finishedAt"] = final.get("created_at")
        entry["githubDeployment"] = {"id": dep["id"], "url": dep.get("url"), "environment": environment,
                                     "state": final.get("state") if final else "in_progress"}
        out.append(entry)
    return sorted(out, key=lambda e: str(e.get("startedAt") or ""))


def ledger_from_github(env: EnvSettings) -> tuple[list[dict[str, Any]], str, str] | None:
    """audit-report without a ledger file: (entries, source label, note) read from the GitHub
    Deployments of `$GITHUB_REPOSITORY`, or None when there is no repository or token. A read
    that fails is reported in the note (the report goes on without deployments)."""
    repo, token = os.environ.get("GITHUB_REPOSITORY"), _token()
    if not repo or not token:
        return None
    from ivr_ci.github.client import GitHubClient

    gha.mask(token)
    name = github_environment(env)
    source = f"GitHub Deployments of {repo} (environment {name})"
    client = GitHubClient(token=token)
    try:
        entries = read_deployments(client, repo, name, env.name)
    except Exception as exc:  # noqa: BLE001 - e.g. a token without deployments: read
        return [], source, f"no ledger file and {source} could not be read: {exc}"
    finally:
        client.close()
    return entries, source, f"no ledger file: {len(entries)} deployment(s) read from {source}"
