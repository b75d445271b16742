"""Safe reverse substitution in `ivr-ci export` (issue 18): placeholders only where a value is a
reference, never inside what callers hear; what cannot be reversed is reported per file:line.

The end-to-end test is the example org: examples/ promoted to the emulator's dev and prod orgs
(examples/emulator-seed.yaml), prod exported, and the export deployed back to dev.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ivr_ci.audit.params import ReverseMap, parameterise, reference_templates
from ivr_ci.promote.render import substitute

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
PROD = {"flow_prefix": "", "division": "Home", "schedule_group": "Business Hours", "sales_queue": "Sales",
        "support_queue": "Support", "billing_queue": "Billing"}

# What the issue saw export write for prod, as the org holds it (a flow shaped on examples/).
PROD_FLOW = """\
inboundCall:
  name: Main IVR
  division: Home
  startUpRef: /inboundCall/menus/menu[main]
  initialGreeting:
    tts: Sales is unavailable today, Support is open.
  menus:
    - menu:
        name: Billing intro
        refId: main
        audio:
          tts: Press 1 for Sales.
        choices:
          - menuTransferToAcd:
              name: Sales
              dtmf: digit_1
              targetQueue:
                lit:
                  name: Sales
          - menuTask:
              name: Mobile
              dtmf: digit_2
              task:
                actions:
                  - transferToFlow:
                      name: To Mobile Support
                      targetFlow:
                        name: Mobile Support
                  - updateData:
                      name: Remember
                      statements:
                        - string:
                            variable: Flow.queue
                            value:
                              lit: Billing
                  - findQueue:
                      name: Look up
                      findName:
                        exp: FindQueue("Support")
                  - disconnect:
                      name: Bye
