"""Substitutions from Terraform `genesyscloud_flow` resources (issue 18, docs/terraform.md).

The fixture in tests/fixtures/terraform is a CX-as-Code layout written for these tests in the
shape of the GenesysCloudBlueprints repositories (modules/flows/flow.tf + variables.tf + tfvars).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ivr_ci.config import load_config
from ivr_ci.errors import ConfigError
from ivr_ci.promote.release import render_release
from ivr_ci.promote.settings import environment_settings
from ivr_ci.terraform import TerraformSubstitutions, load_terraform
from tests.conftest import corpus_dir

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "terraform"
FLOWS = FIXTURE / "infra" / "modules" / "flows"


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    dest = tmp_path / "repo"
    shutil.copytree(FIXTURE, dest)
    return dest


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "IVR_CI_CONFIG"}
    return subprocess.run([sys.executable, "-m", "ivr_ci", *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=120)


def _line(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_resources_are_matched_to_flow_files_and_values_resolved_or_explained():
    tf = load_terraform(str(FIXTURE), "prod", ["infra/**/*.tf"], ["infra/prod.tfvars"])
    main = tf.resource_for(str(FLOWS / "MainIvr.yaml"))
    after = tf.resource_for(str(FLOWS / "AfterHours.yaml"))
    assert main is not None and after is not None and main is not after
    assert main.address == "genesyscloud_flow.main_ivr"
    assert main.line == _line(FLOWS / "flow.tf", 'resource "genesyscloud_flow" "main_ivr"')
    known = {k: v.value for k, v in main.values.items() if v.value is not None}
    assert known == {"flow_name": "Main IVR", "default_language": "en-us",
                     "greeting": "Thanks for calling Acme.",   # "${var.greeting}": the variable's default
                     "support_queue": "Support",               # var.support_queue: from prod.tfvars
                     "retries": "3"}
    assert main.values["division"].unknown == "data.genesyscloud_auth_division_home.home.name (a data source)"
    assert main.values["sales_queue"].unknown.startswith("genesyscloud_routing_queue.sales.name (an attribute")
    assert main.values["division"].line == _line(FLOWS / "flow.tf", "division         = data.")
    assert after.values["flow_name"].value == "After Hours"    # "${var.prefix}After Hours", prefix defaults to ""
    # without the tfvars file, var.support_queue has no value: only Terraform (a -var flag...) knows it
    bare = load_terraform(str(FIXTURE), "x", ["infra/**/*.tf"], [])
    assert "no value in the given tfvars" in bare.resource_for(str(FLOWS / "MainIvr.yaml")).values["support_queue"].unknown


def test_literal_forms_hcl_allows(tmp_path):
    tf = tmp_path / "main.tf"
    tf.write_text('''
locals { brand = "Acme" }
variable "n" { default = 2 }
resource "genesyscloud_flow" "f" {
  filepath = "./flows/f.yaml"
  substitutions = {
    quoted   = "say \\"hi\\" $${not_interpolated}"
    number   = 7
    flag     = false
    local    = local.brand
    mixed    = "${local.brand} line ${var.n}"
    call     = upper(var.n)
    "dashed-key" = "v"
  }
}
''', encoding="utf-8")
    res = TerraformSubstitutions([str(tf)], []).resource_for(str(tmp_path / "flows" / "f.yaml"))
    assert res is not None
    got = {k: (v.value if v.value is not None else v.unknown) for k, v in res.values.items()}
    assert got == {"quoted": 'say "hi" ${not_interpolated}', "number": "7", "flag": "false", "local": "Acme",
                   "mixed": "Acme line 2", "call": "upper(var.n) (an expression)", "dashed-key": "v"}


def test_validate_flow_takes_terraform_values_and_notes_what_only_terraform_knows(layout):
    done = _run(layout, "validate-flow", "--env", "prod", "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert [f for f in report["findings"] if f["rule"] == "IVR401"] == []
    notes = {(Path(f["path"]).name, f["line"]): f["message"] for f in report["findings"] if f["rule"] == "IVR212"}
    main = layout / "infra" / "modules" / "flows" / "MainIvr.yaml"
    assert set(notes) == {("MainIvr.yaml", _line(main, "{{division}}")), ("MainIvr.yaml", _line(main, "{{sales_queue}}"))}
    division = notes[("MainIvr.yaml", _line(main, "{{division}}"))]
    assert "known only to Terraform: data.genesyscloud_auth_division_home.home.name (a data source)" in division
    assert "genesyscloud_flow.main_ivr at" in division and "flow.tf:" in division
    # every environment at once (no --env): staging gives support_queue itself, so nothing is missing
    assert _run(layout, "validate-flow").returncode == 0


def test_a_placeholder_with_no_value_anywhere_is_still_an_error(layout):
    flow = layout / "infra" / "modules" / "flows" / "AfterHours.yaml"
    flow.write_text(flow.read_text().replace("tts: We are closed.", "tts: \"{{closed_message}}\""))
    done = _run(layout, "validate-flow", "--env", "prod")
    assert done.returncode == 1
    assert f"AfterHours.yaml:{_line(flow, '{{closed_message}}')}" in done.stdout
    assert "{{closed_message}} has no value in environment 'prod'" in done.stdout


def test_simulate_uses_the_terraform_values(layout):
    done = _run(layout, "simulate", "--env", "prod", "infra/modules/flows/MainIvr.yaml", "--keys", "2",
                "--format", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert "Thanks for calling Acme." in result["heard"], result["heard"]
    assert result["outcome"]["kind"] == "transfer" and "Support" in result["outcome"]["description"]
    done = _run(layout, "simulate", "--env", "prod", "infra/modules/flows/MainIvr.yaml", "--keys", "1")
    assert 'transfer to queue "{{sales_queue}}"' in done.stdout  # only Terraform knows it: kept, and said
    assert "note: {{sales_queue}} is known only to Terraform (genesyscloud_routing_queue.sales.name" in done.stderr


def test_promote_renders_with_terraform_values_and_refuses_what_only_terraform_knows(layout):
    config = load_config(str(layout / ".ivr-ci.yaml"))
    files = sorted(str(p) for p in (layout / "infra" / "modules" / "flows").glob("*.yaml"))
    release = render_release(config, environment_settings(config, "prod"), files, [])
    errors = {(Path(f.path).name, f.line): f.message for f in release.errors}
    main = layout / "infra" / "modules" / "flows" / "MainIvr.yaml"
    assert ("MainIvr.yaml", _line(main, "{{division}}")) in errors
    assert "known only to Terraform (data.genesyscloud_auth_division_home.home.name" in \
        errors[("MainIvr.yaml", _line(main, "{{division}}"))]
    after = next(f for f in release.flows if f.name == "After Hours")
    assert "name: \"Support\"" in after.text
    # given in substitutions:, the values are known and the flow renders
    cfg = layout / ".ivr-ci.yaml"
    cfg.write_text(cfg.read_text() + "    substitutions: {division: Home, sales_queue: Sales}\n".replace(
        "    substitutions", "  prod2:\n    terraform: [infra/**/*.tf]\n    tfvars: [infra/prod.tfvars]\n    substitutions"))
    config = load_config(str(cfg))
    release = render_release(config, environment_settings(config, "prod2"), files, [])
    assert release.errors == []
    main_ivr = next(f for f in release.flows if f.name == "Main IVR")
    assert "tts: \"Thanks for calling Acme.\"" in main_ivr.text and "division: \"Home\"" in main_ivr.text


@pytest.mark.parametrize(("tf_text", "expected"), [
    ('resource "genesyscloud_flow" "f" {\n  filepath = \n}\n', "flow.tf:"),
    ('provider "genesyscloud" {\n  oauthclient_id = ${{ secrets.ID }}\n}\n', "flow.tf:2: not valid Terraform"),
])
def test_terraform_that_is_not_hcl_exits_2_with_its_line(layout, tf_text, expected):
    (layout / "infra" / "modules" / "flows" / "flow.tf").write_text(tf_text)
    done = _run(layout, "validate-flow", "--env", "prod")
    assert done.returncode == 2 and expected in done.stderr and "Traceback" not in done.stderr


def test_a_glob_matching_nothing_or_a_missing_tfvars_file_is_a_config_error(layout):
    with pytest.raises(ConfigError, match="matches no file"):
        load_terraform(str(layout), "prod", ["terraform/*.tf"], [])
    with pytest.raises(ConfigError, match="no such file"):
        load_terraform(str(layout), "prod", ["infra/**/*.tf"], ["prod.tfvars"])


def test_hcl2_is_imported_only_when_an_environment_names_terraform_files(layout):
    def imported(*args: str) -> bool:
        done = subprocess.run([sys.executable, "-X", "importtime", "-m", "ivr_ci", *args], cwd=layout,
                              capture_output=True, text=True, timeout=120)
        return any(line.rstrip().endswith(("| hcl2", "| lark")) for line in done.stderr.splitlines())

    assert not imported("lint-menu")
    assert imported("validate-flow", "--env", "prod")


def test_every_real_cx_as_code_file_is_read_or_refused_with_a_message():
    base = corpus_dir()
    tf_dir = base.parent / "cx-as-code" if base is not None else None
    if tf_dir is None or not tf_dir.is_dir():
        pytest.skip("corpus not available (set IVR_CI_CORPUS)")
    resources = known = unknown = refused = 0
    for path in sorted(tf_dir.glob("*.tf")):
        try:
            tf = TerraformSubstitutions([str(path)], [])
        except ConfigError as exc:
            assert f"{path}:" in str(exc) and "not valid Terraform" in str(exc)
            refused += 1
            continue
        for res in tf.resources:
            resources += 1
            for value in res.values.values():
                known += value.value is not None
                unknown += value.unknown is not None
    assert resources >= 80 and known >= 90 and unknown >= 150 and refused <= 2, (resources, known, unknown, refused)
