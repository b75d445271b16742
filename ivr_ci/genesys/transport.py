"""HTTP transport: bearer token, client-side rate limit, retries, typed errors, logging.

Log lines (logger `ivr_ci.genesys`) carry method, path (never the query string), status,
attempt and wait; never headers or bodies. Thread-safe: one `requests.Session` per thread.

Every secret the process obtains (the client secret, its Basic header, each access token)
goes through `protect`: scrubbed from every message and, under GitHub Actions, masked in the
job log. Connection failures that retrying cannot fix (DNS, refused, TLS, proxy) fail at once
with what to check (ivr_ci.genesys.diagnose); resets and timeouts are retried.
"""

from __future__ import annotations

import base64
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.util import SKIP_HEADER

from ivr_ci import __version__
from ivr_ci.genesys import diagnose
from ivr_ci.genesys.auth import Credentials, TokenCache
from ivr_ci.genesys.errors import (
    AuthenticationFailed,
    GenesysConnectionError,
    api_error,
    register_secret,
    scrub,
)
from ivr_ci.genesys.policy import RetryPolicy
from ivr_ci.genesys.ratelimit import Limiter, RateLimiter
from ivr_ci.genesys.regions import Endpoints

log = logging.getLogger("ivr_ci.genesys")

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
USER_AGENT = f"ivr-ci/{__version__}"


@dataclass
class TransportStats:
    """Counters since the client was created (read them after a run; thread-safe updates)."""

    requests: int = 0  # HTTP attempts sent (API + login + presigned)
    throttled: int = 0  # 429 answers absorbed or raised
    server_errors: int = 0  # 5xx answers
    connection_errors: int = 0
    retries: int = 0  # attempts that were retries
    unauthorized_refreshes: int = 0  # 401 -> new token -> retry
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def bump(self, name: str, n: int = 1) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + n)


_NOT_RETRYABLE = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
)


def _before_send(exc: BaseException) -> bool:
    """True when the connection failed before the request could reach the server."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        cur = todo.pop()
        if cur is None or id(cur) in seen:
            continue
        seen.add(id(cur))
        name = type(cur).__name__
        if name in ("NewConnectionError", "ConnectTimeoutError", "NameResolutionError", "ConnectionRefusedError"):
            return True
        todo.extend([getattr(cur, "reason", None), cur.__cause__, cur.__context__])
        todo.extend(a for a in getattr(cur, "args", ()) if isinstance(a, BaseException))
    return False


_MASK_LOCK = threading.Lock()


def protect(secret: str | None) -> None:
    """Scrub `secret` from every message from now on and, when GITHUB_ACTIONS=true, mask it in
    the job log with `::add-mask::` (once per value; on stderr, which the runner reads for
    workflow commands too, so a report on stdout stays clean)."""
    if not secret:
        return
    register_secret(secret)
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    from ivr_ci import gha

    with _MASK_LOCK:
        gha.mask_once(secret, stream=sys.stderr)


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _body(resp: requests.Response) -> Any:
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        return resp.text


def _shown(url: str) -> str:
    """What a log line shows of a URL: its path only (query strings may hold signatures)."""
    return urlsplit(url).path or "/"


class _NoAuth(requests.auth.AuthBase):
    """Explicitly no auth: stops requests from adding ~/.netrc credentials."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        return r


