"""`notify:` hears of every outcome (success, rolled-back, rollback-failed, interrupted), the
delivery is recorded in the ledger, and change management not hearing of a failed deploy is a
non-zero exit."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ivr_ci.cli import main
from ivr_ci.promote.ledger import read_ledger
from tests import promote_helpers as H

OLD = H.release_files(2, "v1")
NEW = H.release_files(2, "v2")


class Webhook:
    """A loopback change-management webhook: records payloads; `status` is what it answers."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 204
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                hook.received.append(body)
                self.send_response(hook.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/change?token=s3cret"


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Webhook]:
    monkeypatch.setattr("ivr_ci.promote.notify.BACKOFF", 0.01)
    for k, v in H.ENV_VARS.items():
        monkeypatch.setenv(k, v)
    for k in ("IVR_CI_API_BASE", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ACTIONS", "GITHUB_SHA"):
        monkeypatch.delenv(k, raising=False)
    hook = Webhook()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


def _project(tmp_path, emulator_factory, webhook: Webhook):
    emu = emulator_factory(seed=H.seed(H.rendered(OLD)))
    config = H.write_project(tmp_path, NEW, emu.base_url, env_extra=f"    notify: {webhook.url}\n")
    return config, H.OrgReader(emu.base_url)


def _cli(config, *args: str) -> int:
    return main(["promote", "--config", str(config), "--env", "dev", "--poll-interval", "0.02", *args])


def test_a_rolled_back_deploy_is_notified_with_its_outcome_and_the_delivery_is_in_the_ledger(
        tmp_path, emulator_factory, webhook, capsys):
    config, reader = _project(tmp_path, emulator_factory, webhook)
    reader.admin("faults", {"kind": "job_failure", "nth": 2})
    assert _cli(config, "--apply") == 1
    (payload,) = webhook.received
    assert payload["outcome"] == "rolled-back" and payload["event"] == "ivr-ci.deploy"
    (entry,) = read_ledger(str(tmp_path / "ledger.jsonl"))
    assert entry["notification"] == {"url": webhook.url.split("?")[0], "delivered": True, "status": 204,
                                     "attempts": 1, "error": None}
    assert "s3cret" not in capsys.readouterr().err + json.dumps(entry)


def test_a_failed_notification_of_a_failed_deploy_fails_the_job_and_is_recorded(tmp_path, emulator_factory, webhook,
                                                                                 capsys):
    config, reader = _project(tmp_path, emulator_factory, webhook)
    webhook.status = 503
    reader.admin("faults", {"kind": "job_failure", "nth": 1})
    assert _cli(config, "--apply") == 1
    err = capsys.readouterr().err
    assert "change management has NOT been told of this rolled-back deploy" in err
    (entry,) = read_ledger(str(tmp_path / "ledger.jsonl"))
    assert entry["notification"]["delivered"] is False and entry["notification"]["attempts"] == 4
    assert entry["notification"]["status"] == 503 and len(webhook.received) == 4


def test_a_failed_notification_of_a_success_is_recorded_but_does_not_fail_the_deploy(tmp_path, emulator_factory,
                                                                                    webhook, capsys):
    config, reader = _project(tmp_path, emulator_factory, webhook)
    webhook.status = 500
    assert _cli(config, "--apply") == 0
    assert "the deploy itself succeeded" in capsys.readouterr().err
    (entry,) = read_ledger(str(tmp_path / "ledger.jsonl"))
    assert entry["outcome"] == "success" and entry["notification"]["delivered"] is False


def test_rollback_failed_and_interrupted_outcomes_are_notified(tmp_path, emulator_factory, webhook, capsys):
    """A rollback that fails (the API goes down) is notified as rollback-failed; its recovery
    (an interrupted-style close) as rolled-back; a failed notification of the recovery is exit 1."""
    config, reader = _project(tmp_path, emulator_factory, webhook)
    runner = H.Runner(config, reader.base)
    count = {"n": 0}

    def hook(label: str, stage: str, detail: str) -> None:
        if stage == "published" and label != "release":
            count["n"] += 1
            if count["n"] == 1:
                reader.admin("faults", {"kind": "error", "status": 503, "path": "/api/v2/flows/jobs", "method": "POST",
                                        "always": True})

    result = runner.apply(workers=1, hook=hook, notify_url=webhook.url)
    assert result.entry.outcome == "rollback-failed" and not result.notification_failed
    assert [p["outcome"] for p in webhook.received] == ["rollback-failed"]
    reader.clear_faults()
    webhook.status = 502
    assert _cli(config, "--recover") == 1  # recovered, but change management was not told
    err = capsys.readouterr().err
    assert "change management was not notified" in err and "recovered run" in err
    assert webhook.received[-1]["outcome"] == "rolled-back"
    assert read_ledger(str(tmp_path / "ledger.jsonl"))[-1]["notification"]["delivered"] is False
