"""Emulator: OAuth, flows, versions, actions, lookups, errors — over real HTTP on loopback."""

from __future__ import annotations

import base64

import pytest
import requests

from tests.conftest_emulator import EMULATOR_FIXTURES, EmulatorApi, get_token

SEED = EMULATOR_FIXTURES / "seed.yaml"


def test_token_ok_and_error_bodies(emulator):
    ok = requests.post(emulator.url("/oauth/token"), auth=("local-client", "local-secret"),
                       data={"grant_type": "client_credentials"})
    assert ok.status_code == 200
    body = ok.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 86399 and len(body["access_token"]) > 40
    bad = requests.post(emulator.url("/oauth/token"), auth=("local-client", "nope"),
                        data={"grant_type": "client_credentials"})
    assert bad.status_code == 401
    assert bad.json() == {"error": "invalid_client", "description": "authentication failed",
                          "error_description": "authentication failed"}
    grant = requests.post(emulator.url("/oauth/token"), auth=("local-client", "local-secret"),
                          data={"grant_type": "authorization_code"})
    assert grant.status_code == 400 and grant.json()["error"] == "unauthorized_client"


def test_secrets_never_in_state_or_repr(emulator):
    token = get_token(emulator)
    state = requests.get(emulator.url("/__admin/state")).text
    assert "local-secret" not in state and token not in state
    assert "local-secret" not in repr(emulator) and token not in repr(emulator.backend.tokens)


