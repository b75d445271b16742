"""Paths that depend on arithmetic, strings or NOT_SET go where Architect sends them: the
simulator follows expressions with the expression engine (ivr_ci.expr), not an approximation."""

from __future__ import annotations

import pytest

from ivr_ci.simulate import SimInput, Stub, load_for_simulation, simulate
from ivr_ci.simulate.world import parse_keys

FLOW = """\
inboundCall:
  name: Semantics
  defaultLanguage: en-us
  variables:
    - integerVariable: {{name: Flow.count}}
    - decimalVariable: {{name: Flow.price}}
  startUpTaskActions:
    - updateData:
        name: Prepare
        statements:
          - decimal: {{variable: Flow.price, value: {{exp: "7 * 12.2"}}}}
    - decision:
        name: Check
        condition: {{exp: '{condition}'}}
        outputs:
          "yes":
            actions:
              - transferToAcd: {{name: Yes, targetQueue: {{lit: {{name: YesQueue}}}}}}
    - transferToAcd: {{name: No, targetQueue: {{lit: {{name: NoQueue}}}}}}
  settingsErrorHandling:
    errorHandling:
      queue:
        targetQueue: {{lit: {{name: ErrorQueue}}}}
"""


def target(write_flow, condition: str) -> str | None:
    path = write_flow(FLOW.format(condition=condition))
    result = simulate(load_for_simulation(str(path)), SimInput(keys=parse_keys("")))
    assert result.outcome.kind == "transfer", result.render_text()
    return result.outcome.target


@pytest.mark.parametrize("condition, queue", [
    # exact decimals: binary floats made this 85.39999999999999 and took the "no" path
    ("Flow.price == 85.4", "YesQueue"),
    ("0.1 + 0.2 == 0.3", "YesQueue"),
    ("42 / 8 == 5.25", "YesQueue"),
    # typed NOT_SET: an unassigned Integer and Decimal are both NOT_SET, and equal
    ("ToInt(Flow.count) == ToDecimal(Flow.count)", "YesQueue"),
    ("IsNotSetOrEmpty(Flow.count)", "YesQueue"),
    # ToInt(NOT_SET) is a NOT_SET Integer, not a runtime error (the old simulator error-handled it)
    ("IsSet(ToInt(Flow.count))", "NoQueue"),
    # NOT_SET where an operator forbids it: Architect's runtime error -> the flow's error handling
    ("Flow.count + 1 > 0", "ErrorQueue"),
    ('ToInt("twelve") > 0', "ErrorQueue"),
    # strings: case-sensitive equality, collation order, Architect's FindString/Substring
    ('"Sales" == "sales"', "NoQueue"),
    ('Compare("apple", "Banana") < 0', "YesQueue"),  # collation, not code points
    ('Substring("Hello", 3, 10) == "lo"', "YesQueue"),
    ('Append("id-", NOT_SET) == "id-"', "YesQueue"),
    # integer vs decimal and Architect's operators
    ("5 == 5.0 and 2 ^ 3 == 8", "YesQueue"),
    ("-7 % 3 == -1", "YesQueue"),
    ("(6 & 3) == 2", "YesQueue"),
    ("Flow.price > 85 ? true : false", "YesQueue"),
])
def test_decisions_follow_architect(write_flow, condition, queue):
    assert target(write_flow, condition) == queue


def test_bot_session_variables_come_from_the_declared_outputs(write_flow):
    path = write_flow("""\
inboundCall:
  name: Bot
  defaultLanguage: en-us
  startUpTaskActions:
    - callDialogflowBot:
        name: Ask the bot
        outputSessionVariables:
          - outputSessionVariable: {name: {lit: intentName}, variable: Flow.intent}
    - decision:
        name: Billing?
        condition: {exp: 'Flow.intent == "billing"'}
        outputs:
          "yes":
            actions:
              - transferToAcd: {name: Billing, targetQueue: {lit: {name: BillingQueue}}}
    - disconnect: {name: Other}
""")
    inp = SimInput(keys=[], stubs={"calldialogflowbot": Stub(outputs={"intentName": "billing"})})
    result = simulate(load_for_simulation(str(path)), inp)
    assert result.outcome.target == "BillingQueue", result.render_text()
