"""Failing networks and refused credentials (issue 12): classified, fast, saying what to check.

Against real sockets on loopback: the emulator, a port nothing listens on, the emulator spoken
to in TLS, and a small server answering 403 the way Genesys does.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from ivr_ci.cli import main
from ivr_ci.genesys import (
    AuthenticationFailed,
    ConfigurationError,
    Credentials,
    GenesysClient,
    GenesysConnectionError,
    RetryPolicy,
)
from ivr_ci.genesys.diagnose import classify, permission_for, summarise_text
from ivr_ci.genesys.errors import Forbidden, api_error
from ivr_ci.genesys.regions import resolve_endpoints
from tests.promote_helpers import module_flow, write_project

SLOW_RETRY = RetryPolicy(max_total=60, backoff_base=2, backoff_cap=4)  # a retry would show in the stats


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _client(api_base: str | None = None, region: str | None = None, secret: str = "local-secret",
            **kw: Any) -> GenesysClient:
    creds = Credentials.from_env("MY_ID", "MY_SECRET", environ={"MY_ID": "local-client", "MY_SECRET": secret})
    return GenesysClient(creds, api_base=api_base, region=region, rate_limit=None, retry=kw.pop("retry", SLOW_RETRY),
                         **kw)


def test_a_misspelt_region_fails_at_once_with_the_known_regions_and_a_suggestion():
    client = _client(region="mypurecloud.iee")  # a domain nobody serves: DNS answers no such name
    with pytest.raises(GenesysConnectionError) as info:
        list(client.iter_flows())
    text = str(info.value)
    assert client.stats.connection_errors == 1 and client.stats.retries == 0
    assert "cannot resolve the host name login.mypurecloud.iee (DNS)" in text
    assert "did you mean mypurecloud.ie" in text and "eu-west-1 (mypurecloud.ie)" in text
    assert "`region`" in text and "`api_base`" in text and "proxy" in text


def test_an_unknown_region_key_suggests_the_close_one():
    with pytest.raises(ConfigurationError, match=r"unknown Genesys Cloud region 'eu-west1' \(did you mean eu-west-1"):
        resolve_endpoints("eu-west1")


def test_refused_and_tls_failures_are_not_retried(emulator, unused_port):
    client = _client(api_base=f"http://127.0.0.1:{unused_port}")
    with pytest.raises(GenesysConnectionError, match=f"127.0.0.1:{unused_port} refused.*check the API base"):
        list(client.iter_flows())
    assert client.stats.retries == 0
    tls = _client(api_base=emulator.base_url.replace("http://", "https://"))  # TLS spoken to a plain server
    with pytest.raises(GenesysConnectionError, match="TLS handshake with 127.0.0.1.* failed.*REQUESTS_CA_BUNDLE"):
        list(tls.iter_flows())
    assert tls.stats.retries == 0


def test_proxy_credentials_are_never_shown(emulator, unused_port, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://bob:hunter2@proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with pytest.raises(GenesysConnectionError) as info:
        list(_client(api_base=f"http://127.0.0.1:{unused_port}").iter_flows())
    assert "HTTPS_PROXY=http://***@proxy.example:3128" in str(info.value) and "hunter2" not in str(info.value)


def test_resets_are_still_retried(emulator):
    requests.post(emulator.url("/__admin/faults"), json={"kind": "reset", "path": "/api/v2/flows", "times": 1},
                  timeout=5).raise_for_status()
    client = _client(api_base=emulator.base_url, retry=RetryPolicy(max_total=10, backoff_base=0.01, backoff_cap=0.02))
    assert list(client.iter_flows())
    assert client.stats.connection_errors == 1 and client.stats.retries == 1


def test_refused_credentials_name_the_variables(emulator):
    client = _client(api_base=emulator.base_url, secret="wrong-secret")
    with pytest.raises(AuthenticationFailed) as info:
        list(client.iter_flows())
    assert "check MY_ID and MY_SECRET" in str(info.value) and "Client Credentials grant" in str(info.value)
    assert "wrong-secret" not in str(info.value)


class _Forbidding(BaseHTTPRequestHandler):
    """Issues a token, then answers every API call 403 missing.permissions (genesys-api.md §6.1)."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self._send(200, {"access_token": "tok-" + "x" * 20, "expires_in": 3600})

    def do_GET(self) -> None:  # noqa: N802
        self._send(403, {"message": "You are not authorized to perform the requested action.",
                         "code": "missing.permissions", "status": 403, "contextId": "ctx-1"})

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def forbidding() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Forbidding)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_403_names_the_permission_the_call_needs(forbidding):
    with pytest.raises(Forbidden) as info:
        list(_client(api_base=forbidding).iter_flows())
    text = str(info.value)
    assert "HTTP 403 missing.permissions" in text and "needs the permission architect:flow:view" in text
    assert "MY_ID" in text and info.value.message.startswith("You are not authorized")
    assert permission_for("POST", "/api/v2/flows/jobs") == "architect:job:create"
    assert permission_for("GET", "/api/v2/audits/query/abc") == "audits:audit:view"


def test_xml_and_html_error_bodies_are_summarised():
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your '
           'request rate.</Message><RequestId>R1</RequestId></Error>')
    err = api_error(503, xml, method="PUT", path="/upload")
    assert str(err) == "PUT /upload: HTTP 503 SlowDown: Please reduce your request rate."
    page = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>x</h1>" + "y" * 5000
    assert str(api_error(502, page, method="GET", path="/api/v2/flows")) == \
        "GET /api/v2/flows: HTTP 502: 502 Bad Gateway"
    assert summarise_text("plain\n\n  words") == (None, "plain words")


def test_a_tampered_presigned_upload_shows_the_s3_code(emulator):
    client = _client(api_base=emulator.base_url)
    job = client.transport.json("POST", "/api/v2/flows/jobs", safe=False)
    with pytest.raises(Exception) as info:
        client.transport.plain("PUT", job["presignedUrl"] + "x", data=b"inboundCall: {}\n",
                               headers=job.get("headers") or {}, max_total=0.1)
    assert "HTTP 403 SignatureDoesNotMatch" in str(info.value) and "<?xml" not in str(info.value)


def test_connection_failures_are_classified():
    try:
        requests.get("http://127.0.0.1:1/", timeout=2)
    except requests.RequestException as exc:
        assert classify(exc) == "refused"


def test_every_secret_and_token_is_masked_under_actions(emulator, monkeypatch, capfd):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    client = _client(api_base=emulator.base_url)
    list(client.iter_flows())
    token = client.transport.token()
    out, err = capfd.readouterr()
    assert "::add-mask::local-secret" in err and f"::add-mask::{token}" in err
    assert err.count(f"::add-mask::{token}") == 1 and "add-mask" not in out  # once, and stdout stays clean


def test_audit_report_prints_no_record_count_before_a_401(tmp_path, emulator, monkeypatch, capsys):
    write_project(tmp_path, {"common.yaml": module_flow("1")}, emulator.base_url)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PT_CLIENT_ID", "ci-client")
    monkeypatch.setenv("PT_CLIENT_SECRET", "not-the-secret")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    code = main(["audit-report", "--env", "dev", "--since", "1d"])
    _, err = capsys.readouterr()
    assert code == 1 and "token request refused" in err and "check PT_CLIENT_ID and PT_CLIENT_SECRET" in err
    assert "audit records" not in err
