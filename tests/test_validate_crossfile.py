"""validate-flow cross-file rules over the set of files of one run (IVR301 unknown-flow, IVR302 flow-cycle)."""

from __future__ import annotations

from ivr_ci.config import Config
from tests.validate_util import dedent, errors, line_of, of, validate


def _caller(name: str, action: str) -> str:
    """A call flow whose one task runs `action` (indented as an item of its actions) then disconnects."""
    return (f"inboundCall:\n  name: {name}\n  startUpRef: ./tasks/task[t]\n  tasks:\n"
            f"    - task:\n        name: T\n        refId: t\n        actions:\n"
            f"{action}          - disconnect: {{name: Bye}}\n")


TRANSFER = """\
          - transferToFlow:
              name: Hand over
              targetFlow:
                name: {target}
"""
CALL_MODULE = """\
          - callCommonModule:
              name: Lookup
              commonModule:
                {target}:
                  ver_latestPublished: {{inputs: {{}}, outputs: {{}}}}
"""
MODULE = dedent("""
    commonModule:
      name: {name}
      startUpTaskActions:
        - endTask: {{name: Done}}
""")


def test_a_transfer_to_a_flow_outside_the_set_is_a_warning_on_the_reference(write_flow):
    text = _caller("Main", TRANSFER.format(target="Billing IVR"))
    found = validate([write_flow(text)])
    hits = of(found, "IVR301")
    assert [(f.line, f.severity.value) for f in hits] == [(line_of(text, "targetFlow"), "warning")]
    assert "transfers to 'Billing IVR'" in hits[0].message and "1 flow files checked" in hits[0].message
    assert errors(found) == []


def test_targets_in_the_set_or_declared_external_are_fine(write_flow):
    main = write_flow(_caller("Main", TRANSFER.format(target="billing ivr")), "main.yaml")
    billing = write_flow(_caller("Billing IVR", ""), "billing.yaml")
    assert of(validate([main, billing]), "IVR301") == []  # names compare case-insensitively
    external = Config(data={"validate": {"external-flows": ["Billing IVR"]}})
    assert of(validate([main], config=external), "IVR301") == []


def test_a_common_module_call_needs_a_common_module_of_that_name(write_flow):
    main = write_flow(_caller("Main", CALL_MODULE.format(target="Lookup")), "main.yaml")
    wrong = write_flow(_caller("Lookup", ""), "lookup-call-flow.yaml")
    hits = of(validate([main, wrong]), "IVR301")
    assert len(hits) == 1 and hits[0].path.endswith("main.yaml")
    assert "needs a commonModule flow" in hits[0].message and "inboundCall" in hits[0].message
    module = write_flow(MODULE.format(name="Lookup"), "lookup.yaml")
    assert of(validate([main, wrong, module]), "IVR301") == []


def test_a_reference_under_a_key_spelt_with_escapes_is_still_found(write_flow):
    # a flow that writes no reference key is not walked for references; one that spells the
    # key with a YAML escape is (the key exists only once the scalar is read)
    from ivr_ci.flow.orgrefs import FLOW_REF_KEYS, may_have_keys

    for key in ('"target\\x46low"', '"targetF\\u006Cow"', '"\\U00000074argetFlow"'):
        text = _caller("Main", TRANSFER.format(target="Billing IVR").replace("targetFlow", key))
        assert "targetFlow" not in text
        hits = of(validate([write_flow(text)]), "IVR301")
        assert len(hits) == 1 and "transfers to 'Billing IVR'" in hits[0].message, key
    assert may_have_keys('? "target\\\n  Flow"\n: x\n', FLOW_REF_KEYS)  # an escaped line break
    assert not may_have_keys('a: "say \\"hi\\"\\n"\nb: target Flow\n', FLOW_REF_KEYS)


def test_placeholder_targets_are_skipped_without_env_and_substituted_with_it(write_flow):
    main = write_flow(_caller("Main", CALL_MODULE.format(target="{{module}}")), "main.yaml")
    module = write_flow(MODULE.format(name="Lookup {{suffix}}"), "lookup.yaml")
    assert of(validate([main, module]), "IVR301") == []
    config = Config(data={"environments": {
        "dev": {"substitutions": {"module": "Lookup DEV", "suffix": "DEV"}},
        "prod": {"substitutions": {"module": "Lookup", "suffix": "PROD"}},
    }})
    assert of(validate([main, module], config=config, env="dev"), "IVR301") == []
    hits = of(validate([main, module], config=config, env="prod"), "IVR301")
    assert len(hits) == 1 and "calls common module 'Lookup'" in hits[0].message


def test_a_cycle_between_flows_is_an_error_that_prints_the_cycle(write_flow):
    a_text = _caller("Main IVR", TRANSFER.format(target="Billing IVR"))
    a = write_flow(a_text, "a.yaml")
    b = write_flow(_caller("Billing IVR", TRANSFER.format(target="Main IVR")), "b.yaml")
    c = write_flow(_caller("Other", TRANSFER.format(target="Main IVR")), "c.yaml")
    found = of(validate([a, b, c]), "IVR302")
    assert [(f.path.endswith("a.yaml"), f.line, f.severity.value) for f in found] == [
        (True, line_of(a_text, "targetFlow"), "error")]
    assert "Main IVR (inboundCall) → Billing IVR (inboundCall) → Main IVR (inboundCall)" in found[0].message


def test_no_cycle_when_the_back_reference_is_not_in_the_set(write_flow):
    a = write_flow(_caller("Main IVR", TRANSFER.format(target="Billing IVR")), "a.yaml")
    b = write_flow(_caller("Billing IVR", ""), "b.yaml")
    assert of(validate([a, b]), "IVR302") == []
