"""Import (publish) and export jobs against the real emulator, through their one implementation each:
`promote.deploy.Deployer` on the client's job steps, and `promote.target.export_published`."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ivr_ci.genesys import (
    ExportJobFailed,
    GenesysClient,
    ImportJob,
    ImportJobFailed,
    JobTimeout,
)
from ivr_ci.genesys.paging import iter_entities
from ivr_ci.promote.deploy import Deployer
from ivr_ci.promote.poller import AdaptivePoller
from ivr_ci.promote.target import export_published, lock_of
from tests.genesys_helpers import admin, flow_named, get_flow

FLOW = """\
inboundCall:
  name: {name}
  division: Home
  startUpRef: "/inboundCall/menus/menu[Main Menu_10]"
  defaultLanguage: en-us
  supportedLanguages:
    en-us:
      defaultLanguageSkill:
        noValue: true
  initialGreeting:
    tts: Welcome.
  menus:
    - menu:
        name: Main Menu
        refId: Main Menu_10
        audio:
          tts: Press 1.
        choices:
          - menuTransferToAcd:
              name: Support
              dtmf: digit_1
              targetQueue:
                lit:
                  name: {queue}
  settingsErrorHandling:
    errorHandling:
      disconnect:
        none: true
"""


def flow_yaml(name: str = "Billing IVR", queue: str = "General Support") -> str:
    return FLOW.format(name=name, queue=queue)


class Events:
    """The Deployer's progress lines, as (label, stage, detail). Exactly the `Progress`
    contract (three arguments, none optional), so a call that leaves one out fails here."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []

    def __call__(self, label: str, stage: str, detail: str) -> None:
        self.seen.append((label, stage, detail))

    @property
    def stages(self) -> list[str]:
        return [stage for _, stage, _ in self.seen]


def deployer(client: GenesysClient, timeout: float = 30.0) -> tuple[Deployer, Events]:
    events = Events()
    return Deployer(client, AdaptivePoller(initial=0.01, cap=0.05), events, timeout), events


def test_publish_creates_and_publishes_with_progress(client: GenesysClient) -> None:
    deploy, events = deployer(client)
    result = deploy.publish("billing", "Billing IVR", flow_yaml())
    assert events.stages[:2] == ["queued", "uploading"] and events.stages[-1] == "published"
    assert set(events.stages[2:-1]) <= {"importing"} and result.polls == len(events.stages) - 2
    assert f"job {result.job_id}" in events.seen[1][2]
    flow = get_flow(client, result.flow_id)
    assert flow["name"] == "Billing IVR" and flow["publishedVersion"]["id"] == "1.0"
    assert result.seconds > 0 and deploy.touched["billing"].final == "Success"
    # the same name again updates the same flow with a new version
    again = deploy.publish("billing", "Billing IVR", flow_yaml())
    assert again.flow_id == result.flow_id
    assert get_flow(client, result.flow_id)["publishedVersion"]["id"] == "2.0"
    versions = iter_entities(client.transport, f"/api/v2/flows/{result.flow_id}/versions")
    assert [v["id"] for v in versions][:2] == ["2.0", "1.0"]


def test_polling_continues_until_the_job_finishes(emulator: Any, client: GenesysClient) -> None:
    admin(emulator, "/__admin/settings", {"importJobPolls": 5})
    deploy, events = deployer(client)
    result = deploy.publish("billing", "Billing IVR", flow_yaml())
    assert result.polls == 5 and [d for _, s, d in events.seen if s == "importing"] == ["(Started)"] * 4


def test_job_time_limit(emulator: Any, client: GenesysClient) -> None:
    admin(emulator, "/__admin/settings", {"jobLatencyMs": 5000})
    deploy, _ = deployer(client, timeout=0.3)
    with pytest.raises(JobTimeout, match="not finished after"):
        deploy.publish("billing", "Billing IVR", flow_yaml())
    assert deploy.touched["billing"].final is None  # unknown: a rollback must settle it first


def test_failure_surfaces_every_archy_message(client: GenesysClient) -> None:
    deploy, _ = deployer(client)
    with pytest.raises(ImportJobFailed) as info:
        deploy.publish("broken", "Broken IVR", flow_yaml("Broken IVR", queue="No Such Queue"))
    err = info.value
    text = str(err)
    assert "no matches: unable to find a queue named 'No Such Queue'" in text
    assert "GET /api/v2/routing/queues" in text  # the NetworkDiagnostic detail
    assert "Flow 'Broken IVR' could not be published: 1 error(s)." in text
    assert err.job_id and len(err.messages) == 2 and err.exit_code == 1
    assert deploy.touched["broken"].final == "Failure"


