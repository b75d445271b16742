"""Emulator: import jobs (presigned upload, polling, real YAML checks), export and validate jobs."""

from __future__ import annotations

import io
import zipfile

import pytest
import requests

from tests.conftest_emulator import EMULATOR_FIXTURES, EmulatorApi

SEED = EMULATOR_FIXTURES / "seed.yaml"

FLOW = """\
inboundCall:
  name: {name}
  description: {description}
  division: Home
  startUpRef: "/inboundCall/menus/menu[Main_10]"
  defaultLanguage: en-us
  menus:
    - menu:
        name: Main
        refId: Main_10
        audio:
          tts: Press 1.
        choices:
          - menuTransferToAcd:
              name: Queue
              dtmf: digit_1
              targetQueue:
                lit:
                  name: {queue}
"""


def flow_yaml(name: str = "Billing IVR", queue: str = "General Support", description: str = "v1") -> str:
    return FLOW.format(name=name, queue=queue, description=description)


def texts(state: dict) -> str:
    return "\n".join(m["text"] for m in state.get("messages", []))


def test_import_job_protocol_and_states(emulator_api, emulator):
    api = emulator_api
    reg = api.post("/api/v2/flows/jobs").json()
    assert set(reg) == {"id", "presignedUrl", "headers", "selfUri"}
    assert reg["presignedUrl"].startswith(emulator.base_url + "/__upload/")
    job = f"/api/v2/flows/jobs/{reg['id']}"
    assert api.get(job).json()["status"] == "Registered"
    put = requests.put(reg["presignedUrl"], data=flow_yaml().encode(), headers=reg["headers"])
    assert put.status_code == 200 and put.headers["ETag"]
    first = api.get(job, expand="messages").json()
    assert first["status"] == "Started" and "flow" not in first
    final = api.get(job, expand="messages").json()
    assert final["status"] == "Success" and final["command"] == "Publish"
    flow = api.get(f"/api/v2/flows/{final['flow']['id']}").json()
    assert flow["name"] == "Billing IVR" and flow["publishedVersion"]["id"] == "1.0"
    assert "messages" not in api.get(job).json()
    # a second import of the same (type, name) updates the flow with a new published version
    again = api.import_flow(flow_yaml(description="v2"))
    assert again["status"] == "Success" and again["flow"]["id"] == flow["id"]
    flow = api.get(f"/api/v2/flows/{flow['id']}").json()
    assert flow["publishedVersion"]["id"] == "2.0" and flow["description"] == "v2"


def test_upload_must_look_like_s3(emulator_api):
    reg = emulator_api.post("/api/v2/flows/jobs").json()
    url, headers = reg["presignedUrl"], reg["headers"]
    with_auth = requests.put(url, data=b"x", headers={**headers, "Authorization": "Bearer abc"})
    assert with_auth.status_code == 400 and b"<Code>InvalidArgument</Code>" in with_auth.content
    missing = requests.put(url, data=b"x", headers={"Content-Type": headers["Content-Type"]})
    assert missing.status_code == 403 and b"SignatureDoesNotMatch" in missing.content
    tampered = requests.put(url.replace("X-Amz-Signature=", "X-Amz-Signature=00"), data=b"x", headers=headers)
    assert tampered.status_code == 403
    emulator_api.emu.backend.clock.advance(901)
    expired = requests.put(url, data=b"x", headers=headers)
    assert expired.status_code == 403 and b"Request has expired" in expired.content


@pytest.mark.parametrize(("yaml_text", "expected"), [
    (flow_yaml(name="{{flow_name}}"),
     "pre-processor substitution key of '{{flow_name}}' was found in the flow YAML, but was not found "
     "in the options file"),
    ("inboundCall:\n  name: x\n  menus: [\n", "Error parsing the flow YAML at line"),
    (flow_yaml(queue="Nope Queue"), "unable to find a queue named 'Nope Queue' (line 17)"),
    (flow_yaml().replace("division: Home", "division: Elsewhere"), "Unable to find a division named 'Elsewhere'"),
    ("inQueueCall:\n  name: x\n", "Unknown flow type 'inQueueCall'"),
    ("", "The uploaded flow file is empty."),
], ids=["placeholder", "yaml-syntax", "missing-queue", "missing-division", "unknown-type", "empty"])
def test_import_failures(emulator_api, yaml_text, expected):
    state = emulator_api.import_flow(yaml_text)
    assert state["status"] == "Failure"
    assert expected in texts(state)
    assert all(m["type"] in ("Error", "Warning", "Unknown") for m in state["messages"])


def test_a_placeholder_in_a_yaml_comment_does_not_fail_the_import(emulator_api):
    # Archy reads YAML: a comment never reaches the flow (validate-flow and promote agree)
    state = emulator_api.import_flow("# values for {{flow_name}} come per environment\n" + flow_yaml())
    assert state["status"] == "Success", texts(state)