"""


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_placeholders_go_to_references_never_into_text_or_part_of_a_word():
    p = parameterise(PROD_FLOW, PROD)
    text = p.text
    assert substitute(text, PROD)[0] == PROD_FLOW  # renders back to the export exactly
    assert "tts: Sales is unavailable today, Support is open." in text  # what callers hear
    assert "tts: Press 1 for Sales." in text
    assert "name: Billing intro" in text and "name: Sales\n              dtmf" in text  # labels
    assert "name: Mobile Support" in text and "{{support_queue}}" not in text.split("targetFlow")[1][:40]
    assert "                  name: {{sales_queue}}\n" in text  # the queue the choice transfers to
    assert "division: {{division}}" in text
    assert "lit: {{billing_queue}}" in text  # a value equal to a substitution exactly
    assert 'FindQueue("{{support_queue}}")' in text  # the object named inside an expression
    assert p.used == {"division": 1, "sales_queue": 1, "billing_queue": 1, "support_queue": 1}


def test_an_empty_prefix_is_reported_on_each_flow_name_line():
    p = parameterise(PROD_FLOW, PROD)
    lines = [line for line, _ in p.reports]
    assert lines == [_line(PROD_FLOW, "name: Main IVR"), _line(PROD_FLOW, "name: Mobile Support")]
    assert all("flow_prefix is empty" in why for _, why in p.reports)


def test_ambiguous_and_generic_values_are_reported_with_their_line():
    values = {**PROD, "flow_prefix": "DEV ", "vip_queue": "Sales", "retries": "3"}
    text = PROD_FLOW.replace("name: Main IVR", "name: DEV Main IVR").replace("lit: Billing", "lit: '3'")
    p = parameterise(text, values)
    assert "name: {{flow_prefix}}Main IVR" in p.text
    assert "                  name: Sales\n" in p.text  # sales_queue or vip_queue? left as is
    why = dict(p.reports)
    assert "is the value of sales_queue, vip_queue" in why[_line(text, "                  name: Sales")]
    assert p.ambiguous == {"Sales": ["sales_queue", "vip_queue"]}
    assert substitute(p.text, values)[0] == text


def test_distinctive_dev_values_reverse_to_the_repository_templates():
    from ivr_ci.config import load_config

    cfg = load_config(str(EXAMPLES / ".ivr-ci.yaml"))
    dev = cfg.substitutions("dev")
    for path in sorted((EXAMPLES / "flows").glob("*.yaml")):
        if path.name.endswith(".paths.yaml"):
            continue
        template = path.read_text(encoding="utf-8")
        p = ReverseMap.build(dev).apply(substitute(template, dev)[0])
        assert p.text == template and p.reports == []


def test_templates_guide_where_an_empty_prefix_goes():
    guide = {substitute(t, PROD)[0]: t for t in reference_templates((EXAMPLES / "flows" / "main-ivr.yaml").read_text())}
    assert guide["Main IVR"] == "{{flow_prefix}}Main IVR" and guide["Mobile Support"] == "{{flow_prefix}}Mobile Support"
    p = ReverseMap.build(PROD, guide).apply(PROD_FLOW)
    assert "name: {{flow_prefix}}Main IVR" in p.text and "name: {{flow_prefix}}Mobile Support" in p.text
    assert p.reports == [] and substitute(p.text, PROD)[0] == PROD_FLOW


# ---- the example org, end to end -----------------------------------------------------------
def _cli(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ivr_ci", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.slow
def test_example_org_exported_from_prod_and_deployed_back_to_dev_is_the_same_for_callers(tmp_path, emulator_factory):
    work = tmp_path / "example"
    shutil.copytree(EXAMPLES, work)
    emu = emulator_factory(seed=work / "emulator-seed.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GENESYSCLOUD_", "IVR_CI_", "GITHUB_"))}
    env.update(IVR_CI_API_BASE=emu.base_url, DEV_GENESYS_CLIENT_ID="dev-deployer",
               DEV_GENESYS_CLIENT_SECRET="dev-deployer-secret", PROD_GENESYS_CLIENT_ID="prod-deployer",
               PROD_GENESYS_CLIENT_SECRET="prod-deployer-secret")

    def ok(*args: str) -> str:
        done = _cli(work, *args, env=env)
        assert done.returncode == 0, f"ivr-ci {' '.join(args)}\n{done.stdout}\n{done.stderr}"
        return done.stdout

    ok("promote", "--env", "dev", "--apply")
    ok("promote", "--env", "prod", "--apply", "--override-window", "test of the example org")

    # 1. export prod into a new directory, the repository's templates as the guide
    summary = ok("export", "--env", "prod", "--out", "exported")
    assert "export: 2 created, 0 updated, 0 unchanged, 0 failed" in summary and "is empty" not in summary
    # the emulator exports as Archy does (re-serialised, no comments): not the uploaded bytes
    assert (work / "exported" / "main-ivr.yaml").read_text() != (work / "flows" / "main-ivr.yaml").read_text()
    report = json.loads(ok("diff", "flows", "exported", "--format", "json"))
    assert report["summary"]["counts"]["behavioural"] == report["summary"]["counts"]["content"] == 0, report
    assert report["problems"] == []
    for path in (work / "exported").glob("*.yaml"):
        text = path.read_text()
        for line in text.splitlines():
            if "tts:" in line:
                assert "{{" not in line, (path.name, line)  # nothing callers hear is parameterised

    # 2. back to dev: the exported tree renders for dev to exactly what dev already runs
    plan = json.loads(ok("promote", "--env", "dev", "--plan", "--format", "json", "exported"))
    assert plan["summary"]["unchanged"] == 2 and plan["summary"]["create"] == plan["summary"]["update"] == 0, plan

    # 3. without templates to guide it, the empty prod prefix is reported per file:line
    (work / ".ivr-ci.yaml").write_text((work / ".ivr-ci.yaml").read_text().replace("flows: [flows]", "flows: [fresh]"))
    summary = ok("export", "--env", "prod", "--out", "fresh")
    reported = [line.strip() for line in summary.splitlines() if "flow_prefix is empty" in line]
    main_ivr = (work / "fresh" / "main-ivr.yaml").read_text()
    assert f"fresh/main-ivr.yaml:{_line(main_ivr, 'name: Main IVR')}:" in "\n".join(reported), summary
    assert "Mobile {{support_queue}}" not in main_ivr and "tts: Sales is unavailable." in main_ivr
    assert "name: Billing intro" in main_ivr and "name: {{billing_queue}}" in main_ivr
