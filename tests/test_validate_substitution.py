"""validate-flow substitution rules: placeholders against environments (IVR401-IVR403)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr_ci.config import load_config
from ivr_ci.errors import ConfigError
from tests.validate_util import dedent, line_of, of, validate

FLOW = dedent("""
    # {{documented_only}} in a comment is not a placeholder Architect sees
    inboundCall:
      name: "{{flow_prefix}}Main IVR"
      division: {{division}}
      startUpRef: ./tasks/task[t]
      tasks:
        - task:
            name: T
            refId: t
            actions:
              - transferToAcd:
                  name: Queue
                  targetQueue: {lit: {name: {{queue_name}}}}
              - disconnect: {name: Bye}
""")

CONFIG = dedent("""
    environments:
      dev:
        region: mypurecloud.ie
        client_id_env: DEV_ID
        client_secret_env: DEV_SECRET
        substitutions:
          flow_prefix: "DEV "
          division: Home
          queue_name: DEV Sales
          old_queue: DEV Sales        # unused
      prod:
        region: mypurecloud.ie
        client_id_env: PROD_ID
        client_secret_env: PROD_SECRET
        options_file: prod-options.yaml
        substitutions:
          flow_prefix: ""
""")

OPTIONS = dedent("""
    clientId: not-a-secret-just-a-name
    substitutions:
      division: Home
      queue_name: Sales
      leftover: x
""")


@pytest.fixture
def project(tmp_path: Path, write_flow):
    flow = write_flow(FLOW, "flows/main.yaml")
    (tmp_path / ".ivr-ci.yaml").write_text(CONFIG)
    (tmp_path / "prod-options.yaml").write_text(OPTIONS)
    return tmp_path, flow, load_config(str(tmp_path / ".ivr-ci.yaml"))


def test_with_env_every_placeholder_resolves_and_unused_keys_are_warned_on_their_line(project):
    root, flow, config = project
    found = validate([flow], config=config, env="dev")
    assert of(found, "IVR401") == []
    unused = of(found, "IVR402")
    assert [(Path(f.path).name, f.line, f.col, f.severity.value) for f in unused] == [
        (".ivr-ci.yaml", line_of(CONFIG, "old_queue"), 7, "warning")]
    assert "'old_queue' of environment 'dev'" in unused[0].message


def test_with_env_a_missing_key_is_an_error_at_the_placeholder(project):
    root, flow, config = project
    config.data["environments"]["dev"]["substitutions"].pop("queue_name")
    found = of(validate([flow], config=config, env="dev"), "IVR401")
    line = line_of(FLOW, "{{queue_name}}")
    assert [(f.line, f.col, f.severity.value) for f in found] == [
        (line, FLOW.splitlines()[line - 1].index("{{queue_name}}") + 1, "error")]
    assert found[0].message == "placeholder {{queue_name}} has no value in environment 'dev'"


def test_options_file_values_count_and_its_unused_keys_point_into_it(project):
    root, flow, config = project
    found = validate([flow], config=config, env="prod")
    assert of(found, "IVR401") == []
    unused = of(found, "IVR402")
    assert [(Path(f.path).name, f.line) for f in unused] == [("prod-options.yaml", line_of(OPTIONS, "leftover"))]


def test_without_env_each_key_must_exist_in_every_environment(project):
    root, flow, config = project
    config.data["environments"]["prod"]["substitutions"]["only_prod"] = "x"
    config.data["environments"]["dev"]["substitutions"].pop("division")
    found = of(validate([flow], config=config), "IVR401")
    assert [f.line for f in found] == [line_of(FLOW, "{{division}}")]
    assert found[0].message == "placeholder {{division}} has no value in environment dev (defined in: prod)"
    assert of(validate([flow], config=config), "IVR402") == []  # unused keys only with --env


def test_no_environments_and_no_env_means_no_substitution_findings(write_flow):
    flow = write_flow(FLOW.replace("{{queue_name}}", "{{ queue_name }}"))
    found = validate([flow])
    assert [f.rule_id for f in found] == ["IVR403"]  # only the spacing warning, no IVR401/402


def test_a_missing_options_file_is_a_config_error(project):
    root, flow, config = project
    (root / "prod-options.yaml").unlink()
    with pytest.raises(ConfigError, match="prod-options.yaml: cannot read Archy options file"):
        validate([flow], config=config, env="prod")


def test_spaced_and_empty_placeholders_are_warned(write_flow):
    text = FLOW.replace("{{division}}", "{{ division }}").replace('"{{flow_prefix}}Main IVR"', '"{{}}Main"')
    found = of(validate([write_flow(text)]), "IVR403")
    assert [(f.line, f.severity.value) for f in found] == [
        (line_of(text, "name: \"{{}}"), "warning"), (line_of(text, "division"), "warning")]
    assert "write '{{division}}'" in found[1].message
