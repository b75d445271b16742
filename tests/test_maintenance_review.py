"""A pull request that schedules a maintenance window: the semantic diff and the PR comment say
so in reviewer terms; audit-report lists the windows with the versions that carried them."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from ivr_ci.audit.deployments import parse_deployment
from ivr_ci.audit.maintenance import windows_carried
from ivr_ci.cli import main
from ivr_ci.maintenance import windows as W
from tests.diff_helpers import git, make_repo

CONFIG = """\
flows: [flows]
environments:
  prod:
    region: mypurecloud.ie
    client_id_env: A
    client_secret_env: B
    window: {timezone: Europe/Dublin, slots: [{days: [sat], start: "00:00", end: "24:00"}]}
"""
WINDOW = """\
maintenance:
  - id: crm-upgrade-dec
    environment: prod
    flows: [Acme Main IVR]
    start: "2030-12-07T01:00"
    duration: 90m
    message: {en-us: "We are down for planned maintenance until 2:30 a.m."}
    then: disconnect
"""


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.setattr(W, "now_utc", lambda: datetime(2030, 12, 1, tzinfo=timezone.utc))
    root = make_repo(tmp_path / "repo", {".ivr-ci.yaml": CONFIG})
    git(root, "checkout", "-q", "main")
    git(root, "merge", "-q", "feature")  # main has the config without windows
    git(root, "checkout", "-q", "-b", "schedule")
    (root / ".ivr-ci.yaml").write_text(CONFIG + WINDOW)
    git(root, "commit", "-qam", "schedule the CRM upgrade")
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_BASE_REF", raising=False)
    return root


LINE = ("prod · Acme Main IVR: maintenance Sat 7 Dec 2030 01:00–02:30 Europe/Dublin [crm-upgrade-dec]; callers "
        "hear 'We are down for planned maintenance until 2:30 a.m.' then are disconnected (added)")


def test_diff_and_pr_comment_show_the_window_not_a_task(repo, capsys):
    assert main(["diff", "--base", "main"]) == 0
    out = capsys.readouterr().out
    assert "Maintenance windows:" in out and LINE in out
    assert main(["diff-comment", "--base", "main", "--dry-run"]) == 0
    body = capsys.readouterr().out
    assert "### 🛠️ Maintenance windows" in body and LINE.replace("[", "\\[").replace("]", "\\]") in body
    assert "task" not in body.split("Maintenance windows")[1].lower()
    # moving it is shown with the old time
    (repo / ".ivr-ci.yaml").write_text(CONFIG + WINDOW.replace("01:00", "02:00"))
    assert main(["diff", "--base", "main"]) == 0
    assert "02:00–03:30 Europe/Dublin [crm-upgrade-dec]" in capsys.readouterr().out
    git(repo, "commit", "-qam", "move")
    assert main(["diff", "--base", "schedule~1", "--head", "schedule"]) == 0
    assert "(changed; was Sat 7 Dec 2030 01:00–02:30 Europe/Dublin)" in capsys.readouterr().out


def test_audit_lists_windows_with_the_versions_that_carried_them():
    def entry(run: str, outcome: str, version: str | None, flows: list[str]) -> dict:
        w = {"id": "crm", "start": "2030-12-07T01:00:00Z", "end": "2030-12-07T02:30:00Z", "when": "Sat 7 Dec",
             "then": {"queue": "Support"}, "flows": flows, "versions": {f: version for f in flows}}
        return {"runId": run, "environment": "prod", "startedAt": "2030-12-01T10:00:00Z", "outcome": outcome,
                "flows": [], "maintenance": [w]}

    deps = [parse_deployment(e) for e in (entry("r1", "success", "4", ["Main IVR"]),
                                          entry("r2", "rolled-back", "5", ["Main IVR"]),
                                          entry("r3", "unchanged", "4", ["Main IVR"]),
                                          entry("r4", "success", "6", ["Main IVR"]))]
    (w,) = windows_carried([d for d in deps if d is not None])
    assert w["id"] == "crm" and w["then"] == {"queue": "Support"}
    assert [(c["version"], c["runId"]) for c in w["flows"]["Main IVR"]] == [("4", "r1"), ("6", "r4")]
    json.dumps(w)
    from types import SimpleNamespace

    from ivr_ci.audit.render_md import _maintenance

    table = "\n".join(_maintenance(SimpleNamespace(maintenance=[w])))  # type: ignore[arg-type]
    assert "## Maintenance windows" in table
    assert "| crm | Sat 7 Dec | transfer to queue 'Support' | Main IVR | 4 (run r1), 6 (run r4) |" in table
