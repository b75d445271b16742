"""Fidelity: a broad scenario drives every operation of the Genesys OpenAPI subset through the
emulator with recording on, then checks every request and response against the document."""

from __future__ import annotations

import requests

from ivr_ci.emulator.urls import ROUTES
from ivr_ci.emulator.util import iso_ms
from tests.conftest_emulator import EMULATOR_FIXTURES, EmulatorApi, openapi_problems
from tests.openapi_check import genesys_document


def test_route_table_covers_the_subset_exactly():
    doc = genesys_document()
    declared = {(m.upper(), p) for p, item in doc.document["paths"].items() for m in item
                if m in ("get", "post", "put", "delete", "patch")}
    routed = {(m, t) for m, t, _, area in ROUTES if area in ("api", "oauth")}
    # 68 operations of the shared subset + 10 user prompt operations (reference/genesys-openapi-prompts.json)
    assert routed == declared and len(declared) == 78


def _scenario(emu) -> None:  # one long walk through the API, on purpose
    api = EmulatorApi(emu, ("dev-client", "dev-secret"))
    g, p = api.get, api.post
    flows = g("/api/v2/flows", pageSize=1, includeSchemas="true").json()
    main = next(f for f in g("/api/v2/flows").json()["entities"] if f["name"] == "Main IVR")
    fid, ver = main["id"], main["publishedVersion"]["id"]
    assert flows["total"] == 2
    g("/api/v2/flows/lookup", id=fid)
    g("/api/v2/flows/divisionviews", type="inboundcall")
    g(f"/api/v2/flows/{fid}")
    g(f"/api/v2/flows/{fid}/versions")
    g(f"/api/v2/flows/{fid}/versions/{ver}")
    g(f"/api/v2/flows/{fid}/versions/{ver}/configuration")
    g(f"/api/v2/flows/{fid}/latestconfiguration")
    hid = p(f"/api/v2/flows/{fid}/history").json()["id"]
    g(f"/api/v2/flows/{fid}/history/{hid}", pageSize=5)
    new = p("/api/v2/flows", {"name": "Scratch", "type": "WORKFLOW", "description": "tmp"}).json()
    api.request("PUT", f"/api/v2/flows/{new['id']}", json={"name": "Scratch", "description": "tmp2"})
    p(f"/api/v2/flows/{new['id']}/versions", {"states": []})
    p("/api/v2/flows/actions/checkin", flow=new["id"])
    p("/api/v2/flows/actions/checkout", flow=new["id"])
    p("/api/v2/flows/actions/revert", flow=new["id"])
    p("/api/v2/flows/actions/publish", flow=new["id"])
    p("/api/v2/flows/actions/checkout", flow=new["id"])
    p("/api/v2/flows/actions/unlock", flow=new["id"])
    p("/api/v2/flows/actions/deactivate", flow=new["id"])
    api.request("DELETE", f"/api/v2/flows/{new['id']}")
    other = p("/api/v2/flows", {"name": "Scratch 2", "type": "WORKFLOW"}).json()
    api.request("DELETE", "/api/v2/flows", params={"id": other["id"]})
    # jobs
    yaml_text = (EMULATOR_FIXTURES / "flows" / "main-ivr.yaml").read_text(encoding="utf-8")
    assert api.import_flow(yaml_text)["status"] == "Success"
    assert api.import_flow(yaml_text.replace("Support\n", "Nope\n"))["status"] == "Failure"
    job = p("/api/v2/flows/export/jobs", {"flows": [{"flow": {"id": fid}, "exportType": "Yaml"}]}).json()
    g(f"/api/v2/flows/export/jobs/{job['id']}")
    g(f"/api/v2/flows/export/jobs/{job['id']}", expand="messages")
    vjob = p("/api/v2/flows/validate/jobs", {"flows": [{"flow": {"name": "Main IVR", "type": "INBOUNDCALL"}}]})
    g(f"/api/v2/flows/validate/jobs/{vjob.json()['id']}", expand="messages")
    # lookups
    g("/api/v2/flows/datatables", expand="schema")
    outcome = g("/api/v2/flows/outcomes").json()["entities"][0]
    g(f"/api/v2/flows/outcomes/{outcome['id']}")
    g("/api/v2/flows/milestones")
    queue = g("/api/v2/routing/queues", name="Support", sortOrder="asc").json()["entities"][0]
    g(f"/api/v2/routing/queues/{queue['id']}")
    g("/api/v2/routing/skills")
    g("/api/v2/routing/languages", sortOrder="ascending")
    g("/api/v2/routing/wrapupcodes", sortBy="name")
    prompt = g("/api/v2/architect/prompts", name="Welcome").json()["entities"][0]
    g(f"/api/v2/architect/prompts/{prompt['id']}")
    g("/api/v2/architect/systemprompts")
    _prompt_writes(api, prompt["id"])
    group = g("/api/v2/architect/schedulegroups").json()["entities"][0]
    g(f"/api/v2/architect/schedulegroups/{group['id']}")
    schedule = g("/api/v2/architect/schedules").json()["entities"][0]
    g(f"/api/v2/architect/schedules/{schedule['id']}")
    g("/api/v2/architect/ivrs")
    action = g("/api/v2/integrations/actions", name="Account").json()["entities"][0]
    g(f"/api/v2/integrations/actions/{action['id']}")
    g("/api/v2/authorization/divisions")
    g("/api/v2/organizations/me")
    g("/api/v2/tokens/me")
    # dependency tracking
    main = g(f"/api/v2/flows/{fid}").json()
    g("/api/v2/architect/dependencytracking", name="Main", consumedResources="true")
    g("/api/v2/architect/dependencytracking/build")
    p("/api/v2/architect/dependencytracking/build")
    g("/api/v2/architect/dependencytracking/consumedresources", id=fid,
      version=main["publishedVersion"]["id"], objectType="INBOUNDCALLFLOW")
    g("/api/v2/architect/dependencytracking/consumingresources", id=queue["id"], objectType="QUEUE")
    g("/api/v2/architect/dependencytracking/object", id=fid)
    g("/api/v2/architect/dependencytracking/types")
    g("/api/v2/architect/dependencytracking/types/QUEUE")
    g("/api/v2/architect/dependencytracking/deletedresourceconsumers")
    g("/api/v2/architect/dependencytracking/updatedresourceconsumers")
    # audits and analytics
    requests.post(emu.url("/__admin/ui-edit"), json={"org": "Acme Dev", "flow": "Main IVR", "user": "Jane Doe",
                                                     "description": "UI"}).raise_for_status()
    interval = "2020-01-01T00:00:00Z/2030-01-01T00:00:00Z"
    tid = p("/api/v2/audits/query", {"interval": interval, "serviceName": "Architect",
                                      "filters": [{"property": "EntityType", "value": "Flow"}]}).json()["id"]
    g(f"/api/v2/audits/query/{tid}")
    g(f"/api/v2/audits/query/{tid}")
    page = g(f"/api/v2/audits/query/{tid}/results", pageSize=3, expand="user").json()
    g(f"/api/v2/audits/query/{tid}/results", pageSize=3, cursor=page["cursor"])
    yesterday = iso_ms(emu.backend.clock.now_ms() - 86_400_000)
    realtime = p("/api/v2/audits/query/realtime", {"interval": f"{yesterday}/2030-01-01T00:00:00Z"},
                 expand="user").json()
    p("/api/v2/audits/query/realtime/related", {"auditId": realtime["entities"][0]["id"]})
    g("/api/v2/audits/query/servicemapping")
    g("/api/v2/audits/query/realtime/servicemapping")
    p("/api/v2/analytics/flows/aggregates/query", {
        "interval": "2026-01-01T00:00:00Z/2026-01-08T00:00:00Z", "granularity": "P1D",
        "groupBy": ["flowId", "flowOutcomeId"], "metrics": ["nFlow", "nFlowOutcome", "tFlow", "tFlowDisconnect"],
        "filter": {"type": "and", "predicates": [{"type": "dimension", "dimension": "flowType",
                                                  "operator": "matches", "value": "INBOUNDCALL"}]}})


