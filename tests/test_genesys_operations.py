"""What ivr-ci asks of the client (flow listing, unlock, delete, lookups by name, paging, audits,
analytics, identity) and the factory, against the real emulator (every request/response checked
against the OpenAPI subset). The client has methods only for what product code calls; other
endpoints are reached through `client.transport` (tests/genesys_helpers.py)."""

from __future__ import annotations

import inspect
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from ivr_ci.genesys import (
    ConfigurationError,
    Conflict,
    GenesysClient,
    NotFound,
    client_for_environment,
)
from ivr_ci.genesys.paging import iter_entities
from ivr_ci.promote.target import lock_of
from tests.genesys_helpers import admin, flow_action, flow_named, get_flow


def calls(emu: Any, method: str, path: str) -> int:
    return sum(1 for ex in emu.exchanges if ex["method"] == method and ex["path"] == path)


def interval(days_back: int = 10) -> str:
    now = datetime.now(timezone.utc)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return f"{(now - timedelta(days=days_back)).strftime(fmt)}/{(now + timedelta(hours=1)).strftime(fmt)}"


@pytest.fixture
def main_ivr(client: GenesysClient) -> str:
    return str(flow_named(client, "Main IVR", "inboundcall")["id"])


# --- flows ----------------------------------------------------------------------------------
def test_flow_listing_filters_by_type(client: GenesysClient, main_ivr: str) -> None:
    assert [f["name"] for f in client.iter_flows("inboundcall")] == ["Main IVR"]
    assert [f["id"] for f in client.iter_flows(["INBOUNDCALL", "inboundchat"])] == [main_ivr]
    assert list(client.iter_flows("INBOUNDCHAT")) == []
    assert [f["id"] for f in client.iter_flows(name="Main IVR")] == [main_ivr]
    with pytest.raises(NotFound) as info:
        get_flow(client, "00000000-0000-4000-8000-000000000000")
    assert info.value.status == 404 and info.value.code == "not.found"


def test_a_lock_conflict_and_the_unlock(emulator: Any, client: GenesysClient, main_ivr: str) -> None:
    assert lock_of(get_flow(client, main_ivr), client.client_id) == (None, False)
    admin(emulator, "/__admin/lock", {"flow": "Main IVR", "user": "Jane Doe"})
    lock, ours = lock_of(get_flow(client, main_ivr), client.client_id)
    assert lock is not None and lock.kind == "user" and lock.name == "Jane Doe" and not ours
    with pytest.raises(Conflict) as info:  # a 409 is a typed error carrying Genesys' message
        flow_action(client, "checkout", main_ivr)
    assert info.value.status == 409 and "Jane Doe" in info.value.message
    client.unlock_flow(main_ivr)
    flow_action(client, "checkout", main_ivr)
    assert lock_of(get_flow(client, main_ivr), client.client_id) == (None, True)  # held by this client


def test_delete_flow(emulator: Any, client: GenesysClient, main_ivr: str) -> None:
    admin(emulator, "/__admin/lock", {"flow": "Main IVR", "user": "Jane Doe"})
    with pytest.raises(Conflict):
        client.delete_flow(main_ivr, conflict_timeout=0)
    client.unlock_flow(main_ivr)
    assert client.delete_flow(main_ivr) is True
    assert client.delete_flow(main_ivr) is False  # already gone


# --- lookups ----------------------------------------------------------------------------------
# every kind preflight looks up (promote/preflight.py LOOKUPS), as it does: find_by_name(kind, name)
@pytest.mark.parametrize(("kind", "name"), [
    ("prompt", "Welcome"), ("schedule_group", "Business Hours"), ("schedule", "Weekdays"),
    ("data_action", "Lookup Account"), ("division", "Support"), ("skill", "Billing"), ("language", "English"),
    ("wrapup_code", "Resolved"), ("data_table", "Holiday Calendar"),
])
def test_lookups_by_name(client: GenesysClient, kind: str, name: str) -> None:
    assert client.find_by_name(kind, name)["name"] == name
    assert client.find_by_name(kind, "Nope") is None


def test_queue_lookup_carries_the_member_count(client: GenesysClient) -> None:
    queue = client.find_queue("General Support")
    assert queue and queue["memberCount"] == 5 and client.find_queue("Billing")["memberCount"] == 0
    assert client.find_queue("general support")["id"] == queue["id"]  # one case-insensitive match
    assert client.find_queue("Nope") is None


def test_lookups_are_cached_per_client(emulator: Any, client: GenesysClient) -> None:
    for _ in range(3):
        client.find_queue("Sales")
        client.find_queue("Nope")  # negative answers too
    assert calls(emulator, "GET", "/api/v2/routing/queues") == 2
    client.find_queue("Sales", cache=False)  # asks again, and leaves the cache as it was
    client.find_queue("Sales")
    assert calls(emulator, "GET", "/api/v2/routing/queues") == 3


