"""Errors shaped like the ones Genesys Cloud returns.

* `GenesysError` → the platform `ErrorBody` (`message`, `code`, `status`, `contextId`,
  `messageParams`, `details`, `errors`, ...); the server adds `contextId` and the
  `ININ-Correlation-Id` header.
* `OAuthError` → the login host's `{"error", "description", "error_description"}` body.
* `S3Error` → the XML body S3 answers a bad presigned upload/download with.
* `ConnectionReset` → the fault "close the socket without a response".
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape


class GenesysError(Exception):
    """An API error; `body(context_id)` is the JSON the platform would send."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        message_params: dict[str, str] | None = None,
        message_with_params: str | None = None,
        details: list[dict[str, Any]] | None = None,
        entity_id: str | None = None,
        entity_name: str | None = None,
        headers: dict[str, str] | None = None,
        limit: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.message_params = message_params or {}
        self.message_with_params = message_with_params
        self.details = details or []
        self.entity_id = entity_id
        self.entity_name = entity_name
        self.headers = headers or {}
        self.limit = limit

    def body(self, context_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message, "code": self.code, "status": self.status}
        if self.entity_id:
            out["entityId"] = self.entity_id
        if self.entity_name:
            out["entityName"] = self.entity_name
        if self.message_with_params:
            out["messageWithParams"] = self.message_with_params
        out["messageParams"] = dict(self.message_params)
        out["contextId"] = context_id
        out["details"] = list(self.details)
        out["errors"] = []
        if self.limit:
            out["limit"] = dict(self.limit)
        return out


def bad_request(message: str, code: str = "bad.request", **kw: Any) -> GenesysError:
    return GenesysError(400, code, message, **kw)


def invalid_value(field: str, value: Any, allowed: list[str] | None = None) -> GenesysError:
    allowed_text = ", ".join(allowed or [])
    msg = f"Value [{value}] is not valid for field type [{field}]."
    if allowed:
        msg += f" Allowable values are: {allowed_text}"
    return GenesysError(
        400, "invalid.value", msg,
        message_params={"value": str(value), "field": field, "allowed": allowed_text},
        details=[{"errorCode": "invalid.value", "fieldName": field}],
    )


def invalid_date(field: str, value: Any) -> GenesysError:
    return GenesysError(
        400, "invalid.date", f"Dates must be specified as ISO-8601 strings. [{field}={value}]",
        details=[{"errorCode": "invalid.date", "fieldName": field}],
    )


def not_found(what: str = "", entity_id: str | None = None) -> GenesysError:
    msg = "The requested resource was not found."
    if what:
        msg = f"{what} not found." if not entity_id else f"{what} with id {entity_id} not found."
    return GenesysError(404, "not.found", msg, entity_id=entity_id)


def conflict(message: str, **kw: Any) -> GenesysError:
    return GenesysError(409, "conflict", message, **kw)


def unauthenticated() -> GenesysError:
    return GenesysError(
        401, "authentication.required", "No authentication bearer token specified in authorization header."
    )


def bad_credentials() -> GenesysError:
    return GenesysError(401, "bad.credentials", "Invalid login credentials.")


def too_many_requests(retry_after: int, namespace: str = "platform.api",
                      key: str = "token.rate.per.minute", value: int | None = None) -> GenesysError:
    msg = f"Rate limit exceeded the maximum. Retry the request in [{retry_after}] seconds"
    limit = {"key": key, "namespace": namespace, "value": value} if value is not None else None
    return GenesysError(
        429, "too.many.requests.retry.after", msg,
        message_params={"retryAfter": str(retry_after)},
        headers={"Retry-After": str(retry_after)}, limit=limit,
    )


def server_error(status: int = 500) -> GenesysError:
    if status == 503:
        return GenesysError(503, "service.unavailable",
                            "Service Unavailable - The server is currently unavailable.")
    if status == 504:
        return GenesysError(504, "request.timeout", "The request timed out.")
    if status == 502:
        return GenesysError(502, "bad.gateway", "Bad Gateway")
    return GenesysError(
        status, "internal.server.error",
        "The server encountered an unexpected condition which prevented it from fulfilling the request.",
    )


def method_not_allowed(method: str) -> GenesysError:
    return GenesysError(405, "method.not.allowed", f"HTTP {method} is not supported by this resource.")


class OAuthError(Exception):
    """An error from the login host (`/oauth/token`)."""

    def __init__(self, status: int, error: str, description: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers or {}

    def body(self) -> dict[str, str]:
        return {"error": self.error, "description": self.description,
                "error_description": self.description}


class S3Error(Exception):
    """What S3 answers a presigned PUT/GET that does not match its signature."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self, request_id: str) -> bytes:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(self.code)}</Code><Message>{escape(self.message)}</Message>"
            f"<RequestId>{escape(request_id)}</RequestId></Error>"
        ).encode()


class ConnectionReset(Exception):
    """Drop the connection without answering (a fault)."""
