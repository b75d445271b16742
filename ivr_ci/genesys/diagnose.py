"""What a failed call means and what to check.

* Connection failures are classified from the exception chain. A name that does not resolve,
  a refused connection, an unreachable network, a TLS failure or a proxy refusing are
  configuration problems: retrying them only delays the message (the issue measured 8 retries
  over ~28 s for a misspelt region). They fail at once with what to check: the region (with the
  known regions and a did-you-mean), `api_base`, and the proxy variables in effect. Resets
  and timeouts can succeed on retry and are retried by the transport.
* 401 and 403 answers name the environment variables holding the credentials and, for a
  403, the permission the call needs (genesys-api.md, permissions from the JS SDK docs).
* XML and HTML error bodies (S3 presigned uploads, load balancers) are summarised to their
  code and message instead of `HTTP 503: <?xml version="1.0" …`.
"""

from __future__ import annotations

import difflib
import errno
import html
import os
import re
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

from ivr_ci.genesys.regions import API_BASE_ENV, KNOWN_DOMAINS, REGION_DOMAINS, REGION_ENV, Endpoints

# kinds of connection failure
DNS, REFUSED, UNREACHABLE, TLS, PROXY = "dns", "refused", "unreachable", "tls", "proxy"
CONNECT_TIMEOUT, READ_TIMEOUT, RESET, OTHER = "connect-timeout", "read-timeout", "reset", "other"
FAIL_FAST = frozenset({DNS, REFUSED, UNREACHABLE, TLS, PROXY})

PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
                   "NO_PROXY", "no_proxy")

_UNREACHABLE_ERRNOS = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL})


def _chain(exc: BaseException) -> list[Any]:
    """`exc` and everything it wraps (requests -> urllib3 -> socket), each once."""
    seen: set[int] = set()
    out: list[Any] = []
    todo: list[Any] = [exc]
    while todo:
        cur = todo.pop()
        if not isinstance(cur, BaseException) or id(cur) in seen:
            continue  # `reason` is also a plain string on some (ssl.SSLError)
        seen.add(id(cur))
        out.append(cur)
        todo.extend([getattr(cur, "reason", None), cur.__cause__, cur.__context__])
        todo.extend(a for a in getattr(cur, "args", ()) if isinstance(a, BaseException))
    return out


def classify(exc: BaseException) -> str:
    chain = _chain(exc)
    names = {type(c).__name__ for c in chain}
    if "ProxyError" in names:
        return PROXY
    if "NameResolutionError" in names or any(isinstance(c, socket.gaierror) for c in chain) \
            or any("Name or service not known" in str(c) or "nodename nor servname" in str(c) for c in chain):
        return DNS
    if "SSLError" in names or any(isinstance(c, ssl.SSLError) for c in chain):
        return TLS
    if any(isinstance(c, ConnectionRefusedError) for c in chain):
        return REFUSED
    if any(isinstance(c, OSError) and c.errno in _UNREACHABLE_ERRNOS for c in chain):
        return UNREACHABLE
    if names & {"ConnectTimeout", "ConnectTimeoutError"}:
        return CONNECT_TIMEOUT
    if names & {"ReadTimeout", "ReadTimeoutError", "Timeout", "TimeoutError"}:
        return READ_TIMEOUT
    if names & {"ConnectionResetError", "RemoteDisconnected", "ChunkedEncodingError", "BrokenPipeError",
                "ConnectionAbortedError", "IncompleteRead", "ProtocolError"}:
        return RESET
    return OTHER