# --- paging -----------------------------------------------------------------------------------
def test_page_number_paging(emulator: Any, client: GenesysClient) -> None:
    queues = list(iter_entities(client.transport, "/api/v2/routing/queues", page_size=1))
    assert sorted(q["name"] for q in queues) == ["Billing", "General Support", "Sales"]
    assert calls(emulator, "GET", "/api/v2/routing/queues") == 3  # pageCount pages, no extra call
    languages = list(iter_entities(client.transport, "/api/v2/routing/languages", page_size=100))
    assert {lang["name"] for lang in languages} >= {"English", "Spanish"}


def test_cursor_paging_streams_audits(emulator: Any, client: GenesysClient) -> None:
    added = admin(emulator, "/__admin/audits", {"generate": {"count": 1234, "days": 5}})["added"]
    assert added == 1234
    stream = client.iter_audits(interval(), filters={"EntityType": "Flow"}, page_size=100)
    assert inspect.isgenerator(stream)
    assert calls(emulator, "POST", "/api/v2/audits/query") == 0  # lazy: nothing sent yet
    first = next(stream)
    assert first["serviceName"] == "Architect"
    rest = sum(1 for _ in stream)
    total = 1 + rest
    assert total >= 1234
    results = [ex for ex in emulator.exchanges if ex["path"].endswith("/results")]
    assert len(results) == -(-total // 100)
    assert "cursor" not in results[0]["query"] and all("cursor" in ex["query"] for ex in results[1:])


def test_audit_query_filters_and_realtime(emulator: Any, client: GenesysClient, main_ivr: str) -> None:
    flow_action(client, "checkout", main_ivr)
    flow_action(client, "checkin", main_ivr)
    found = list(client.iter_audits(interval(1), filters={"EntityId": main_ivr, "Action": "Checkin"}))
    assert found and all(a["action"] == "Checkin" and a["entity"]["id"] == main_ivr for a in found)
    realtime = list(client.iter_realtime_audits(interval(1), filters={"EntityId": main_ivr}, page_size=1))
    assert {a["action"] for a in realtime} >= {"Checkout", "Checkin"}


# --- analytics, identity ----------------------------------------------------------------------
def test_flow_aggregates(client: GenesysClient, main_ivr: str) -> None:
    results = client.flow_aggregates(interval(7), flow_ids=[main_ivr])
    assert results and all(r["group"]["flowId"] == main_ivr for r in results)
    metrics = {m["metric"] for r in results for d in r["data"] for m in d["metrics"]}
    assert "nFlow" in metrics


def test_identity(client: GenesysClient) -> None:
    info = client.token_info()
    assert info["OAuthClient"]["id"] == "local-client" and info["organization"]["name"] == "ivr-ci-local"


# --- the factory ----------------------------------------------------------------------------------
def test_client_for_environment(emulator: Any) -> None:
    environ = {"DEV_ID": "local-client", "DEV_SECRET": "local-secret"}
    env = {"name": "dev", "api_base": emulator.base_url, "client_id_env": "DEV_ID",
           "client_secret_env": "DEV_SECRET", "rate_limit": 1200}
    with client_for_environment(env, environ=environ) as client:
        assert client.transport.limiter.ceiling == 1200
        assert client.endpoints.token_url == f"{emulator.base_url}/oauth/token"
        assert client.find_queue("Sales")
    # --api-base and IVR_CI_API_BASE override a region
    regional = {"region": "eu-west-1", "client_id_env": "DEV_ID", "client_secret_env": "DEV_SECRET"}
    assert client_for_environment(regional, environ=environ).endpoints.api_base == "https://api.mypurecloud.ie"
    assert client_for_environment(regional, emulator.base_url, environ=environ).endpoints.api_base == emulator.base_url
    with_env = {**environ, "IVR_CI_API_BASE": emulator.base_url}
    assert client_for_environment(regional, environ=with_env).endpoints.api_base == emulator.base_url
    gc_region = {**environ, "GENESYSCLOUD_REGION": "ap-northeast-1"}
    no_region = {"client_id_env": "DEV_ID", "client_secret_env": "DEV_SECRET"}
    assert client_for_environment(no_region, environ=gc_region).endpoints.domain == "mypurecloud.jp"
    with pytest.raises(ConfigurationError, match="no `region`"):
        client_for_environment(no_region, environ=environ)
    with pytest.raises(ConfigurationError, match="rate_limit"):
        client_for_environment({**regional, "rate_limit": "fast"}, environ=environ)
    with pytest.raises(ConfigurationError, match="PROD_SECRET"):
        client_for_environment({**regional, "client_secret_env": "PROD_SECRET"}, environ=environ)
