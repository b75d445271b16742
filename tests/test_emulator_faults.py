"""Emulator fault injection: every kind observable with plain HTTP, deterministic, thread-safe."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest_emulator import EmulatorApi

FLOWS = "/api/v2/flows"


def add_fault(emu, **spec):
    r = requests.post(emu.url("/__admin/faults"), json=spec)
    assert r.status_code == 200, r.text
    return r.json()["faults"][0]


def statuses(api: EmulatorApi, n: int, path: str = FLOWS) -> list[int]:
    return [api.get(path).status_code for _ in range(n)]


def test_throttle_on_nth_call(emulator_api, emulator):
    add_fault(emulator, kind="throttle", path="/api/v2/flows", nth=3, times=2, retryAfter=7)
    assert statuses(emulator_api, 5) == [200, 200, 429, 429, 200]
    add_fault(emulator, kind="throttle", nth=1)
    r = emulator_api.get(FLOWS)
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    body = r.json()
    assert body["code"] == "too.many.requests.retry.after" and body["status"] == 429
    assert body["message"] == "Rate limit exceeded the maximum. Retry the request in [1] seconds"
    assert body["contextId"] == r.headers["ININ-Correlation-Id"] and body["details"] == [] == body["errors"]


def test_throttle_path_and_method_filters(emulator_api, emulator):
    add_fault(emulator, kind="throttle", path="/api/v2/routing/*", method="GET", always=True)
    assert emulator_api.get("/api/v2/routing/queues").status_code == 429
    assert emulator_api.get(FLOWS).status_code == 200
    add_fault(emulator, kind="error", path="^/api/v2/flows$", method="POST", always=True, status=500)
    assert emulator_api.post(FLOWS, {"name": "x", "type": "INBOUNDCALL"}).status_code == 500
    assert emulator_api.get(FLOWS).status_code == 200


def test_rate_based_faults_are_seeded(emulator_factory):
    patterns = []
    for _ in range(2):
        emu = emulator_factory(fault_seed=42, faults=[{"kind": "throttle", "rate": 0.3, "path": FLOWS}])
        patterns.append(statuses(EmulatorApi(emu), 30))
    assert patterns[0] == patterns[1] and 429 in patterns[0] and 200 in patterns[0]
    other = emulator_factory(fault_seed=43, faults=[{"kind": "throttle", "rate": 0.3, "path": FLOWS}])
    assert statuses(EmulatorApi(other), 30) != patterns[0]


def test_real_rate_limit_per_token(emulator_api, emulator):
    add_fault(emulator, kind="rate_limit", perMinute=5)
    assert statuses(emulator_api, 6) == [200] * 5 + [429]
    r = emulator_api.get(FLOWS)
    assert 1 <= int(r.headers["Retry-After"]) <= 60 and r.json()["limit"]["value"] == 5
    other = EmulatorApi(emulator)  # another token has its own budget
    assert other.get(FLOWS).status_code == 200
    emulator.backend.clock.advance(61)
    assert emulator_api.get(FLOWS).status_code == 200


def test_rate_limit_is_exact_under_concurrency(emulator_api, emulator):
    add_fault(emulator, kind="rate_limit", perMinute=50, path="/api/v2/organizations/me")
    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(lambda _: emulator_api.get("/api/v2/organizations/me").status_code, range(120)))
    assert codes.count(200) == 50 and codes.count(429) == 70


def test_server_errors_once_n_times_always(emulator_api, emulator):
    add_fault(emulator, kind="error", path=FLOWS, status=503)
    assert statuses(emulator_api, 2) == [503, 200]
    add_fault(emulator, kind="error", path=FLOWS, status=504, times=2)
    assert statuses(emulator_api, 3) == [504, 504, 200]
    rule = add_fault(emulator, kind="error", path=FLOWS, status=500, always=True)
    assert statuses(emulator_api, 3) == [500, 500, 500]
    assert emulator_api.get(FLOWS).json()["code"] == "internal.server.error"
    requests.delete(emulator.url(f"/__admin/faults/{rule['id']}")).raise_for_status()
    assert emulator_api.get(FLOWS).status_code == 200


def test_connection_reset(emulator_api, emulator):
    add_fault(emulator, kind="reset", path=FLOWS, nth=2)
    assert emulator_api.get(FLOWS).status_code == 200
    with pytest.raises(requests.ConnectionError):
        emulator_api.get(FLOWS)
    assert emulator_api.get(FLOWS).status_code == 200


def test_latency(emulator_api, emulator):
    add_fault(emulator, kind="latency", ms=300, path="/api/v2/organizations/me")
    started = time.monotonic()
    emulator_api.get("/api/v2/organizations/me")
    delayed = time.monotonic() - started
    assert delayed >= 0.3
    started = time.monotonic()
    emulator_api.get(FLOWS)
    assert time.monotonic() - started < delayed  # other paths are not delayed


def test_token_expiry(emulator_api, emulator):
    add_fault(emulator, kind="token_expiry")
    r = emulator_api.get(FLOWS)
    assert r.status_code == 401 and r.json()["code"] == "bad.credentials"
    fresh = EmulatorApi(emulator)
    add_fault(emulator, kind="token_expiry", nth=2)
    assert statuses(fresh, 2) == [200, 401]


def test_token_issuance_throttle(emulator):
    add_fault(emulator, kind="token_throttle", retryAfter=3)
    r = requests.post(emulator.url("/oauth/token"), auth=("local-client", "local-secret"),
                      data={"grant_type": "client_credentials"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    assert r.json()["error_description"].startswith("rate limit exceeded;")
    ok = requests.post(emulator.url("/oauth/token"), auth=("local-client", "local-secret"),
                       data={"grant_type": "client_credentials"})
    assert ok.status_code == 200


def test_lock_fault_and_listing(emulator_api, emulator):
    add_fault(emulator, kind="lock", flow="Main IVR", user="John Smith")
    flow = emulator_api.get(FLOWS, name="Main IVR").json()["entities"][0]
    assert flow["lockedUser"]["name"] == "John Smith"
    add_fault(emulator, kind="throttle", nth=99)
    emulator_api.get(FLOWS)
    listed = requests.get(emulator.url("/__admin/faults")).json()["faults"]
    assert [f["kind"] for f in listed] == ["throttle"] and listed[0]["seen"] >= 1
    assert requests.delete(emulator.url("/__admin/faults")).json()["removed"] == 1
    assert requests.get(emulator.url("/__admin/faults")).json()["faults"] == []


def test_bad_fault_rules_are_rejected(emulator):
    for spec in ({"kind": "nope"}, {"kind": "error", "status": 404}, {"kind": "throttle", "rate": 2},
                 {"kind": "lock", "flow": "x"}):
        r = requests.post(emulator.url("/__admin/faults"), json=spec)
        assert r.status_code == 400, spec


def test_upload_faults_look_like_s3(emulator_api, emulator):
    add_fault(emulator, kind="error", path="/__upload/*", status=500)
    reg = emulator_api.post("/api/v2/flows/jobs").json()
    r = requests.put(reg["presignedUrl"], data=b"x", headers=reg["headers"])
    assert r.status_code == 500 and b"<Code>InternalError</Code>" in r.content
    assert requests.put(reg["presignedUrl"], data=b"x", headers=reg["headers"]).status_code == 200


def test_conflict_can_be_injected_on_any_path(emulator_api, emulator):
    add_fault(emulator, kind="error", path=FLOWS, status=409)
    r = emulator_api.get(FLOWS)
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    assert emulator_api.get(FLOWS).status_code == 200
    bad = requests.post(emulator.url("/__admin/faults"), json={"kind": "error", "status": 404})
    assert bad.status_code == 400 and "409" in bad.text
