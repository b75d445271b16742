"""A small GitHub REST client over `requests` (imported lazily, only here).

* base URL from the argument, else `$GITHUB_API_URL`, else https://api.github.com (GHES-safe);
* token from the argument, else `$GITHUB_TOKEN`; it is sent as `Authorization: Bearer`, never
  logged, never part of a repr or exception text;
* pagination follows the `Link: <…>; rel="next"` header (only on the API's own scheme+host);
* retries 5xx (not for POST, which is not idempotent) and rate limits (403/429 with
  `Retry-After`, a "secondary rate limit" message or `X-RateLimit-Remaining: 0`), waiting
  `Retry-After` seconds (capped) or an exponential back-off;
* failures raise typed errors, subclasses of `ivr_ci.errors.OperationFailed` (exit 1).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from ivr_ci import __version__
from ivr_ci.errors import OperationFailed

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
_RETRY_5XX = frozenset({500, 502, 503, 504})


class GitHubError(OperationFailed):
    """A GitHub API call failed; `status` is the HTTP status (0 for a connection failure)."""

    def __init__(self, status: int, message: str, method: str = "", path: str = "") -> None:
        self.status = status
        self.api_message = message
        self.method = method
        self.path = path
        where = f"{method} {path}: " if method else ""
        super().__init__(f"GitHub API {where}{status} {message}".strip())


class GitHubForbidden(GitHubError):
    """403 (not a rate limit): e.g. a read-only token on a fork PR, missing `pull-requests: write`."""


class GitHubNotFound(GitHubError):
    """404: no such repo/issue/comment, or a token that may not see it."""


class GitHubValidationFailed(GitHubError):
    """422: e.g. `Body is too long (maximum is 65536 characters)`."""


class GitHubRateLimited(GitHubError):
    """A primary or secondary rate limit still hit after the retries."""


@dataclass
class Response:
    status: int
    data: Any
    headers: Mapping[str, str]
    links: Mapping[str, Mapping[str, str]]


def _is_rate_limited(status: int, headers: Mapping[str, str], data: Any) -> bool:
    if status == 429:
        return True
    if status != 403:
        return False
    message = str(data.get("message", "")).lower() if isinstance(data, Mapping) else ""
    return (
        "retry-after" in headers
        or "rate limit" in message
        or headers.get("x-ratelimit-remaining") == "0"
    )


class GitHubClient:
    """Minimal REST client; `sleep` is injectable so tests do not wait."""

    def __init__(
        self,
        token: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import requests  # lazily: offline commands never import requests

        self.base_url = (base_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
        self._token = token if token is not None else os.environ.get("GITHUB_TOKEN") or None
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_wait = max_wait
        self._sleep = sleep
        self._requests = requests
        self._session = requests.Session()
        self._session.headers.update({
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"ivr-ci/{__version__}",
        })
        if self._token:
            self._session.headers["Authorization"] = f"Bearer {self._token}"

    def __repr__(self) -> str:  # never the token
        return f"GitHubClient(base_url={self.base_url!r}, token={'***' if self._token else None})"

    @property
    def has_token(self) -> bool:
        return bool(self._token)

    def close(self) -> None:
        self._session.close()

    # ------------------------------------------------------------------ transport
    def _url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return self.base_url + "/" + path_or_url.lstrip("/")

    def request(
        self, method: str, path_or_url: str, *, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> Response:
        """One API call with retries; raises a `GitHubError` subclass on failure."""
        url = self._url(path_or_url)
        shown = urlsplit(url).path
        method = method.upper()
        attempt = 0
        while True:
            try:
                resp = self._session.request(method, url, params=params, json=json, timeout=self.timeout)
            except self._requests.RequestException as exc:
                if attempt < self.max_retries and method != "POST":
                    self._sleep(min(2.0**attempt, self.max_wait))
                    attempt += 1
                    continue
                raise GitHubError(0, f"connection failed: {type(exc).__name__}", method, shown) from None
            data = _json_or_none(resp)
            headers = {k.lower(): v for k, v in resp.headers.items()}
            status = resp.status_code
            if status < 400:
                return Response(status, data, headers, resp.links)
            limited = _is_rate_limited(status, headers, data)
            retryable = limited or (status in _RETRY_5XX and method != "POST")
            if retryable and attempt < self.max_retries:
                self._sleep(self._wait_for(headers, attempt))
                attempt += 1
                continue
            raise _error(status, data, method, shown, limited)

    def _wait_for(self, headers: Mapping[str, str], attempt: int) -> float:
        retry_after = headers.get("retry-after", "")
        if retry_after.strip().isdigit():
            return min(float(retry_after), self.max_wait)
        if headers.get("x-ratelimit-remaining") == "0" and headers.get("x-ratelimit-reset", "").isdigit():
            return min(max(float(headers["x-ratelimit-reset"]) - time.time(), 1.0), self.max_wait)
        return min(2.0**attempt, self.max_wait)

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """Yield the items of every page, following `Link: rel="next"` on our own host only."""
        base = urlsplit(self.base_url)
        url: str | None = self._url(path)
        query: Mapping[str, Any] | None = params
        while url:
            resp = self.request("GET", url, params=query)
            if not isinstance(resp.data, list):
                raise GitHubError(resp.status, "expected a JSON array page", "GET", urlsplit(url).path)
            yield from resp.data
            nxt = resp.links.get("next", {}).get("url")
            if nxt and (urlsplit(nxt).scheme, urlsplit(nxt).netloc) != (base.scheme, base.netloc):
                raise GitHubError(resp.status, "pagination link leaves the API host", "GET", urlsplit(url).path)
            url, query = nxt, None  # the next URL carries the query

    # ------------------------------------------------------------------ operations
    @staticmethod
    def _repo_path(repo: str) -> str:
        owner, _, name = repo.partition("/")
        if not owner or not name or "/" in name:
            raise ValueError(f"repository must be 'owner/name', not {repo!r}")
        return f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"

    def list_issue_comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        """Every comment of an issue/PR conversation (all pages, ascending id)."""
        return list(self.paginate(f"{self._repo_path(repo)}/issues/{int(number)}/comments", {"per_page": 100}))

    def create_issue_comment(self, repo: str, number: int, body: str) -> dict[str, Any]:
        resp = self.request("POST", f"{self._repo_path(repo)}/issues/{int(number)}/comments", json={"body": body})
        return resp.data

    def update_issue_comment(self, repo: str, comment_id: int, body: str) -> dict[str, Any]:
        resp = self.request(
            "PATCH", f"{self._repo_path(repo)}/issues/comments/{int(comment_id)}", json={"body": body}
        )
        return resp.data

    def delete_issue_comment(self, repo: str, comment_id: int) -> None:
        self.request("DELETE", f"{self._repo_path(repo)}/issues/comments/{int(comment_id)}")

    def list_pull_files(self, repo: str, number: int) -> list[dict[str, Any]]:
        """The PR's changed files (`diff-entry` objects, all pages; GitHub caps at 3,000)."""
        return list(self.paginate(f"{self._repo_path(repo)}/pulls/{int(number)}/files", {"per_page": 100}))

    # ---- deployments (docs.github.com/rest/deployments): promote's state that outlives the runner
    def create_deployment(self, repo: str, *, ref: str, environment: str, task: str, payload: Mapping[str, Any],
                          description: str = "", production_environment: bool | None = None) -> dict[str, Any]:
        """`auto_merge: false` (never merge into the deployed ref), `required_contexts: []` (the
        workflow's own checks gated the job). A 409 (merge conflict) or 202 (merge) cannot happen
        with auto_merge off; anything but 201 is an error."""
        body: dict[str, Any] = {"ref": ref, "environment": environment, "task": task, "payload": dict(payload),
                                "description": description, "auto_merge": False, "required_contexts": []}
        if production_environment is not None:
            body["production_environment"] = production_environment
        resp = self.request("POST", f"{self._repo_path(repo)}/deployments", json=body)
        if resp.status != 201 or not isinstance(resp.data, Mapping) or "id" not in resp.data:
            raise GitHubError(resp.status, "deployment not created", "POST", f"{self._repo_path(repo)}/deployments")
        return dict(resp.data)

    def create_deployment_status(self, repo: str, deployment_id: int, state: str, *, environment: str | None = None,
                                 description: str = "", log_url: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"state": state, "description": description}
        if environment:
            body["environment"] = environment
        if log_url:
            body["log_url"] = log_url
        path = f"{self._repo_path(repo)}/deployments/{int(deployment_id)}/statuses"
        return dict(self.request("POST", path, json=body).data or {})

    def list_deployments(self, repo: str, *, environment: str | None = None, task: str | None = None) -> list[dict[str, Any]]:
        """Every deployment (all pages, newest first as GitHub orders them)."""
        params: dict[str, Any] = {"per_page": 100}
        if environment:
            params["environment"] = environment
        if task:
            params["task"] = task
        return list(self.paginate(f"{self._repo_path(repo)}/deployments", params))

    def list_deployment_statuses(self, repo: str, deployment_id: int) -> list[dict[str, Any]]:
        """The statuses of one deployment, newest first."""
        return list(self.paginate(f"{self._repo_path(repo)}/deployments/{int(deployment_id)}/statuses",
                                  {"per_page": 100}))

    def changed_paths(self, repo: str, number: int) -> list[str]:
        """Changed file paths of a PR; a rename contributes both its old and new path."""
        out: list[str] = []
        for entry in self.list_pull_files(repo, number):
            if entry.get("previous_filename"):
                out.append(entry["previous_filename"])
            out.append(entry["filename"])
        return out


def _json_or_none(resp: Any) -> Any:
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        return None


def _error(status: int, data: Any, method: str, path: str, limited: bool) -> GitHubError:
    message = str(data.get("message", "")) if isinstance(data, Mapping) else ""
    if isinstance(data, Mapping) and isinstance(data.get("errors"), list):
        details = [str(e.get("message") or e.get("code")) for e in data["errors"] if isinstance(e, Mapping)]
        message = "; ".join([message, *details]) if details else message
    cls: type[GitHubError] = GitHubError
    if limited:
        cls = GitHubRateLimited
    elif status == 403:
        cls = GitHubForbidden
    elif status == 404:
        cls = GitHubNotFound
    elif status == 422:
        cls = GitHubValidationFailed
    return cls(status, message or "error", method, path)
