"""In GitHub Actions every promote that deploys is a GitHub Deployment of the environment: the
loopback fake GitHub checks every request and response against the OpenAPI subset (the repo's
copy, extended with GitHub's deployments operations), and audit-report reads the deployments
back as ledger entries when there is no ledger file."""

from __future__ import annotations

import json
import os

import pytest

from ivr_ci.cli import main
from ivr_ci.promote.ledger import read_ledger
from tests import promote_helpers as H
from tests.conftest_github import PR_REPO

OLD = H.release_files(2, "v1")
NEW = H.release_files(2, "v2")
SHA = "c" * 40


@pytest.fixture
def project(tmp_path, emulator_factory, actions_env, monkeypatch):
    for k, v in H.ENV_VARS.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("GITHUB_SHA", SHA)
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.setenv("GITHUB_RUN_ID", "4242")
    monkeypatch.delenv("IVR_CI_API_BASE", raising=False)
    emu = emulator_factory(seed=H.seed(H.rendered(OLD)))
    config = H.write_project(tmp_path, NEW, emu.base_url, env_extra="    github_environment: development\n")
    return config, H.OrgReader(emu.base_url), actions_env.fake


def _cli(config, *args: str) -> int:
    return main(["promote", "--config", str(config), "--env", "dev", "--poll-interval", "0.02", *args])


def test_a_deploy_is_a_github_deployment_with_the_entry_as_payload(project, tmp_path):
    config, reader, fake = project
    assert _cli(config, "--apply") == 0
    (dep,) = fake.deployments(PR_REPO)
    (entry,) = read_ledger(str(tmp_path / "ledger.jsonl"))
    assert dep["environment"] == "development" and dep["task"] == "deploy:ivr-ci" and dep["sha"] == SHA
    assert dep["payload"]["runId"] == entry["runId"] and dep["payload"]["outcome"] == "in-progress"
    assert [f["name"] for f in dep["payload"]["flows"]] == [f["name"] for f in entry["flows"]]
    assert [s["state"] for s in dep["statuses"]] == ["success", "in_progress"]  # newest first
    assert dep["statuses"][0]["description"].startswith("success: deployed 3 flow(s)")
    assert dep["statuses"][0]["log_url"] == f"https://github.com/{PR_REPO}/actions/runs/4242"
    created = next(r for r in fake.requests if r.method == "POST" and r.path.endswith("/deployments"))
    assert created.body["auto_merge"] is False and created.body["required_contexts"] == []
    assert entry["githubDeployment"] == {"id": dep["id"], "url": dep["url"], "environment": "development",
                                         "state": "success"}
    # no deploy, no deployment: a no-op apply changes nothing in the org
    assert _cli(config, "--apply") == 0
    assert len(fake.deployments(PR_REPO)) == 1


def test_a_rolled_back_deploy_ends_as_failure_and_audit_report_reads_it_back(project, tmp_path, capsys):
    config, reader, fake = project
    assert _cli(config, "--apply") == 0
    (tmp_path / "flows" / "ivr01.yaml").write_text(H.ivr_flow(1, "v3"))
    reader.admin("faults", {"kind": "job_failure", "nth": 1})
    assert _cli(config, "--apply") == 1
    latest, first = fake.deployments(PR_REPO)
    assert [s["state"] for s in latest["statuses"]] == ["failure", "in_progress"]
    assert latest["statuses"][0]["description"].startswith("rolled-back: ")
    ledger = read_ledger(str(tmp_path / "ledger.jsonl"))
    capsys.readouterr()

    # a scheduled audit job on another runner: no ledger file, the deployments are the ledger
    os.unlink(tmp_path / "ledger.jsonl")
    args = ["audit-report", "--config", str(config), "--env", "dev", "--since", "1d", "--format", "json",
            "--no-drift", "--quiet", "--out", str(tmp_path / "audit.json")]
    assert main(args) == 0
    report = json.loads((tmp_path / "audit.json").read_text())
    assert report["ledger"]["entries"] == 2
    assert report["ledger"]["path"] == f"GitHub Deployments of {PR_REPO} (environment development)"
    got = {d["runId"]: d["outcome"] for d in report["deployments"]}
    assert got == {e["runId"]: e["outcome"] for e in ledger} == {ledger[0]["runId"]: "success",
                                                                  ledger[1]["runId"]: "rolled-back"}


def test_a_killed_runs_deployment_stays_in_progress_until_recovery_closes_it(project, tmp_path, capsys):
    from tests.test_promote_recovery import Apply, _fired, _hold

    config, reader, fake = project
    _hold(reader, "/api/v2/flows/jobs", "POST", 2)
    proc = Apply(config, tmp_path)
    proc.kill_when(lambda: _fired(reader), "the second import job")
    reader.clear_faults()
    (dep,) = fake.deployments(PR_REPO)
    assert [s["state"] for s in dep["statuses"]] == ["in_progress"]  # the runner died: GitHub still knows
    assert _cli(config, "--recover") == 0
    (dep,) = fake.deployments(PR_REPO)
    assert [s["state"] for s in dep["statuses"]] == ["failure", "in_progress"]
    assert dep["statuses"][0]["description"].startswith("interrupted: run ")


def test_a_token_without_deployments_write_warns_and_deploys(project, tmp_path, capsys):
    config, reader, fake = project
    fake.forbid_writes = True
    assert _cli(config, "--apply") == 0
    err = capsys.readouterr()
    assert "could not record the run as a GitHub Deployment" in err.err + err.out
    assert read_ledger(str(tmp_path / "ledger.jsonl"))[0]["outcome"] == "success"
    assert H.org_state(reader, H.rendered(OLD), H.rendered(NEW)) == "new"