def test_missing_reference_has_network_diagnostic(emulator_api):
    state = emulator_api.import_flow(flow_yaml(queue="Ghost"))
    detail = state["messages"][0]["details"][0]
    assert detail["type"] == "NetworkDiagnostic" and detail["url"] == "/api/v2/routing/queues?name=Ghost"


def test_seeded_references_and_system_prompts(emulator_factory):
    emu = emulator_factory(seed=SEED)
    api = EmulatorApi(emu, ("dev-client", "dev-secret"))
    module = (EMULATOR_FIXTURES / "flows" / "greeting-module.yaml").read_text()
    ok = api.import_flow(module.replace("Prompt.Welcome", "PromptSystem.on_hold_music"))
    assert ok["status"] == "Success", texts(ok)
    bad = api.import_flow(module.replace("Prompt.Welcome", "Prompt.Missing"))
    assert "unable to find a user prompt named 'Missing'" in texts(bad)
    ivr = (EMULATOR_FIXTURES / "flows" / "main-ivr.yaml").read_text()
    bad = api.import_flow(ivr.replace("Get Account", "Delete Account"))
    assert "unable to find a data action named 'Delete Account' in integration 'Acme CRM'" in texts(bad)
    bad = api.import_flow(ivr.replace("Greeting Module", "Other Module"))
    assert "unable to find a common module flow named 'Other Module'" in texts(bad)
    stubbed = api.import_flow(ivr.replace("Greeting Module", "Other Module"), create_stubs=True)
    assert stubbed["status"] == "Success"
    stub = api.get("/api/v2/flows", name="Other Module").json()["entities"][0]
    assert stub["type"] == "COMMONMODULE" and "publishedVersion" not in stub


def test_import_fails_when_a_user_holds_the_lock(emulator_api, emulator):
    requests.post(emulator.url("/__admin/lock"), json={"flow": "Main IVR", "user": "Jane Doe"}).raise_for_status()
    main = next(iter(emulator.backend.org().flows.records.values()))
    state = emulator_api.import_flow(main.latest.yaml)
    assert state["status"] == "Failure"
    assert "is locked by user 'Jane Doe'" in texts(state)


def test_job_failure_fault(emulator_api, emulator):
    requests.post(emulator.url("/__admin/faults"), json={"kind": "job_failure", "nth": 2}).raise_for_status()
    assert emulator_api.import_flow(flow_yaml(name="A"))["status"] == "Success"
    failed = emulator_api.import_flow(flow_yaml(name="B"))
    assert failed["status"] == "Failure" and "injected fault" in texts(failed)
    assert emulator_api.import_flow(flow_yaml(name="C"))["status"] == "Success"
    requests.post(emulator.url("/__admin/faults"),
                  json={"kind": "job_failure", "flow": "D", "message": "boom"}).raise_for_status()
    assert texts(emulator_api.import_flow(flow_yaml(name="D"))).startswith("boom")
    assert emulator_api.import_flow(flow_yaml(name="E"))["status"] == "Success"


def test_job_latency_setting(emulator_api, emulator):
    requests.post(emulator.url("/__admin/settings"), json={"importJobPolls": 4})
    reg = emulator_api.post("/api/v2/flows/jobs").json()
    requests.put(reg["presignedUrl"], data=flow_yaml().encode(), headers=reg["headers"])
    statuses = [emulator_api.get(f"/api/v2/flows/jobs/{reg['id']}").json()["status"] for _ in range(5)]
    assert statuses == ["Started", "Started", "Started", "Success", "Success"]


def test_export_single_and_zip(emulator_api):
    api = emulator_api
    api.import_flow(flow_yaml())
    flows = api.get("/api/v2/flows").json()["entities"]
    main = next(f for f in flows if f["name"] == "Billing IVR")
    job = api.post("/api/v2/flows/export/jobs", {"flows": [{"flow": {"id": main["id"]}, "exportType": "Yaml"}]}).json()
    assert job["status"] == "Registered" and job["totalFlows"] == 1
    path = f"/api/v2/flows/export/jobs/{job['id']}"
    assert api.get(path).json()["status"] == "Started"
    done = api.get(path, expand="messages").json()
    assert done["status"] == "Success"
    got = requests.get(done["downloadUrl"])  # plain GET, no auth
    assert got.status_code == 200
    # what Archy exports: the stored flow re-serialised (no comments, its key order, every menu
    # setting written out as noValue), the same flow in meaning but not the uploaded bytes
    from ivr_ci.diff.normalize import semantically_equal
    from ivr_ci.flow import load_flow_text

    assert got.text != flow_yaml() and "#" not in got.text and "noValue: true" in got.text
    exported, uploaded = load_flow_text(got.text, "export"), load_flow_text(flow_yaml(), "upload")
    assert semantically_equal(exported.flow, uploaded.flow)
    assert 'filename="Billing_IVR_v1-0.yaml"' in got.headers["Content-Disposition"]
    assert requests.get(done["downloadUrl"], headers={"Authorization": "Bearer x"}).status_code == 400
    both = api.post("/api/v2/flows/export/jobs", {"flows": [
        {"flow": {"id": f["id"]}, "fileName": f"f{i}"} for i, f in enumerate(flows)]}).json()
    api.get(f"/api/v2/flows/export/jobs/{both['id']}")
    url = api.get(f"/api/v2/flows/export/jobs/{both['id']}").json()["downloadUrl"]
    with zipfile.ZipFile(io.BytesIO(requests.get(url).content)) as zf:
        assert sorted(zf.namelist()) == ["f0.yaml", "f1.yaml"]


