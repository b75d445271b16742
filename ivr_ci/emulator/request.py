"""The request/response objects handlers see, query parsing, and the paging envelope."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from ivr_ci.emulator.exceptions import GenesysError, bad_request, invalid_value

if TYPE_CHECKING:
    from ivr_ci.emulator.models import Actor, EmulatorBackend, OrgBackend, Principal


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    # as http.server parsed them: names case-insensitive, as HTTP's are; carries the bearer token
    headers: Message = field(repr=False)
    body: bytes = field(repr=False)
    backend: EmulatorBackend = field(repr=False)
    base_url: str = ""
    remote_ip: str = "127.0.0.1"
    params: dict[str, str] = field(default_factory=dict)
    principal: Principal | None = None
    _json: Any = field(default=None, repr=False)
    _json_loaded: bool = field(default=False, repr=False)

    # ---- identity -------------------------------------------------------------------------
    @property
    def org(self) -> OrgBackend:
        assert self.principal is not None, "route needs authentication"
        return self.backend.orgs[self.principal.org]

    @property
    def actor(self) -> Actor:
        from ivr_ci.emulator.models import Actor

        assert self.principal is not None
        return Actor(client_id=self.principal.client_id, remote_ip=self.remote_ip)

    # ---- body -----------------------------------------------------------------------------
    def json(self, required: bool = False) -> Any:
        if self._json_loaded:
            return self._json
        self._json_loaded = True
        if not self.body.strip():
            if required:
                raise bad_request("The request body is required.")
            return None
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype and ctype != "application/json" and not ctype.endswith("+json"):
            raise GenesysError(415, "unsupported.media.type",
                               f"Unsupported Media Type - Unsupported or incorrect media type: {ctype}")
        try:
            self._json = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise bad_request(f"The request could not be understood by the server due to malformed syntax. "
                              f"({type(exc).__name__})") from None
        return self._json

    def json_object(self, required: bool = True) -> dict[str, Any]:
        body = self.json(required=required)
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        return body

    # ---- query ----------------------------------------------------------------------------
    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def q_list(self, name: str) -> list[str]:
        """Array parameters arrive repeated (`multi`) or comma-joined (the SDKs): accept both."""
        out: list[str] = []
        for value in self.query.get(name, []):
            out.extend(v for v in value.split(",") if v != "")
        return out

    def require(self, name: str) -> str:
        value = self.q(name)
        if value is None or value == "":
            raise GenesysError(400, "bad.request", f"Missing required query parameter: {name}",
                               message_params={"parameter": name},
                               details=[{"errorCode": "missing.parameter", "fieldName": name}])
        return value

    def q_int(self, name: str, default: int, minimum: int = 1, maximum: int | None = None) -> int:
        raw = self.q(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise invalid_value(name, raw) from None
        if value < minimum or (maximum is not None and value > maximum):
            limit = f" The maximum is {maximum}." if maximum is not None else ""
            raise bad_request(f"Value [{raw}] is not valid for [{name}]. The minimum is {minimum}.{limit}",
                              code="invalid.value",
                              details=[{"errorCode": "invalid.value", "fieldName": name}])
        return value

    def q_bool(self, name: str, default: bool | None = False) -> bool | None:
        raw = self.q(name)
        if raw is None or raw == "":
            return default
        if raw.lower() in ("true", "1"):
            return True
        if raw.lower() in ("false", "0"):
            return False
        raise invalid_value(name, raw, ["true", "false"])


@dataclass
class Response:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"

    def payload(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, separators=(",", ":"), default=str).encode("utf-8")


def ok(body: Any = None, status: int = 200) -> Response:
    return Response(status, body)


def listing(
    req: Request,
    items: list[Any],
    render: Callable[[Any], dict[str, Any]],
    default_size: int = 25,
    max_size: int | None = None,
) -> dict[str, Any]:
    """The `*EntityListing` envelope with relative first/self/next/previous/last URIs."""
    page_size = req.q_int("pageSize", default_size, minimum=1, maximum=max_size)
    page_number = req.q_int("pageNumber", 1, minimum=1)
    total = len(items)
    page_count = math.ceil(total / page_size) if total else 0
    start = (page_number - 1) * page_size
    entities = [render(x) for x in items[start:start + page_size]]

    def uri(n: int) -> str:
        pairs = [(k, v) for k, vs in req.query.items() if k not in ("pageNumber", "pageSize") for v in vs]
        pairs += [("pageSize", str(page_size)), ("pageNumber", str(n))]
        return f"{req.path}?{urlencode(pairs)}"

    out: dict[str, Any] = {
        "entities": entities, "pageSize": page_size, "pageNumber": page_number, "total": total,
        "firstUri": uri(1), "selfUri": uri(page_number), "lastUri": uri(max(page_count, 1)),
        "pageCount": page_count,
    }
    if page_number < page_count:
        out["nextUri"] = uri(page_number + 1)
    if page_number > 1:
        out["previousUri"] = uri(page_number - 1)
    return out
