"""Retries, backoff, tokens and secret hygiene of the Genesys client, against the real emulator."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
import requests

from ivr_ci.genesys import (
    AuthenticationFailed,
    Credentials,
    GenesysClient,
    GenesysConnectionError,
    PollPolicy,
    RateLimited,
    RetryPolicy,
    ServerError,
    Unauthorized,
)
from ivr_ci.promote.deploy import Deployer
from ivr_ci.promote.poller import AdaptivePoller
from ivr_ci.promote.target import export_published
from tests.genesys_helpers import flow_named, get_flow

SECRET = "local-secret"
FAST_RETRY = RetryPolicy(max_total=10.0, max_attempts=4, backoff_base=0.01, backoff_cap=0.05)


def make_client(emu: Any, secret: str = SECRET, **kw: Any) -> GenesysClient:
    kw.setdefault("rate_limit", None)
    kw.setdefault("retry", FAST_RETRY)
    kw.setdefault("polling", PollPolicy(initial=0.01, cap=0.05))
    return GenesysClient(Credentials("local-client", secret), api_base=emu.base_url, **kw)


def add_fault(emu: Any, **spec: Any) -> str:
    resp = requests.post(emu.url("/__admin/faults"), json=spec, timeout=5)
    resp.raise_for_status()
    return str(resp.json()["faults"][0]["id"])


def fault(emu: Any, fault_id: str) -> dict[str, Any]:
    faults = requests.get(emu.url("/__admin/faults"), timeout=5).json()["faults"]
    return next(f for f in faults if f["id"] == fault_id)


@pytest.fixture
def client(emulator: Any) -> Any:
    with make_client(emulator) as c:
        yield c


# --- 429 ------------------------------------------------------------------------------------
def test_429_honours_retry_after(emulator: Any, client: GenesysClient) -> None:
    fid = add_fault(emulator, kind="throttle", path="/api/v2/flows", method="GET", retryAfter=1)
    start = time.monotonic()
    flows = list(client.iter_flows())
    assert [f["name"] for f in flows] == ["Main IVR"]
    assert time.monotonic() - start >= 1.0  # waited the server's Retry-After
    assert client.stats.throttled == 1 and fault(emulator, fid)["fired"] == 1


def test_429_storm_is_absorbed_and_the_limiter_backs_off(emulator: Any) -> None:
    with make_client(emulator, rate_limit=6000) as client:
        fid = add_fault(emulator, kind="throttle", path="/api/v2/routing/queues", always=True, times=6,
                        retryAfter=0)
        assert client.find_queue("Sales") is not None
        assert client.stats.throttled == 6 and fault(emulator, fid)["fired"] == 6
        limiter = client.transport.limiter
        assert limiter.per_minute is not None and limiter.per_minute < 6000


def test_429_beyond_the_time_budget_raises_rate_limited(emulator: Any) -> None:
    with make_client(emulator, retry=RetryPolicy(max_total=1.0)) as client:
        add_fault(emulator, kind="throttle", path="/api/v2/flows", always=True, times=50, retryAfter=30)
        start = time.monotonic()
        with pytest.raises(RateLimited) as info:
            list(client.iter_flows())
        assert time.monotonic() - start < 1.0  # did not sleep 30 s past the budget
        err = info.value
        assert err.status == 429 and err.code == "too.many.requests.retry.after"
        assert err.retry_after == 30 and err.context_id and "Retry" in err.message


# --- 5xx ------------------------------------------------------------------------------------
def test_5xx_then_success(emulator: Any, client: GenesysClient) -> None:
    fid = add_fault(emulator, kind="error", status=503, path="/api/v2/flows", method="GET", times=2)
    assert list(client.iter_flows())
    assert fault(emulator, fid)["fired"] == 2
    assert client.stats.server_errors == 2 and client.stats.retries == 2


def test_5xx_exhaustion_raises_a_typed_error_with_the_genesys_body(emulator: Any, client: GenesysClient) -> None:
    fid = add_fault(emulator, kind="error", status=500, path="/api/v2/flows", always=True, times=100)
    with pytest.raises(ServerError) as info:
        list(client.iter_flows())
    err = info.value
    assert fault(emulator, fid)["fired"] == FAST_RETRY.max_attempts
    assert err.status == 500 and err.code == "internal.server.error" and err.context_id
    assert err.contextId == err.context_id and err.body["status"] == 500
    assert "GET /api/v2/flows: HTTP 500 internal.server.error" in str(err)
    assert err.exit_code == 1


def test_total_retry_time_is_bounded(emulator: Any) -> None:
    policy = RetryPolicy(max_total=0.6, max_attempts=1000, backoff_base=0.2, backoff_cap=0.2)
    with make_client(emulator, retry=policy) as client:
        add_fault(emulator, kind="error", status=503, path="/api/v2/flows", always=True, times=1000)
        start = time.monotonic()
        with pytest.raises(ServerError):
            list(client.iter_flows())
        assert time.monotonic() - start < 1.2


def test_state_changing_post_is_not_retried_on_5xx(emulator: Any, client: GenesysClient) -> None:
    flow_id = flow_named(client, "Main IVR", "inboundcall")["id"]
    fid = add_fault(emulator, kind="error", status=503, path="/api/v2/flows/actions/unlock")
    with pytest.raises(ServerError) as info:
        client.unlock_flow(flow_id)  # a flow action (promote --force-unlock): it changes state
    assert info.value.status == 503 and fault(emulator, fid)["fired"] == 1
    assert fault(emulator, fid)["seen"] == 1  # exactly one attempt


def test_import_job_registration_is_retried_on_5xx(emulator: Any, client: GenesysClient) -> None:
    fid = add_fault(emulator, kind="error", status=502, path="/api/v2/flows/jobs", method="POST")
    job = client.register_import_job()
    assert job.id and fault(emulator, fid)["seen"] == 2


# --- connection errors ---------------------------------------------------------------------------
def test_connection_reset_is_retried(emulator: Any, client: GenesysClient) -> None:
    fid = add_fault(emulator, kind="reset", path="/api/v2/routing/queues", times=2)
    assert client.find_queue("Sales") is not None
    assert fault(emulator, fid)["fired"] == 2 and client.stats.connection_errors == 2


def test_connection_reset_exhaustion_and_unsafe_post(emulator: Any, client: GenesysClient) -> None:
    add_fault(emulator, kind="reset", path="/api/v2/routing/queues", always=True, times=100)
    with pytest.raises(GenesysConnectionError, match="gave up after 4 attempts"):
        client.find_queue("Sales")
    flow_id = flow_named(client, "Main IVR", "inboundcall")["id"]
    fid = add_fault(emulator, kind="reset", path="/api/v2/flows/actions/unlock")
    with pytest.raises(GenesysConnectionError, match="not retried"):
        client.unlock_flow(flow_id)  # may have reached the server: not repeated
    assert fault(emulator, fid)["seen"] == 1


def test_connection_refused_fails_at_once_with_what_to_check(unused_port: int) -> None:
    client = GenesysClient(Credentials("id", SECRET), api_base=f"http://127.0.0.1:{unused_port}",
                           rate_limit=None, retry=RetryPolicy(max_total=30, backoff_base=1, backoff_cap=2))
    with pytest.raises(GenesysConnectionError) as info:
        list(client.iter_flows())
    assert client.stats.connection_errors == 1 and client.stats.retries == 0  # refused: not retried
    assert f"connection to 127.0.0.1:{unused_port} refused" in str(info.value)
    assert f"check the API base http://127.0.0.1:{unused_port}" in str(info.value) and "proxy" in str(info.value)


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- tokens --------------------------------------------------------------------------------------
def test_token_is_cached_and_refreshed_before_expiry(emulator: Any) -> None:
    requests.post(emulator.url("/__admin/settings"), json={"tokenExpiresIn": 2}, timeout=5).raise_for_status()
    with make_client(emulator, refresh_margin=0.5) as client:
        list(client.iter_flows())
        list(client.iter_flows())
        assert client.transport.tokens.issued == 1  # cached
        time.sleep(1.6)  # inside the margin: refreshed before the server would refuse it
        list(client.iter_flows())
        assert client.transport.tokens.issued == 2
        assert client.stats.unauthorized_refreshes == 0


def test_401_refreshes_the_token_once(emulator: Any, client: GenesysClient) -> None:
    list(client.iter_flows())
    requests.post(emulator.url("/__admin/tokens/expire"), timeout=5).raise_for_status()
    assert list(client.iter_flows())
    assert client.stats.unauthorized_refreshes == 1 and client.transport.tokens.issued == 2


def test_401_after_a_refresh_is_raised(emulator: Any, client: GenesysClient) -> None:
    list(client.iter_flows())
    add_fault(emulator, kind="token_expiry", path="/api/v2/flows", nth=1, times=2)
    with pytest.raises(Unauthorized) as info:
        list(client.iter_flows())
    assert info.value.status == 401 and info.value.code == "bad.credentials"
    assert client.stats.unauthorized_refreshes == 1


def test_token_throttling_is_retried(emulator: Any, client: GenesysClient) -> None:
    fid = add_fault(emulator, kind="token_throttle", retryAfter=0)
    assert list(client.iter_flows())
    assert fault(emulator, fid)["fired"] == 1 and client.transport.tokens.issued == 1


def test_bad_credentials_raise_authentication_failed_without_the_secret(emulator: Any) -> None:
    wrong = "wrong-secret-value-77"
    with make_client(emulator, secret=wrong) as client:
        with pytest.raises(AuthenticationFailed) as info:
            list(client.iter_flows())
        err = info.value
        assert err.status == 401 and err.code == "invalid_client"
        assert wrong not in str(err) and wrong not in repr(err) and wrong not in repr(client)


# --- secrets never logged ------------------------------------------------------------------------
def test_no_secret_or_token_in_logs_reprs_or_errors(emulator: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3 included
    add_fault(emulator, kind="throttle", path="/api/v2/flows", retryAfter=0)
    add_fault(emulator, kind="error", status=503, path="/api/v2/routing/queues")
    add_fault(emulator, kind="reset", path="/api/v2/routing/skills")
    with make_client(emulator) as client:
        list(client.iter_flows())
        client.find_queue("Sales")
        client.find_by_name("skill", "Billing")
        requests.post(emulator.url("/__admin/tokens/expire"), timeout=5)
        client.find_by_name("prompt", "Welcome")
        main = get_flow(client, flow_named(client, "Main IVR")["id"])
        exported = export_published(client, [(main["id"], main["publishedVersion"]["id"])])[main["id"]]
        Deployer(client, AdaptivePoller(initial=0.01), lambda *a: None, 30.0).publish("main", "Main IVR", exported)
        token = client.transport.token()
        texts = [r.getMessage() for r in caplog.records] + [repr(client), repr(client.transport),
                                                            repr(client.credentials), str(client.credentials)]
    with make_client(emulator, secret="another-secret-999") as bad, pytest.raises(AuthenticationFailed) as info:
        list(bad.iter_flows())
    texts += [str(info.value), repr(info.value), *[r.getMessage() for r in caplog.records]]
    assert any("GET /api/v2/flows -> 429" in t for t in texts)  # the log lines exist
    for text in texts:  # every logger, urllib3's included
        for secret in (SECRET, token, "another-secret-999"):
            assert secret not in text, text
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("ivr_ci.genesys")]
    assert ours and not any("X-Amz-Signature" in t or "?" in t for t in ours)  # no query strings