def test_injected_job_failure(emulator: Any, client: GenesysClient) -> None:
    admin(emulator, "/__admin/faults", {"kind": "job_failure", "flow": "Billing IVR",
                                        "message": "Archy failed: exit code: 107"})
    with pytest.raises(ImportJobFailed, match="Archy failed: exit code: 107") as info:
        deployer(client)[0].publish("billing", "Billing IVR", flow_yaml())
    assert any(m.get("type") == "Error" for m in info.value.messages)


def test_locked_flow_fails_unless_force_unlocked(emulator: Any, client: GenesysClient) -> None:
    admin(emulator, "/__admin/lock", {"flow": "Main IVR", "user": "Jane Doe"})
    deploy, events = deployer(client)
    with pytest.raises(ImportJobFailed, match="locked by user 'Jane Doe'"):
        deploy.publish("main", "Main IVR", flow_yaml("Main IVR"))
    flow_id = flow_named(client, "Main IVR", "INBOUNDCALL")["id"]
    assert lock_of(get_flow(client, flow_id), client.client_id)[0] is not None  # Jane's lock
    result = deploy.publish("main", "Main IVR", flow_yaml("Main IVR"), unlock_flow_id=flow_id)
    assert result.flow_id == flow_id and lock_of(get_flow(client, flow_id), client.client_id) == (None, False)
    assert ("Main IVR", "unlocking", "(--force-unlock)") in events.seen


def test_upload_is_retried_on_reset_and_s3_errors(emulator: Any, client: GenesysClient) -> None:
    admin(emulator, "/__admin/faults", [{"kind": "reset", "path": "/__upload/*"},
                                        {"kind": "error", "status": 503, "path": "/__upload/*", "nth": 2}])
    assert deployer(client)[0].publish("billing", "Billing IVR", flow_yaml()).flow_id
    assert client.stats.connection_errors == 1 and client.stats.server_errors == 1


class _Recorder(BaseHTTPRequestHandler):
    """A loopback 'S3' that records the request line and headers of each PUT."""

    seen: list[tuple[str, dict[str, str], bytes]] = []

    def do_PUT(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).seen.append((self.path, dict(self.headers.items()), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_upload_sends_exactly_the_returned_headers_and_no_token(client: GenesysClient) -> None:
    real = client.register_import_job()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/bucket/key?X-Amz-Signature=abc"
        client.upload_import(ImportJob(real.id, url, real.headers), "inboundCall: {}\n")
    finally:
        server.shutdown()
        server.server_close()
    path, headers, body = _Recorder.seen[-1]
    assert path == "/bucket/key?X-Amz-Signature=abc" and body == b"inboundCall: {}\n"
    assert {k.lower() for k in headers} == {k.lower() for k in real.headers} | {"host", "content-length"}
    assert all(headers[k] == v for k, v in real.headers.items())
    assert "abc" not in repr(ImportJob(real.id, url, real.headers))


def _main_ivr(client: GenesysClient) -> tuple[str, str]:
    flow = flow_named(client, "Main IVR", "inboundcall")
    return flow["id"], get_flow(client, flow["id"])["publishedVersion"]["id"]


def test_export_published(client: GenesysClient) -> None:
    flow_id, version = _main_ivr(client)
    text = export_published(client, [(flow_id, version)])[flow_id]
    assert "inboundCall:" in text and "name: Main IVR" in text
    billing = deployer(client)[0].publish("billing", "Billing IVR", flow_yaml())
    both = export_published(client, [(flow_id, version), (billing.flow_id, "1.0")])  # one job, a zip
    assert both[flow_id] == text and "name: Billing IVR" in both[billing.flow_id]
    with pytest.raises(ExportJobFailed, match="could not find the flow") as info:
        export_published(client, [(flow_id, "99.0")])
    assert info.value.messages


def test_export_download_is_retried(emulator: Any, client: GenesysClient) -> None:
    admin(emulator, "/__admin/faults", {"kind": "error", "status": 503, "path": "/__download/*"})
    flow_id, version = _main_ivr(client)
    assert "Main IVR" in export_published(client, [(flow_id, version)])[flow_id]
    assert client.stats.server_errors == 1
