"""Configuration as real users write it (issue 18): offline environments, unknown rule ids."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ivr_ci.config import load_config
from ivr_ci.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent
FLOW = (REPO / "tests" / "fixtures" / "flow-types" / "inboundCall.yaml").read_text(encoding="utf-8").replace(
    "name: Front door", 'name: "{{flow_prefix}}Front door"').replace("name: Sales\n", "name: '{{sales_queue}}'\n")
GC_VARS = ("GENESYSCLOUD_OAUTHCLIENT_ID", "GENESYSCLOUD_OAUTHCLIENT_SECRET", "GENESYSCLOUD_REGION",
           "IVR_CI_API_BASE", "IVR_CI_CONFIG")


def _run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in GC_VARS}
    return subprocess.run([sys.executable, "-m", "ivr_ci", *args], cwd=cwd, capture_output=True, text=True,
                          env={**base, **(env or {})}, timeout=120)


@pytest.fixture
def offline_repo(tmp_path: Path) -> Path:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "main.yaml").write_text(FLOW, encoding="utf-8")
    (tmp_path / "dev-options.yaml").write_text("substitutions:\n  flow_prefix: 'DEV '\n  sales_queue: DEV Sales\n",
                                                encoding="utf-8")
    (tmp_path / ".ivr-ci.yaml").write_text(
        "flows: [flows]\n"
        "environments:\n"
        "  dev:\n"
        "    options_file: dev-options.yaml\n"
        "  prod:\n"
        "    substitutions: {flow_prefix: '', sales_queue: Sales}\n", encoding="utf-8")
    return tmp_path


def test_an_environment_with_only_substitutions_or_an_options_file_is_valid(offline_repo):
    cfg = load_config(str(offline_repo / ".ivr-ci.yaml"))
    assert cfg.substitutions("dev") == {"flow_prefix": "DEV ", "sales_queue": "DEV Sales"}
    assert cfg.substitutions("prod") == {"flow_prefix": "", "sales_queue": "Sales"}


@pytest.mark.parametrize("command", [["lint-menu"], ["validate-flow"], ["validate-flow", "--env", "dev"],
                                     ["validate-flow", "--env", "prod"], ["simulate", "--env", "prod", "flows/main.yaml"],
                                     ["diff", "flows/main.yaml", "flows/main.yaml"]])
def test_offline_commands_run_without_credentials_or_region(offline_repo, command):
    done = _run(offline_repo, *command)
    assert done.returncode == 0, done.stdout + done.stderr


def test_online_commands_name_the_documented_gc_variables_when_nothing_is_configured(offline_repo):
    done = _run(offline_repo, "promote", "--env", "prod", "--plan")
    assert done.returncode == 2
    assert "GENESYSCLOUD_OAUTHCLIENT_ID" in done.stderr and "GENESYSCLOUD_OAUTHCLIENT_SECRET" in done.stderr
    assert "Traceback" not in done.stderr
    done = _run(offline_repo, "promote", "--env", "prod", "--plan",
                env={"GENESYSCLOUD_OAUTHCLIENT_ID": "id", "GENESYSCLOUD_OAUTHCLIENT_SECRET": "not-shown"})
    assert done.returncode == 2 and "GENESYSCLOUD_REGION" in done.stderr
    assert "not-shown" not in done.stdout + done.stderr


def test_online_commands_use_the_gc_variables_as_defaults(offline_repo, emulator):
    """GENESYSCLOUD_* credentials (and the API base) reach a real plan against the emulator."""
    done = _run(offline_repo, "promote", "--env", "prod", "--plan", "--api-base", emulator.base_url,
                env={"GENESYSCLOUD_OAUTHCLIENT_ID": "local-client",
                     "GENESYSCLOUD_OAUTHCLIENT_SECRET": "local-secret"})
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert "credentials missing" not in done.stderr and "region" not in done.stderr


def _bad_lint(tmp_path: Path, body: str) -> str:
    path = tmp_path / ".ivr-ci.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(str(path))
    return str(err.value)


def test_unknown_rule_ids_are_reported_on_their_line_with_a_did_you_mean(tmp_path):
    text = _bad_lint(tmp_path, "lint:\n"
                               "  disable: [IVR116, IVR999]\n"
                               "  severity:\n"
                               "    IVR140: error\n"
                               "  options:\n"
                               "    IVR106: {max-dept: 4}\n"
                               "    IVR170: {max-choices: 6}\n")
    assert ":2: lint/disable: unknown rule id 'IVR999'" in text and "IVR999'; did you mean" not in text
    assert ":4: lint/severity: unknown rule id 'IVR140'; did you mean IVR104 (menu-timeout-range)?" in text
    assert ":6: lint/options/IVR106: unknown option 'max-dept'; did you mean max-depth?" in text
    assert ":7: lint/options: unknown rule id 'IVR170'; did you mean IVR107 (too-many-choices)?" in text
    assert "IVR116" not in text


def test_unknown_rule_id_exits_2_before_anything_runs(offline_repo):
    (offline_repo / ".ivr-ci.yaml").write_text("lint:\n  disable: [IVR1O4]\n  severity: {IVR115: warning}\n"
                                                "  options: {IVR115: {require-default-choice: true}}\n",
                                                encoding="utf-8")
    done = _run(offline_repo, "lint-menu", "flows/main.yaml")
    assert done.returncode == 2 and ".ivr-ci.yaml:2:" in done.stderr and done.stdout == ""
    (offline_repo / ".ivr-ci.yaml").write_text("lint:\n  disable: [IVR105]\n  severity: {IVR115: warning}\n",
                                                encoding="utf-8")
    assert _run(offline_repo, "lint-menu", "flows/main.yaml").returncode == 0
