"""A loopback fake GitHub REST server for tests and benches (stdlib `ThreadingHTTPServer`, no
requests); test support, not part of the package.

Serves the ten operations of `github-openapi-subset.json` (issue comments: list, create, get,
update, delete; PR files: list; deployments: create, list; deployment statuses: create, list)
statefully, with GitHub-style pagination (`per_page` ≤ 100,
`page`, `Link` header with first/prev/next/last). EVERY request and EVERY response is checked
against the OpenAPI subset with `tests/openapi_check.py`; problems are appended to
`fake.violations` (tests assert it stays `[]`).

Knobs (plain attributes, change them any time):
* `forbid_writes = True`: POST/PATCH/DELETE answer 403 "Resource not accessible by integration"
  (fork PR with a read-only token);
* `missing_issues = {7}`: that issue/PR answers 404;
* `default_user` / `add_token(token, login, type)`: who the token authenticates as (the
  author of comments it creates); `seed_comment(...)` plants comments by anyone;
* `inject(status, count=1, retry_after=None, method=None)`: the next matching requests fail
  (5xx, secondary rate limits) before normal handling;
* `set_pr_files(number, [...])`: the PR's changed files;
* `deployments(repo)`: the deployments created (newest first), each with its `statuses`.

Real GitHub answers 403/404 on PATCH/DELETE and injected faults where the subset declares no such
status; those responses are recorded in `fake.deviations` instead of `violations`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.openapi_check import OpenApiDoc, reference_path

DOCS = "https://docs.github.com/rest"
BODY_LIMIT = 65536


def _user(login: str, user_type: str, uid: int) -> dict[str, Any]:
    url = f"https://api.github.com/users/{login}"
    return {
        "login": login, "id": uid, "node_id": f"U_{uid}", "avatar_url": f"https://avatars.example/{uid}",
        "gravatar_id": "", "url": url, "html_url": f"https://github.com/{login}",
        "followers_url": url + "/followers", "following_url": url + "/following{/other_user}",
        "gists_url": url + "/gists{/gist_id}", "starred_url": url + "/starred{/owner}{/repo}",
        "subscriptions_url": url + "/subscriptions", "organizations_url": url + "/orgs",
        "repos_url": url + "/repos", "events_url": url + "/events{/privacy}",
        "received_events_url": url + "/received_events", "type": user_type, "site_admin": False,
    }


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    authorized: bool  # an Authorization header was present (its value is never recorded)
    status: int = 0
    login: str = ""  # the user the token authenticated as


@dataclass
class _Fault:
    status: int
    count: int
    retry_after: int | None
    method: str | None


@dataclass
class FakeGitHub:
    """Handle of a running fake; see the module docstring."""

    base_url: str = ""
    prefix: str = ""
    requests: list[RecordedRequest] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    deviations: list[str] = field(default_factory=list)
    forbid_writes: bool = False
    missing_issues: set[int] = field(default_factory=set)
    default_user: tuple[str, str] = ("github-actions[bot]", "Bot")
    _tokens: dict[str, tuple[str, str]] = field(default_factory=dict)
    _issues: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    _files: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    _deployments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # repo -> newest first
    _statuses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # deployment id -> newest first
    _faults: list[_Fault] = field(default_factory=list)
    _next_id: int = 1000
    _clock: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _doc: OpenApiDoc | None = None

    # ------------------------------------------------------------------ test API
    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def add_token(self, token: str, login: str, user_type: str = "User") -> None:
        self._tokens[token] = (login, user_type)

    def comments(self, issue: int, repo: str = "") -> list[dict[str, Any]]:
        """The comments of an issue (of `repo`, or of any repo when only one has that number)."""
        with self._lock:
            return [dict(c) for (r, n), cs in self._issues.items() if n == issue and repo in ("", r) for c in cs]

    def seed_comment(self, repo: str, issue: int, body: str, login: str = "octocat",
                     user_type: str = "User", app: bool = False) -> dict[str, Any]:
        with self._lock:
            return dict(self._create(repo, issue, body, (login, user_type), app))

    def set_pr_files(self, repo: str, number: int, files: list[str | dict[str, Any]]) -> None:
        entries = []
        for i, f in enumerate(files):
            entry = {"filename": f, "status": "modified"} if isinstance(f, str) else dict(f)
            name = entry["filename"]
            raw = f"https://github.com/{repo}/raw/abc/{name}"
            entries.append({
                "sha": f"{i:040x}", "status": "modified", "additions": 1, "deletions": 0, "changes": 1,
                "blob_url": raw.replace("/raw/", "/blob/"), "raw_url": raw,
                "contents_url": f"{self.base_url}/repos/{repo}/contents/{name}?ref=abc", **entry,
            })
        self._files[(repo, number)] = entries

    def deployments(self, repo: str) -> list[dict[str, Any]]:
        with self._lock:
            return [{**d, "statuses": [dict(s) for s in self._statuses.get(d["id"], [])]}
                    for d in self._deployments.get(repo, [])]

    def inject(self, status: int, count: int = 1, retry_after: int | None = None,
               method: str | None = None) -> None:
        self._faults.append(_Fault(status, count, retry_after, method.upper() if method else None))

    # ------------------------------------------------------------------ state
    def _now(self) -> str:
        self._clock += 1
        s = self._clock
        return f"2024-05-01T{s // 3600 % 24:02d}:{s // 60 % 60:02d}:{s % 60:02d}Z"

    def _create(self, repo: str, issue: int, body: str, who: tuple[str, str], app: bool = False) -> dict[str, Any]:
        self._next_id += 1
        cid, now = self._next_id, self._now()
        api = f"{self.base_url}/repos/{repo}"
        comment = {
            "id": cid, "node_id": f"IC_{cid}", "url": f"{api}/issues/comments/{cid}",
            "html_url": f"https://github.com/{repo}/pull/{issue}#issuecomment-{cid}",
            "issue_url": f"{api}/issues/{issue}", "body": body,
            "user": _user(who[0], who[1], 41898282 if who[1] == "Bot" else 1000 + len(who[0])),
            "created_at": now, "updated_at": now, "author_association": "NONE",
            "performed_via_github_app": None,
        }
        if app:
            comment["performed_via_github_app"] = {
                "id": 15368, "slug": "github-actions", "node_id": "A_1", "name": "GitHub Actions",
                "description": "", "external_url": "https://help.github.com/en/actions",
                "html_url": "https://github.com/apps/github-actions", "created_at": now, "updated_at": now,
                "owner": _user("github", "Organization", 9919), "permissions": {}, "events": [],
            }
        self._issues.setdefault((repo, issue), []).append(comment)
        return comment

    def _find(self, repo: str, cid: int) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
        for (r, _), cs in self._issues.items():
            for c in cs:
                if r == repo and c["id"] == cid:
                    return cs, c
        return None

    # ------------------------------------------------------------------ handling
    def handle(self, method: str, path: str, query: dict[str, list[str]], body: Any,
               token: str | None) -> tuple[int, Any, dict[str, str]]:
        """Route one request (called by the HTTP handler); returns (status, json, headers)."""
        with self._lock:
            for fault in self._faults:
                if fault.count > 0 and fault.method in (None, method):
                    fault.count -= 1
                    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                    msg = "You have exceeded a secondary rate limit." if fault.status in (403, 429) else "Server Error"
                    return fault.status, {"message": msg, "documentation_url": DOCS}, headers
        parts = path.strip("/").split("/")
        if len(parts) >= 4 and parts[0] == "repos" and parts[3] == "deployments":
            with self._lock:
                return self._deployment_call(method, f"{parts[1]}/{parts[2]}", parts[4:], path, query, body,
                                             self._tokens.get(token or "", self.default_user))
        if len(parts) < 5 or parts[0] != "repos":
            return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
        repo = f"{parts[1]}/{parts[2]}"
        who = self._tokens.get(token or "", self.default_user)
        with self._lock:
            if parts[3] == "issues" and parts[4] == "comments" and len(parts) == 6:
                return self._comment_by_id(method, repo, parts[5], body)
            if len(parts) == 6 and parts[4].isdigit() and parts[5] in ("comments", "files"):
                number = int(parts[4])
                if number in self.missing_issues:
                    return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
                if parts[3] == "issues" and method == "GET":
                    since = query.get("since", [""])[0]
                    items = [c for c in self._issues.get((repo, number), []) if c["updated_at"] >= since]
                    return self._page(path, query, items)
                if parts[3] == "issues" and method == "POST":
                    if self.forbid_writes:
                        return _forbidden()
                    if err := _body_error(body):
                        return err
                    comment = self._create(repo, number, body["body"], who)
                    return 201, comment, {"Location": comment["url"]}
                if parts[3] == "pulls" and method == "GET":
                    return self._page(path, query, self._files.get((repo, number), []))
        return 404, {"message": "Not Found", "documentation_url": DOCS}, {}

    def _comment_by_id(self, method: str, repo: str, raw_id: str, body: Any) -> tuple[int, Any, dict[str, str]]:
        found = self._find(repo, int(raw_id)) if raw_id.isdigit() else None
        if method in ("PATCH", "DELETE") and self.forbid_writes:
            return _forbidden()
        if found is None:
            return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
        comments, comment = found
        if method == "GET":
            return 200, comment, {}
        if method == "DELETE":
            comments.remove(comment)
            return 204, None, {}
        if method == "PATCH":
            if err := _body_error(body):
                return err
            comment["body"], comment["updated_at"] = body["body"], self._now()
            return 200, comment, {}
        return 404, {"message": "Not Found", "documentation_url": DOCS}, {}

    # ------------------------------------------------------------------ deployments
    def _deployment_call(self, method: str, repo: str, rest: list[str], path: str, query: dict[str, list[str]],
                         body: Any, who: tuple[str, str]) -> tuple[int, Any, dict[str, str]]:
        if not rest:
            if method == "GET":
                items = self._deployments.get(repo, [])
                for key in ("sha", "ref", "task", "environment"):
                    if query.get(key):
                        items = [d for d in items if d.get(key) == query[key][0]]
                return self._page(path, query, items)
            if method == "POST":
                if self.forbid_writes:
                    return _forbidden()
                if not isinstance(body, dict) or not isinstance(body.get("ref"), str) or not body["ref"]:
                    return 422, {"message": "Invalid request.", "documentation_url": DOCS}, {}
                return 201, self._create_deployment(repo, body, who), {}
        elif len(rest) == 2 and rest[0].isdigit() and rest[1] == "statuses":
            did = int(rest[0])
            if not any(d["id"] == did for d in self._deployments.get(repo, [])):
                return 404, {"message": "Not Found", "documentation_url": DOCS}, {}
            if method == "GET":
                return self._page(path, query, self._statuses.get(did, []))
            if method == "POST":
                if self.forbid_writes:
                    return _forbidden()
                states = ("error", "failure", "inactive", "in_progress", "queued", "pending", "success")
                if not isinstance(body, dict) or body.get("state") not in states:
                    return 422, {"message": "Invalid request.", "documentation_url": DOCS}, {}
                if len(str(body.get("description") or "")) > 140:
                    return 422, {"message": "Validation Failed", "documentation_url": DOCS, "errors": [
                        {"resource": "DeploymentStatus", "code": "custom", "field": "description",
                         "message": "description is too long (maximum is 140 characters)"}]}, {}
                return 201, self._create_status(repo, did, body, who), {}
        return 404, {"message": "Not Found", "documentation_url": DOCS}, {}

    def _create_deployment(self, repo: str, body: dict[str, Any], who: tuple[str, str]) -> dict[str, Any]:
        self._next_id += 1
        did, now = self._next_id, _wall_clock()
        api = f"{self.base_url}/repos/{repo}"
        ref = body["ref"]
        sha = ref if len(ref) == 40 and all(c in "0123456789abcdef" for c in ref) else f"{did:040x}"
        env = str(body.get("environment") or "production")
        dep = {
            "url": f"{api}/deployments/{did}", "id": did, "node_id": f"DE_{did}", "sha": sha, "ref": ref,
            "task": str(body.get("task") or "deploy"), "payload": body.get("payload", {}),
            "original_environment": env, "environment": env, "description": body.get("description") or "",
            "creator": _user(who[0], who[1], 41898282 if who[1] == "Bot" else 1000 + len(who[0])),
            "created_at": now, "updated_at": now, "statuses_url": f"{api}/deployments/{did}/statuses",
            "repository_url": api, "transient_environment": bool(body.get("transient_environment", False)),
            "production_environment": bool(body.get("production_environment", env == "production")),
        }
        self._deployments.setdefault(repo, []).insert(0, dep)
        return dict(dep)

    def _create_status(self, repo: str, did: int, body: dict[str, Any], who: tuple[str, str]) -> dict[str, Any]:
        self._next_id += 1
        sid, now = self._next_id, _wall_clock()
        api = f"{self.base_url}/repos/{repo}"
        dep = next(d for d in self._deployments[repo] if d["id"] == did)
        env = str(body.get("environment") or dep["environment"])
        status = {
            "url": f"{api}/deployments/{did}/statuses/{sid}", "id": sid, "node_id": f"DES_{sid}",
            "state": body["state"], "creator": _user(who[0], who[1], 41898282 if who[1] == "Bot" else 1000),
            "description": str(body.get("description") or ""), "environment": env,
            "target_url": str(body.get("target_url") or body.get("log_url") or ""), "created_at": now,
            "updated_at": now, "deployment_url": dep["url"], "repository_url": api,
            "environment_url": str(body.get("environment_url") or ""),
            "log_url": str(body.get("log_url") or body.get("target_url") or ""),
        }
        self._statuses.setdefault(did, []).insert(0, status)
        dep["updated_at"] = now
        return dict(status)

    def _page(self, path: str, query: dict[str, list[str]], items: list[dict[str, Any]]) -> tuple[int, Any, dict[str, str]]:
        try:
            per_page = min(max(int(query.get("per_page", ["30"])[0]), 1), 100)
            page = max(int(query.get("page", ["1"])[0]), 1)
        except ValueError:
            return 422, {"message": "Validation Failed", "documentation_url": DOCS}, {}
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page: page * per_page]

        def link(p: int, rel: str) -> str:
            q = {k: v[0] for k, v in query.items() if k != "page"} | {"per_page": per_page, "page": p}
            return f'<{self.base_url}{path}?{urlencode(q)}>; rel="{rel}"'

        links = []
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        return 200, [dict(i) for i in chunk], ({"Link": ", ".join(links)} if links else {})


def _wall_clock() -> str:
    """Deployments carry real times: audit-report places them in its time range."""
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _forbidden() -> tuple[int, Any, dict[str, str]]:
    return 403, {"message": "Resource not accessible by integration", "documentation_url": DOCS,
                 "status": "403"}, {}


def _body_error(body: Any) -> tuple[int, Any, dict[str, str]] | None:
    if not isinstance(body, dict) or not isinstance(body.get("body"), str):
        return 422, {"message": "Invalid request.", "documentation_url": DOCS}, {}
    if len(body["body"]) > BODY_LIMIT:
        return 422, {"message": "Validation Failed", "documentation_url": DOCS, "errors": [
            {"resource": "IssueComment", "code": "custom", "field": "body",
             "message": f"Body is too long (maximum is {BODY_LIMIT} characters)"}]}, {}
    return None


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK stall
    server_version = "FakeGitHub/1"
    fake: FakeGitHub  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:  # quiet; never log headers
        pass

    def _serve(self) -> None:
        fake = self.fake
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body: Any = None
        problems: list[str] = []
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                problems.append(f"{self.command} {split.path}: request body is not JSON")
        auth = self.headers.get("Authorization", "")
        token = auth.split(" ", 1)[1] if " " in auth else None
        assert fake._doc is not None
        problems += fake._doc.check_request(self.command, split.path, query, body)
        path = split.path[len(fake.prefix):] if split.path.startswith(fake.prefix) else split.path
        status, payload, headers = fake.handle(self.command, path, query, body, token)
        login = fake._tokens.get(token or "", fake.default_user)[0]
        fake.requests.append(RecordedRequest(self.command, split.path, query, body, bool(auth), status, login))
        resp_problems = fake._doc.check_response(self.command, split.path, status, payload)
        # deliberate errors (faults, forbid_writes, 404s) that the subset does not declare for
        # this operation, though real GitHub sends them, are deviations, not violations
        deliberate = status in (403, 404) or status >= 500 or status == 429
        undeclared = [p for p in resp_problems if "not declared" in p]
        fake.violations += problems
        if deliberate and undeclared:
            fake.deviations += undeclared
            resp_problems = [p for p in resp_problems if p not in undeclared]
        fake.violations += resp_problems
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve


def start_fake_github(prefix: str = "", spec_path: str | None = None) -> FakeGitHub:
    """Start a fake on 127.0.0.1 (random port); `prefix` e.g. "/api/v3" mimics GHES."""
    prefix = prefix.rstrip("/")
    fake = FakeGitHub(prefix=prefix)
    fake._doc = OpenApiDoc.load(spec_path or reference_path("github-openapi-subset.json"), strip_prefix=prefix)
    handler = type("FakeGitHubHandler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    fake._server = server
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    fake._thread = threading.Thread(target=server.serve_forever, name="fake-github", daemon=True)
    fake._thread.start()
    return fake
