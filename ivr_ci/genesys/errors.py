"""Typed errors of the Genesys Cloud client.

Every error is an `ivr_ci.errors.OperationFailed`, so the CLI dispatcher prints it as one line
and exits 1. API errors carry what Genesys said (the `ErrorBody`: status, code, message,
contextId). Known secrets (client secret, access tokens) are scrubbed from every message.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from ivr_ci.errors import ConfigError, OperationFailed

_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a secret so that `scrub` removes it from any text (errors, log lines)."""
    if value and len(value) >= 4:
        with _SECRETS_LOCK:
            _SECRETS.add(value)


def scrub(text: str) -> str:
    """Replace every registered secret in `text` with `***`."""
    with _SECRETS_LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return text


class GenesysError(OperationFailed):
    """Base of every error raised by `ivr_ci.genesys`."""

    def __init__(self, message: str) -> None:
        super().__init__(scrub(message))

    def __str__(self) -> str:
        return scrub(super().__str__())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class GenesysConnectionError(GenesysError):
    """The API could not be reached (connection refused/reset, timeout) after the retries."""


class ConfigurationError(GenesysError, ConfigError):
    """Region, base URL or credentials missing or malformed: also an `ivr_ci.errors.ConfigError`
    (exit 2)."""

    exit_code = 2


class GenesysApiError(GenesysError):
    """An HTTP error answer of the Genesys Cloud API.

    Attributes: `status` (HTTP status), `code` (Genesys error code such as `not.found`),
    `message` (Genesys' message), `context_id` (the correlation id, `contextId` in the body;
    quote it to Genesys support), `method`, `path` and `body` (the parsed error body, a dict).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        context_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
        body: Mapping[str, Any] | None = None,
        retry_after: float | None = None,
        hint: str | None = None,
    ) -> None:
        self.status = status
        self.hint = hint
        self.code = code
        self.message = scrub(message)
        self.context_id = context_id
        self.method = method
        self.path = path
        self.body: dict[str, Any] = dict(body or {})
        self.retry_after = retry_after
        where = f"{method} {path}: " if method and path else ""
        text = f"{where}HTTP {status}"
        if code:
            text += f" {code}"
        if message:
            text += f": {message}"
        if context_id:
            text += f" (contextId {context_id})"
        if hint:
            text += f"; {hint}"
        super().__init__(text)

    @property
    def contextId(self) -> str | None:  # noqa: N802 - the Genesys field name
        return self.context_id

    @property
    def details(self) -> list[dict[str, Any]]:
        return list(self.body.get("details") or [])


class BadRequest(GenesysApiError):
    """HTTP 400 (bad.request, invalid.value, invalid.date ...)."""


class Unauthorized(GenesysApiError):
    """HTTP 401: token missing, expired or invalid (after one token refresh)."""


class AuthenticationFailed(Unauthorized):
    """The token endpoint refused the client credentials (invalid_client ...)."""


class Forbidden(GenesysApiError):
    """HTTP 403: the OAuth client lacks a permission (missing.permissions ...)."""


class NotFound(GenesysApiError):
    """HTTP 404 (not.found)."""


class Conflict(GenesysApiError):
    """HTTP 409: e.g. the flow is locked by another user or client."""


class RateLimited(GenesysApiError):
    """HTTP 429 still answered when the retry time budget ran out."""


class ServerError(GenesysApiError):
    """HTTP 5xx still answered after the retries (or on a call that is not safe to retry)."""


_BY_STATUS: dict[int, type[GenesysApiError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}


def error_class_for(status: int) -> type[GenesysApiError]:
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, GenesysApiError)


def api_error(
    status: int,
    body: Any,
    *,
    method: str | None = None,
    path: str | None = None,
    reason: str = "",
    retry_after: float | None = None,
    hint: str | None = None,
) -> GenesysApiError:
    """Build the typed error for an HTTP error answer from its (parsed) body."""
    data: dict[str, Any] = body if isinstance(body, dict) else {}
    # ErrorBody (platform) or OAuthErrorResponse (login host)
    message = data.get("message") or data.get("error_description") or data.get("description") or ""
    code = data.get("code") or data.get("error")
    if not message and isinstance(body, str) and body.strip():
        from ivr_ci.genesys.diagnose import summarise_text  # XML (S3) or HTML (a proxy's page)

        text_code, message = summarise_text(body)
        code = code or text_code
    cls = error_class_for(status)
    return cls(
        status,
        str(message or reason),
        code=str(code) if code else None,
        context_id=data.get("contextId"),
        method=method,
        path=path,
        body=data,
        retry_after=retry_after,
        hint=hint,
    )


class JobError(GenesysError):
    """An Architect job (import/export) or an audit query ended badly."""

    def __init__(self, summary: str, job_id: str | None, messages: Iterable[Mapping[str, Any]] = ()) -> None:
        self.job_id = job_id
        self.messages: list[dict[str, Any]] = [dict(m) for m in messages]
        lines = [summary]
        texts = message_texts(self.messages)
        if texts:
            lines.extend(t if t.startswith(" ") else f"  - {t}" for t in texts)
        elif isinstance(self, (ImportJobFailed, ExportJobFailed)):
            lines.append("  (no tracing messages available)")
        super().__init__("\n".join(lines))


class ImportJobFailed(JobError):
    """The import (publish) job answered `Failure`; `.messages` holds every job message."""


class ExportJobFailed(JobError):
    """The export job answered `Failure` (or succeeded without a download URL)."""


class JobTimeout(JobError):
    """A job or an audit query did not finish within its time limit."""


class AuditQueryFailed(JobError):
    """The asynchronous audit query ended `Failed` or `Cancelled`."""


def message_texts(messages: Iterable[Mapping[str, Any]]) -> list[str]:
    """The readable text of Architect job messages, including network-diagnostic details."""
    out: list[str] = []
    for msg in messages:
        text = str(msg.get("text") or "").strip()
        kind = msg.get("type")
        if text:
            out.append(f"{kind}: {text}" if kind and kind != "Error" else text)
        for detail in msg.get("details") or []:
            bits = [str(detail.get(k)) for k in ("method", "url") if detail.get(k)]
            outcome = [str(detail.get(k)) for k in ("statusCode", "errorCode", "errorMessage")
                       if detail.get(k) not in (None, "")]
            if bits or outcome:
                out.append("      (" + " ".join(bits) + (" -> " + " ".join(outcome) if outcome else "") + ")")
    return out