def _prompt_writes(api: EmulatorApi, seeded_id: str) -> None:
    from tests.prompt_fixtures import write_tagged_wav

    new = api.post("/api/v2/architect/prompts", {"name": "Fidelity", "description": "tmp"}).json()
    pid = new["id"]
    api.request("PUT", f"/api/v2/architect/prompts/{pid}", json={"name": "Fidelity", "description": "tmp2"})
    api.post(f"/api/v2/architect/prompts/{pid}/resources", {"language": "en-us", "ttsString": "Hi"})
    api.get(f"/api/v2/architect/prompts/{pid}/resources")
    api.request("PUT", f"/api/v2/architect/prompts/{pid}/resources/en-us", json={"language": "en-us", "text": "x"})
    target = api.post(f"/api/v2/architect/prompts/{pid}/resources/en-us/uploads").json()
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        wav = write_tagged_wav(Path(tmp) / "a.wav", 7).read_bytes()
    requests.put(target["url"], data=wav, headers=target["headers"], timeout=10).raise_for_status()
    media = api.get(f"/api/v2/architect/prompts/{pid}/resources/en-us").json()["mediaUri"]
    assert requests.get(media, timeout=10).content == wav
    api.request("DELETE", f"/api/v2/architect/prompts/{pid}/resources/en-us/audio")
    api.request("DELETE", f"/api/v2/architect/prompts/{pid}/resources/en-us")
    api.request("DELETE", f"/api/v2/architect/prompts/{pid}", params={"allResources": "true"})
    api.get(f"/api/v2/architect/prompts/{seeded_id}/resources")


def test_every_response_matches_the_openapi_subset():
    seed = EMULATOR_FIXTURES / "seed.yaml"
    from ivr_ci.emulator.server import start_emulator

    with start_emulator(seed=seed, record=True) as emu:
        emu.backend.org("Acme Dev").objects.add("ivr", {"name": "Main Line", "dnis": ["+15551234567"],
                                                        "openHoursFlow": "Main IVR",
                                                        "scheduleGroup": "Business Hours"})
        _scenario(emu)
        problems = openapi_problems(emu)
        exercised = {(e["method"], e["path"]) for e in emu.exchanges}
        statuses = {e["status"] for e in emu.exchanges}
    assert problems == []
    doc = genesys_document()
    operations = set()
    for method, path in exercised:
        found = doc.match(method, path)
        if found:
            operations.add(found[0].label())
    assert len(operations) == 78, sorted(operations)
    assert {200, 202} <= statuses
