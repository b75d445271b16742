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
