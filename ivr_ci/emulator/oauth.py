"""`POST /oauth/token` (client credentials with HTTP Basic), like the login host answers it."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs

from ivr_ci.emulator.exceptions import OAuthError
from ivr_ci.emulator.request import Request, Response, ok

_OTHER_GRANTS = ("authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:saml2-bearer",
                 "password", "implicit")


def _basic(header: str | None) -> tuple[str, str]:
    if not header or not header.lower().startswith("basic "):
        raise OAuthError(401, "invalid_client", "authentication failed")
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise OAuthError(401, "invalid_client", "authentication failed") from None
    client_id, sep, secret = decoded.partition(":")
    if not sep or not client_id:
        raise OAuthError(401, "invalid_client", "authentication failed")
    return client_id, secret


def token(req: Request) -> Response:
    ctype = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ctype and ctype != "application/x-www-form-urlencoded":
        raise OAuthError(400, "invalid_request", "content type must be application/x-www-form-urlencoded")
    try:
        form = parse_qs(req.body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise OAuthError(400, "invalid_request", "malformed request body") from None
    client_id, secret = _basic(req.headers.get("Authorization"))
    grant = (form.get("grant_type") or [""])[0]
    if not grant:
        raise OAuthError(400, "invalid_request", "grant_type is required")
    if grant != "client_credentials":
        if grant in _OTHER_GRANTS:
            raise OAuthError(400, "unauthorized_client",
                             f"grant type '{grant}' is not enabled for this emulator client")
        raise OAuthError(400, "unsupported_grant_type", "grant type is not supported")
    access_token, expires_in = req.backend.issue_token(client_id, secret)
    return ok({"access_token": access_token, "token_type": "bearer", "expires_in": expires_in})