@pytest.mark.emulator_unchecked
def test_missing_and_bad_bearer(emulator):
    r = requests.get(emulator.url("/api/v2/flows"))
    assert r.status_code == 401 and r.json()["code"] == "authentication.required"
    assert r.headers["ININ-Correlation-Id"] == r.json()["contextId"]
    r = requests.get(emulator.url("/api/v2/flows"), headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["code"] == "bad.credentials"
    assert r.json()["message"] == "Invalid login credentials."


def test_token_lifetime_follows_clock(emulator):
    api = EmulatorApi(emulator)
    assert api.get("/api/v2/organizations/me").status_code == 200
    requests.post(emulator.url("/__admin/clock"), json={"advanceSeconds": 86400})
    r = api.get("/api/v2/organizations/me")
    assert r.status_code == 401 and r.json()["code"] == "bad.credentials"


def test_flow_listing_paging_and_filters(emulator_api):
    api = emulator_api
    for i in range(3):
        body = {"name": f"Flow {i}", "type": "INBOUNDCALL" if i < 2 else "WORKFLOW"}
        assert api.post("/api/v2/flows", body).status_code == 200
    page = api.get("/api/v2/flows", pageSize=2, pageNumber=1, sortBy="name").json()
    assert page["total"] == 4 and page["pageCount"] == 2 and len(page["entities"]) == 2
    assert page["nextUri"].endswith("pageNumber=2") and "previousUri" not in page
    assert [f["name"] for f in page["entities"]] == ["Flow 0", "Flow 1"]
    multi = api.request("GET", "/api/v2/flows?type=workflow&type=commonmodule").json()
    assert [f["name"] for f in multi["entities"]] == ["Flow 2"]
    named = api.get("/api/v2/flows", name="main").json()
    assert [f["name"] for f in named["entities"]] == ["Main IVR"]
    assert named["entities"][0]["publishedVersion"]["id"] == "1.0"


def test_flow_lifecycle_and_locks(emulator_api, emulator):
    api = emulator_api
    flow = api.get("/api/v2/flows", name="Main IVR").json()["entities"][0]
    fid = flow["id"]
    out = api.post("/api/v2/flows/actions/checkout", flow=fid).json()
    assert out["lockedClient"]["id"] == "local-client"
    op = api.post("/api/v2/flows/actions/checkin", flow=fid).json()
    assert op["actionName"] == "CHECKIN" and op["actionStatus"] == "SUCCESS"
    assert api.get(f"/api/v2/flows/{fid}").json()["checkedInVersion"]["id"] == "2.0"
    op = api.post("/api/v2/flows/actions/publish", flow=fid).json()
    assert op["actionName"] == "PUBLISH"
    got = api.get(f"/api/v2/flows/{fid}").json()
    assert got["publishedVersion"]["id"] == "2.0" and "lockedClient" not in got
    versions = api.get(f"/api/v2/flows/{fid}/versions").json()
    assert [v["id"] for v in versions["entities"]] == ["2.0", "1.0"]
    conf = api.get(f"/api/v2/flows/{fid}/versions/1.0/configuration").json()
    assert conf["definition"]["inboundCall"]["name"] == "Main IVR"
    assert api.get(f"/api/v2/flows/{fid}/latestconfiguration").json()["version"] == "2.0"
    # a user takes the lock out of band → the client gets a 409 with a Genesys error body
    requests.post(emulator.url("/__admin/lock"), json={"flow": "Main IVR", "user": "Jane Doe"}).raise_for_status()
    locked = api.get(f"/api/v2/flows/{fid}").json()
    assert locked["lockedUser"]["name"] == "Jane Doe" and locked["lockedUser"]["version"] == 1
    r = api.post("/api/v2/flows/actions/checkout", flow=fid)
    assert r.status_code == 409 and "locked by user 'Jane Doe'" in r.json()["message"]
    assert api.post("/api/v2/flows/actions/unlock", flow=fid).status_code == 200
    assert api.post("/api/v2/flows/actions/deactivate", flow=fid).json()["active"] is False
    assert api.request("DELETE", f"/api/v2/flows/{fid}").status_code == 200
    assert api.get(f"/api/v2/flows/{fid}").status_code == 404
    assert api.get(f"/api/v2/flows/{fid}", deleted="true").json()["deleted"] is True


def test_history_lists_changes(emulator_api):
    api = emulator_api
    fid = api.get("/api/v2/flows", name="Main IVR").json()["entities"][0]["id"]
    api.post("/api/v2/flows/actions/checkout", flow=fid)
    api.post("/api/v2/flows/actions/checkin", flow=fid)
    hid = api.post(f"/api/v2/flows/{fid}/history").json()["id"]
    hist = api.get(f"/api/v2/flows/{fid}/history/{hid}", sortOrder="asc").json()
    assert [e["action"] for e in hist["entities"]] == ["CREATE", "PUBLISH", "CHECKOUT", "CHECKIN"]


def test_lookups(emulator_factory):
    emu = emulator_factory(seed=SEED)
    api = EmulatorApi(emu, ("dev-client", "dev-secret"))
    queues = api.get("/api/v2/routing/queues", name="Support").json()["entities"]
    assert [(q["name"], q["memberCount"], q["joinedMemberCount"]) for q in queues] == [("Support", 4, 2)]
    assert api.get("/api/v2/routing/queues", name="S*").json()["total"] == 2
    assert api.get(f"/api/v2/routing/queues/{queues[0]['id']}").json()["name"] == "Support"
    prompts = api.request("GET", "/api/v2/architect/prompts?name=Welcome&name=MainMenu").json()
    assert sorted(p["name"] for p in prompts["entities"]) == ["MainMenu", "Welcome"]
    actions = api.get("/api/v2/integrations/actions", name="Account").json()["entities"]
    assert actions[0]["category"] == "Acme CRM" and actions[0]["name"] == "Get Account"
    divs = api.get("/api/v2/authorization/divisions").json()["entities"]
    assert {d["name"] for d in divs} == {"Home", "Support"}
    assert api.get("/api/v2/architect/schedulegroups").json()["entities"][0]["openSchedules"][0]["name"] == "Weekdays"
    assert api.get("/api/v2/routing/languages").json()["entities"][0]["name"] == "English"
    assert api.get("/api/v2/flows/datatables", expand="schema").json()["entities"][0]["schema"]["properties"]
    assert api.get("/api/v2/architect/systemprompts").json()["total"] > 3
    me = api.get("/api/v2/organizations/me").json()
    assert me["name"] == "Acme Dev"
    tok = api.get("/api/v2/tokens/me").json()
    assert tok["OAuthClient"]["id"] == "dev-client" and tok["organization"]["name"] == "Acme Dev"


def test_orgs_are_isolated(emulator_factory):
    emu = emulator_factory(seed=SEED)
    dev = EmulatorApi(emu, ("dev-client", "dev-secret"))
    test = EmulatorApi(emu, ("test-client", "test-secret"))
    assert dev.get("/api/v2/flows").json()["total"] == 2
    assert test.get("/api/v2/flows").json()["total"] == 0
    assert test.get("/api/v2/organizations/me").json()["name"] == "Acme Test"


def test_dependency_tracking(emulator_factory):
    emu = emulator_factory(seed=SEED)
    api = EmulatorApi(emu, ("dev-client", "dev-secret"))
    flow = api.get("/api/v2/flows", name="Main IVR").json()["entities"][0]
    consumed = api.get("/api/v2/architect/dependencytracking/consumedresources", id=flow["id"],
                       version=flow["publishedVersion"]["id"], objectType="INBOUNDCALLFLOW").json()
    kinds = {(d["type"], d["name"]) for d in consumed["entities"]}
    assert kinds == {("QUEUE", "Support"), ("DATAACTION", "Get Account"), ("ACDLANGUAGE", "English"),
                     ("COMMONMODULEFLOW", "Greeting Module")}
    queue = next(d for d in consumed["entities"] if d["type"] == "QUEUE")
    users = api.get("/api/v2/architect/dependencytracking/consumingresources", id=queue["id"],
                    objectType="QUEUE").json()
    assert [d["name"] for d in users["entities"]] == ["Main IVR"]
    found = api.get("/api/v2/architect/dependencytracking", name="Main", consumedResources="true").json()
    assert found["entities"][0]["consumedResources"]
    # delete the queue out of band → the flow shows up as a consumer of a deleted resource
    requests.post(emu.url("/__admin/objects"), json={"org": "Acme Dev", "kind": "queue", "remove": ["Support"]})
    broken = api.get("/api/v2/architect/dependencytracking/deletedresourceconsumers").json()
    assert [d["name"] for d in broken["entities"]] == ["Main IVR"]
    assert api.get("/api/v2/architect/dependencytracking/build").json()["status"] == "OPERATIONAL"


def test_analytics_is_deterministic(emulator_api):
    body = {"interval": "2026-01-01T00:00:00Z/2026-01-03T00:00:00Z", "granularity": "P1D",
            "groupBy": ["flowId"], "metrics": ["nFlow", "tFlowDisconnect", "nFlowOutcome", "nFlowOutcomeFailed"]}
    emulator_api.emu.backend.clock.set_offset(0)
    for flow in emulator_api.emu.backend.org().flows.records.values():
        flow.created_ms = 0  # existed during the interval
    first = emulator_api.post("/api/v2/analytics/flows/aggregates/query", body).json()
    second = emulator_api.post("/api/v2/analytics/flows/aggregates/query", body).json()
    assert first == second and first["results"]
    data = first["results"][0]["data"]
    assert len(data) == 2 and data[0]["interval"] == "2026-01-01T00:00:00.000Z/2026-01-02T00:00:00.000Z"
    stats = {m["metric"]: m["stats"] for m in data[0]["metrics"]}
    assert stats["tFlowDisconnect"]["count"] <= stats["nFlow"]["count"]



def test_comma_joined_arrays_like_the_sdks_send(emulator_api):
    emulator_api.post("/api/v2/flows", {"name": "W", "type": "WORKFLOW"})
    multi = emulator_api.request("GET", "/api/v2/flows?type=workflow&type=commonmodule").json()
    joined = emulator_api.get("/api/v2/flows", type="workflow,commonmodule").json()
    assert [f["name"] for f in multi["entities"]] == [f["name"] for f in joined["entities"]] == ["W"]


@pytest.mark.emulator_unchecked
def test_error_shapes(emulator_api):
    r = emulator_api.get("/api/v2/flows", type="nonsense")
    assert r.status_code == 400 and r.json()["code"] == "invalid.value"
    assert set(r.json()) >= {"message", "code", "status", "contextId", "messageParams", "details", "errors"}
    assert emulator_api.get("/api/v2/flows/does-not-exist").json()["code"] == "not.found"
    assert emulator_api.get("/api/v2/nothing/here").status_code == 404
    r = emulator_api.request("PATCH", "/api/v2/flows")
    assert r.status_code == 405
    r = emulator_api.request("POST", "/api/v2/audits/query", data=b"{", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "bad.request"
    r = emulator_api.request("POST", "/api/v2/audits/query", data=b"x", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


def test_basic_auth_header_shape(emulator):
    raw = base64.b64encode(b"local-client:local-secret").decode()
    r = requests.post(emulator.url("/oauth/token"), headers={"Authorization": f"Basic {raw}"},
                      data={"grant_type": "client_credentials"})
    assert r.status_code == 200