def test_export_of_unpublished_flow_fails(emulator_api):
    fid = emulator_api.post("/api/v2/flows", {"name": "Draft", "type": "INBOUNDCALL"}).json()["id"]
    job = emulator_api.post("/api/v2/flows/export/jobs", {"flows": [{"flow": {"id": fid}}]}).json()
    emulator_api.get(f"/api/v2/flows/export/jobs/{job['id']}")
    done = emulator_api.get(f"/api/v2/flows/export/jobs/{job['id']}", expand="messages").json()
    assert done["status"] == "Failure" and "could not find the flow with id" in texts(done)


def test_validate_job(emulator_api, emulator):
    main = emulator_api.get("/api/v2/flows", name="Main IVR").json()["entities"][0]
    job = emulator_api.post("/api/v2/flows/validate/jobs", {"flows": [{"flow": {"id": main["id"]}}]}).json()
    emulator_api.get(f"/api/v2/flows/validate/jobs/{job['id']}")
    assert emulator_api.get(f"/api/v2/flows/validate/jobs/{job['id']}").json()["status"] == "Success"
    requests.post(emulator.url("/__admin/objects"), json={"kind": "queue", "remove": ["General Support"]})
    job = emulator_api.post("/api/v2/flows/validate/jobs", {"flows": [{"flow": {"id": main["id"]}}]}).json()
    emulator_api.get(f"/api/v2/flows/validate/jobs/{job['id']}")
    done = emulator_api.get(f"/api/v2/flows/validate/jobs/{job['id']}", expand="messages").json()
    assert done["status"] == "Failure" and "General Support" in texts(done)


def test_every_resource_backend_round_trips_its_state(emulator_api, emulator):
    """Each part of an org writes and reads its own keys of the state: after a load into a fresh
    backend the state is the same, and the loaded jobs, flows and audits still work."""
    from ivr_ci.emulator.models import EmulatorBackend

    api = emulator_api
    assert api.import_flow(flow_yaml())["status"] == "Success"
    flow = next(f for f in api.get("/api/v2/flows").json()["entities"] if f["name"] == "Billing IVR")
    export = api.post("/api/v2/flows/export/jobs", {"flows": [{"flow": {"id": flow["id"]}}]}).json()
    state = emulator.backend.to_state()
    org_state = state["orgs"][0]
    assert {"counter", "objects", "flows", "importCount", "importJobs", "exportJobs", "audits"} <= set(org_state)
    assert org_state["importCount"] == 1 and len(org_state["exportJobs"]) == 1

    copy = EmulatorBackend()
    copy.load_state(state)
    assert copy.to_state() == state
    org = copy.org()
    assert org.flows.get(flow["id"]).published_version.yaml == flow_yaml()
    assert org.exports.poll_export(org.exports.jobs[export["id"]]).status in ("Started", "Success")
    assert len(org.audits) == len(emulator.backend.org().audits)
    assert org.new_id("x") == emulator.backend.org().new_id("x")  # the id counter came along


def test_an_abandoned_import_job_still_finishes_on_the_service_clock(emulator_api):
    """The real service runs an uploaded job whether or not anyone polls it: a client that
    registers, uploads and dies (a killed runner) still publishes the flow."""
    api = emulator_api
    reg = api.post("/api/v2/flows/jobs").json()
    put = requests.put(reg["presignedUrl"], data=flow_yaml(name="Abandoned IVR").encode(), headers=reg["headers"])
    assert put.status_code == 200
    names = lambda: [f["name"] for f in api.get("/api/v2/flows?pageSize=100").json()["entities"]]  # noqa: E731
    assert "Abandoned IVR" not in names()  # not yet: the job has not had its time
    api.emu.backend.clock.advance(api.emu.backend.settings.import_job_completes_ms / 1000 + 1)
    assert "Abandoned IVR" in names()  # nobody polled, the job finished anyway
    job = api.get(f"/api/v2/flows/jobs/{reg['id']}").json()
    assert job["status"] == "Success"
