"""The official Python SDK (purecloudplatformclientv2) pointed at the emulator works."""

from __future__ import annotations

import pytest
import requests

pc = pytest.importorskip("PureCloudPlatformClientV2")


@pytest.fixture
def sdk_client(emulator):
    return pc.api_client.ApiClient(host=emulator.base_url).get_client_credentials_token(
        "local-client", "local-secret")


def test_sdk_flows_and_import_job(sdk_client):
    arch = pc.ArchitectApi(sdk_client)
    listing = arch.get_flows(page_size=10, type=["inboundcall"])
    assert listing.total == 1 and listing.page_count == 1
    flow = arch.get_flow(listing.entities[0].id)
    assert (flow.name, flow.type, flow.division.name) == ("Main IVR", "INBOUNDCALL", "Home")
    assert flow.published_version.id == "1.0"
    job = arch.post_flows_jobs()
    assert job.presigned_url and job.headers
    yaml_text = flow_yaml_from_export(arch, flow.id)
    put = requests.put(job.presigned_url, data=yaml_text.encode(), headers=job.headers, timeout=10)
    assert put.status_code == 200
    states = [arch.get_flows_job(job.id, expand=["messages"]).status for _ in range(2)]
    assert states == ["Started", "Success"]
    assert arch.get_flow(flow.id).published_version.id == "2.0"


def flow_yaml_from_export(arch, flow_id: str) -> str:
    body = pc.RegisterArchitectExportJob()
    details = pc.ExportDetails()
    details.flow = pc.ArchitectFlowReference()
    details.flow.id = flow_id
    body.flows = [details]
    job = arch.post_flows_export_jobs(body)
    state = arch.get_flows_export_job(job.id)
    while state.status != "Success":
        assert state.status == "Started"
        state = arch.get_flows_export_job(job.id)
    return requests.get(state.download_url, timeout=10).text


def test_sdk_audit_query(sdk_client):
    audit = pc.AuditApi(sdk_client)
    query = pc.AuditQueryRequest()
    query.interval = "2020-01-01T00:00:00Z/2030-01-01T00:00:00Z"
    query.service_name = "Architect"
    sort = pc.AuditQuerySort()
    sort.name, sort.sort_order = "Timestamp", "ascending"
    query.sort = [sort]
    started = audit.post_audits_query(query)
    assert started.state == "Queued"
    state = started.state
    while state != "Succeeded":
        state = audit.get_audits_query_transaction_id(started.id).state
        assert state in ("Running", "Succeeded")
    actions, cursor = [], None
    while True:
        kwargs = {"page_size": 1, **({"cursor": cursor} if cursor else {})}
        page = audit.get_audits_query_transaction_id_results(started.id, **kwargs)
        actions += [e.action for e in page.entities]
        cursor = page.cursor
        if not cursor:
            break
    assert actions == ["Create", "Publish"]


@pytest.mark.emulator_unchecked
def test_sdk_sees_genesys_errors(sdk_client):
    arch = pc.ArchitectApi(sdk_client)
    with pytest.raises(pc.rest.ApiException) as info:
        arch.get_flow("no-such-flow")
    assert info.value.status == 404
    assert '"code":"not.found"' in info.value.body
    bad = pc.api_client.ApiClient(host=sdk_client.host)
    with pytest.raises(pc.rest.ApiException) as info:
        bad.get_client_credentials_token("local-client", "wrong")
    assert info.value.status == 401 and "invalid_client" in info.value.body


def test_sdk_user_prompts_resources_and_audio_upload(sdk_client, tmp_path):
    from tests.prompt_fixtures import write_pcm_wav

    arch = pc.ArchitectApi(sdk_client)
    body = pc.Prompt()
    body.name, body.description = "SdkGreeting", "made by the SDK"
    prompt = arch.post_architect_prompts(body)
    asset = pc.PromptAssetCreate()
    asset.language, asset.tts_string, asset.tags = "es-us", "Hola.", {"team": ["ivr"]}
    created = arch.post_architect_prompt_resources(prompt.id, asset)
    assert (created.language, created.tts_string, created.upload_status) == ("es-us", "Hola.", "created")
    upload = arch.post_architect_prompt_resource_uploads(prompt.id, "es-us")
    wav = write_pcm_wav(tmp_path / "hola.wav").read_bytes()
    assert requests.put(upload.url, data=wav, headers=upload.headers, timeout=10).status_code == 200
    res = arch.get_architect_prompt_resource(prompt.id, "es-us")
    assert res.upload_status == "transcoded" and res.duration_seconds == pytest.approx(0.1)
    assert requests.get(res.media_uri, timeout=10).content == wav
    update = pc.PromptAsset()
    update.language, update.tts_string = "es-us", "Hola de nuevo."
    assert arch.put_architect_prompt_resource(prompt.id, "es-us", update).tts_string == "Hola de nuevo."
    listing = arch.get_architect_prompt_resources(prompt.id)
    assert [r.language for r in listing.entities] == ["es-us"]
    found = arch.get_architect_prompts(name=["SdkGreeting"])
    assert [p.id for p in found.entities] == [prompt.id]
    arch.delete_architect_prompt(prompt.id, all_resources=True)
    assert arch.get_architect_prompts(name=["SdkGreeting"]).total == 0