class Transport:
    """Sends API calls with retries; see `RetryPolicy` for what is retried when."""

    def __init__(
        self,
        endpoints: Endpoints,
        credentials: Credentials,
        *,
        retry: RetryPolicy | None = None,
        limiter: Limiter | None = None,
        timeout: tuple[float, float] = (10.0, 60.0),
        refresh_margin: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoints = endpoints
        self._credentials = credentials
        self.retry = retry or RetryPolicy()
        self.limiter: Limiter = limiter or RateLimiter(300.0)
        self.timeout = timeout
        self.tokens = TokenCache(refresh_margin, clock=clock)
        self.stats = TransportStats()
        self._sleep = sleep
        self._clock = clock
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        basic = f"{credentials.client_id}:{credentials.client_secret.reveal()}".encode()
        protect(credentials.client_secret.reveal())
        protect(base64.b64encode(basic).decode())

    def __repr__(self) -> str:
        return f"Transport(api_base={self.endpoints.api_base!r}, client={self._credentials!r})"

    # --- sessions -------------------------------------------------------------------------
    def _session(self, plain: bool = False) -> requests.Session:
        attr = "plain" if plain else "api"
        session: requests.Session | None = getattr(self._local, attr, None)
        if session is None:
            session = requests.Session()
            if plain:
                session.headers.clear()  # presigned URLs get exactly the headers we pass
            else:
                session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
            setattr(self._local, attr, session)
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()

    # --- token ------------------------------------------------------------------------------
    def token(self) -> str:
        return self.tokens.get(self._fetch_token)

    def _fetch_token(self) -> tuple[str, float | None]:
        creds = self._credentials
        resp = self._run(
            "POST",
            self.endpoints.token_url,
            safe=True,
            use_token=False,
            use_limiter=False,
            auth=(creds.client_id, creds.client_secret.reveal()),
            data={"grant_type": "client_credentials"},
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        body = _body(resp)
        if resp.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
            err = api_error(resp.status_code, body, method="POST", path=_shown(self.endpoints.token_url))
            raise AuthenticationFailed(
                err.status, f"token request refused: {err.message or 'no access_token in the answer'}",
                code=err.code, context_id=err.context_id, method="POST", path=err.path, body=err.body,
                hint=diagnose.auth_hint(err.status, "POST", err.path, creds.variables, self.endpoints,
                                        token_request=True),
            )
        token = str(body["access_token"])
        protect(token)
        expires = body.get("expires_in")
        return token, float(expires) if isinstance(expires, (int, float)) else None

    # --- public calls -------------------------------------------------------------------------
    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        if not path.startswith("/"):
            path = "/" + path
        return self.endpoints.api_base + path

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        safe: bool | None = None,
        accept: tuple[int, ...] = (),
    ) -> requests.Response:
        """One API call. `safe` says whether 5xx/connection errors may be retried (default:
        idempotent methods). Error statuses raise typed errors unless listed in `accept`."""
        method = method.upper()
        is_safe = method in IDEMPOTENT if safe is None else safe
        url = self.url(path)
        resp = self._run(method, url, safe=is_safe, params=_params(params), json=json, data=data,
                         headers=dict(headers or {}))
        if resp.status_code >= 400 and resp.status_code not in accept:
            shown = _shown(url)
            hint = diagnose.auth_hint(resp.status_code, method, shown, self._credentials.variables, self.endpoints,
                                      token_request=False) if resp.status_code in (401, 403) else None
            raise api_error(resp.status_code, _body(resp), method=method, path=shown, reason=resp.reason or "",
                            retry_after=_retry_after(resp), hint=hint)
        return resp

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """`request()` and return the parsed JSON body (None when empty)."""
        return _body(self.request(method, path, **kwargs))

    def plain(
        self,
        method: str,
        url: str,
        *,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        max_total: float | None = None,
    ) -> requests.Response:
        """A call to a presigned URL (upload/download): no bearer token, no default headers,
        exactly `headers`; retried (idempotent PUT/GET) within `max_total` seconds."""
        sent = dict(headers or {})
        lower = {k.lower() for k in sent}
        for name in ("User-Agent", "Accept-Encoding"):
            if name.lower() not in lower:
                sent[name] = SKIP_HEADER
        resp = self._run(method.upper(), url, safe=True, use_token=False, use_limiter=False, plain=True,
                         data=data, headers=sent, auth=_NoAuth(), max_total=max_total)
        if resp.status_code >= 400:
            raise api_error(resp.status_code, _body(resp), method=method.upper(), path=_shown(url),
                            reason=resp.reason or "")
        return resp

    # --- the retry loop ------------------------------------------------------------------------
    def _run(
        self,
        method: str,
        url: str,
        *,
        safe: bool,
        use_token: bool = True,
        use_limiter: bool = True,
        plain: bool = False,
        max_total: float | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        policy = self.retry
        path = _shown(url)
        deadline = self._clock() + (policy.max_total if max_total is None else max_total)
        attempt = failures = 0
        refreshed = False
        while True:
            attempt += 1
            sent = dict(headers or {})
            token = None
            if use_token:
                token = self.token()
                sent["Authorization"] = f"Bearer {token}"
            waited = self.limiter.acquire() if use_limiter else 0.0
            if attempt > 1:
                self.stats.bump("retries")
            self.stats.bump("requests")
            try:
                resp = self._session(plain).request(method, url, headers=sent, timeout=self.timeout, **kwargs)
            except requests.RequestException as exc:
                self.stats.bump("connection_errors")
                reason = scrub(type(exc).__name__ + ": " + str(exc))[:300]
                if isinstance(exc, _NOT_RETRYABLE):
                    raise GenesysConnectionError(f"{method} {path}: {reason}") from None
                kind = diagnose.classify(exc)
                if kind in diagnose.FAIL_FAST:  # configuration, not luck: a retry answers the same
                    log.info("%s %s -> %s, attempt %d, not retried", method, path, kind, attempt)
                    raise GenesysConnectionError(
                        f"{method} {path}: {scrub(diagnose.connection_message(kind, exc, url, self.endpoints))}"
                    ) from None
                failures += 1
                wait = policy.backoff(failures)
                if not (safe or _before_send(exc)):
                    log.warning("%s %s -> connection error, attempt %d, not retried (not idempotent)",
                                method, path, attempt)
                    raise GenesysConnectionError(f"{method} {path}: {reason} (not retried: the call is not "
                                                 "idempotent and may have reached the server)") from None
                # a host that lets connections time out three times is not coming back within the budget
                limit = min(policy.max_attempts, 3) if kind == diagnose.CONNECT_TIMEOUT else policy.max_attempts
                if failures >= limit or self._clock() + wait > deadline:
                    log.warning("%s %s -> connection error, attempt %d, giving up", method, path, attempt)
                    raise GenesysConnectionError(
                        f"{method} {path}: {reason} (gave up after {attempt} attempts; "
                        f"{diagnose.where_to_check(self.endpoints)}; {diagnose.proxy_note()})") from None
                log.info("%s %s -> connection error, attempt %d, retry in %.2fs", method, path, attempt, wait)
                self._sleep(wait)
                continue
            status = resp.status_code
            log.debug("%s %s -> %d, attempt %d, waited %.2fs", method, path, status, attempt, waited)
            if status == 429 or (status == 400 and not use_token and _token_throttled(resp)):
                self.stats.bump("throttled")
                retry_after = _retry_after(resp)
                wait = retry_after if retry_after is not None else policy.retry_after_default
                if use_limiter:
                    self.limiter.on_throttled(wait)
                if wait > policy.retry_after_cap or self._clock() + wait > deadline:
                    log.warning("%s %s -> %d, attempt %d, Retry-After %.2fs exceeds the retry budget",
                                method, path, status, attempt, wait)
                    return resp
                log.info("%s %s -> %d, attempt %d, retry in %.2fs", method, path, status, attempt, wait)
                resp.close()
                self._sleep(wait)
                continue
            if status == 401 and use_token and not refreshed:
                refreshed = True
                self.stats.bump("unauthorized_refreshes")
                self.tokens.invalidate(token)
                log.info("%s %s -> 401, attempt %d, refreshing the token and retrying once", method, path, attempt)
                resp.close()
                continue
            if status >= 500:
                self.stats.bump("server_errors")
            if status in policy.retry_statuses and safe:
                failures += 1
                wait = policy.backoff(failures)
                if failures >= policy.max_attempts or self._clock() + wait > deadline:
                    log.warning("%s %s -> %d, attempt %d, giving up", method, path, status, attempt)
                    return resp
                log.info("%s %s -> %d, attempt %d, retry in %.2fs", method, path, status, attempt, wait)
                resp.close()
                self._sleep(wait)
                continue
            if use_limiter and status < 400:
                self.limiter.on_success()
            return resp


def _token_throttled(resp: requests.Response) -> bool:
    """Token issuance throttling: 400 invalid_request 'rate limit exceeded; ...' (TF provider)."""
    body = _body(resp)
    return isinstance(body, dict) and "rate limit exceeded" in str(body.get("error_description") or "").lower()


def _params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Drop None values; booleans as `true`/`false`; lists stay lists (repeated keys)."""
    if not params:
        return None
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (list, tuple, set, frozenset)):
            out[key] = [str(v) for v in value]
        else:
            out[key] = value
    return out