def proxy_note(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    shown = []
    for name in PROXY_VARIABLES:
        value = env.get(name)
        if value:
            parts = urlsplit(value) if "://" in value else None
            if parts and parts.password is not None:  # never show proxy credentials
                value = value.replace(f"{parts.username}:{parts.password}@", "***@")
            shown.append(f"{name}={value}")
    if shown:
        return "proxy variables in effect: " + ", ".join(shown)
    return "no proxy variables set (HTTPS_PROXY / NO_PROXY; a network that needs a proxy fails like this)"


def known_regions() -> str:
    return ", ".join(f"{k.replace('_', '-')} ({d})" for k, d in REGION_DOMAINS.items())


def suggest_region(written: str) -> list[str]:
    """Close spellings of a region among the known keys and domains."""
    value = written.strip().lower()
    keys = [k.replace("_", "-") for k in REGION_DOMAINS]
    return difflib.get_close_matches(value.replace("_", "-"), keys + sorted(KNOWN_DOMAINS), n=2, cutoff=0.75)


def did_you_mean(written: str) -> str:
    close = suggest_region(written)
    return f"did you mean {' or '.join(close)}? " if close else ""


def where_to_check(endpoints: Endpoints) -> str:
    """What configured the host that failed, and what to check about it."""
    if endpoints.domain is None:
        return (f"check the API base {endpoints.api_base} (the environment's `api_base`, --api-base or "
                f"{API_BASE_ENV})")
    if endpoints.domain in KNOWN_DOMAINS:
        return (f"region {endpoints.domain} is a known Genesys Cloud region: check this machine's DNS and "
                f"network access to it, or the environment's `api_base`")
    return (f"check the region: {endpoints.domain!r} is not a known Genesys Cloud region "
            f"({did_you_mean(endpoints.domain)}known: {known_regions()}); it comes from the environment's "
            f"`region` or {REGION_ENV}, or set `api_base`")


def connection_message(kind: str, exc: BaseException, url: str, endpoints: Endpoints) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if kind == DNS:
        what = f"cannot resolve the host name {host} (DNS)"
    elif kind == REFUSED:
        what = f"connection to {host}:{port} refused (nothing listens there)"
    elif kind == UNREACHABLE:
        what = f"network unreachable for {host}:{port}"
    elif kind == TLS:
        what = f"TLS handshake with {host}:{port} failed ({_tls_reason(exc)}); a proxy or firewall " \
               "inspecting TLS needs its CA in REQUESTS_CA_BUNDLE or SSL_CERT_FILE"
    elif kind == PROXY:
        what = f"the proxy refused or failed the connection to {host}:{port}"
    else:
        what = f"cannot connect to {host}:{port}"
    return f"{what}; not retried: {where_to_check(endpoints)}; {proxy_note()}"


def _tls_reason(exc: BaseException) -> str:
    for cur in _chain(exc):
        if isinstance(cur, ssl.SSLError):
            return getattr(cur, "reason", None) or getattr(cur, "verify_message", None) or type(cur).__name__
    return "certificate or protocol error"


# --- 401 / 403 ------------------------------------------------------------------------------------

# (method or None for any, path pattern, permission) from genesys-api.md (JSDOC permissions)
_PERMISSIONS: tuple[tuple[str | None, re.Pattern[str], str], ...] = tuple(
    (m, re.compile(p), perm) for m, p, perm in (
        ("POST", r"^/api/v2/flows/jobs$", "architect:job:create"),
        ("GET", r"^/api/v2/flows/jobs/", "architect:job:view"),
        ("POST", r"^/api/v2/flows/export/jobs$", "architect:jobExport:create"),
        ("GET", r"^/api/v2/flows/export/jobs/", "architect:jobExport:view"),
        ("POST", r"^/api/v2/flows/actions/publish", "architect:flow:publish (or architect:flow:unlock)"),
        ("POST", r"^/api/v2/flows/actions/(checkin|checkout|revert)", "architect:flow:edit"),
        ("POST", r"^/api/v2/flows/actions/unlock", "architect:flow:unlock"),
        ("POST", r"^/api/v2/flows/actions/deactivate", "architect:flow:publish"),
        ("GET", r"^/api/v2/flows/divisionviews", "architect:flow:search"),
        ("GET", r"^/api/v2/flows/outcomes", "architect:flowOutcome:view"),
        ("GET", r"^/api/v2/flows/datatables", "architect:datatable:view"),
        ("GET", r"^/api/v2/flows", "architect:flow:view"),
        ("PUT", r"^/api/v2/flows/", "architect:flow:edit"),
        ("POST", r"^/api/v2/flows$", "architect:flow:add"),
        ("DELETE", r"^/api/v2/flows", "architect:flow:delete"),
        (None, r"^/api/v2/audits", "audits:audit:view"),
        ("POST", r"^/api/v2/analytics/flows/aggregates", "analytics:flowAggregate:view"),
        ("GET", r"^/api/v2/routing/queues", "routing:queue:view"),
        ("GET", r"^/api/v2/routing/skills", "routing:skill:view"),
        ("GET", r"^/api/v2/routing/wrapupcodes", "routing:wrapupCode:view"),
        ("GET", r"^/api/v2/architect/prompts", "architect:userPrompt:view"),
        ("GET", r"^/api/v2/architect/systemprompts", "architect:systemPrompt:view"),
        ("GET", r"^/api/v2/architect/schedulegroups", "routing:scheduleGroup:view"),
        ("GET", r"^/api/v2/architect/schedules", "routing:schedule:view"),
        ("GET", r"^/api/v2/architect/ivrs", "routing:callRoute:view"),
        ("GET", r"^/api/v2/integrations/actions", "integrations:action:view"),
        ("GET", r"^/api/v2/architect/dependencytracking", "architect:dependencyTracking:view"),
    ))


def permission_for(method: str | None, path: str | None) -> str | None:
    for m, pattern, permission in _PERMISSIONS:
        if (m is None or m == method) and path and pattern.search(path):
            return permission
    return None


def auth_hint(status: int, method: str | None, path: str | None, variables: tuple[str, str],
              endpoints: Endpoints, *, token_request: bool) -> str | None:
    """What to check after a 401 or 403, naming the credential variables."""
    id_var, secret_var = variables
    org = f"the org of region {endpoints.domain}" if endpoints.domain else f"the org behind {endpoints.api_base}"
    if status in (400, 401) and token_request:
        return (f"check {id_var} and {secret_var}: an OAuth client with the Client Credentials grant in "
                f"{org} (a client of another region's org is refused the same way)")
    if status == 401:
        return (f"the access token was refused even after a fresh one; check that {id_var} and {secret_var} "
                f"belong to {org}")
    if status == 403:
        needed = permission_for(method, path)
        need = f"needs the permission {needed}" if needed else "needs a permission it lacks"
        return (f"the OAuth client ({id_var}) is authenticated but {need}: add it to a role granted "
                "to the client (Admin > OAuth > Roles)")
    return None


# --- bodies that are not JSON -------------------------------------------------------------------

_XML_CODE = re.compile(r"<Code>\s*(.*?)\s*</Code>", re.S | re.I)
_XML_MESSAGE = re.compile(r"<Message>\s*(.*?)\s*</Message>", re.S | re.I)
_TITLE = re.compile(r"<title[^>]*>\s*(.*?)\s*</title>", re.S | re.I)
_H1 = re.compile(r"<h1[^>]*>\s*(.*?)\s*</h1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def _clean(text: str, limit: int = 200) -> str:
    text = " ".join(html.unescape(_TAG.sub(" ", text)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summarise_text(body: str) -> tuple[str | None, str]:
    """(code, message) of a non-JSON error body: S3-style XML `<Error><Code>…<Message>…`, an
    HTML page's title/heading, else the text itself, shortened."""
    text = body.strip()
    head = text[:200].lower()
    if head.startswith("<?xml") or "<error" in head:
        code, message = _XML_CODE.search(text), _XML_MESSAGE.search(text)
        if code or message:
            return (_clean(code.group(1), 80) if code else None), (_clean(message.group(1)) if message else "")
    if "<html" in head or "<!doctype html" in head or "<body" in head:
        found = _TITLE.search(text) or _H1.search(text)
        return None, (_clean(found.group(1)) if found else "an HTML page")
    return None, _clean(text, 300)
