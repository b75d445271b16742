"""validate-flow structure rules: the flow schema (IVR201), variable scopes (IVR202), containers (IVR203)."""

from __future__ import annotations

import json

import jsonschema
import pytest

from ivr_ci.flow.schema import flow_validator, schema_problems, schema_text
from ivr_ci.flow.yamlpos import parse_yaml
from tests.validate_util import GOOD_CALL_FLOW, dedent, line_of, of, validate


def test_the_good_fixture_is_clean(write_flow):
    assert validate([write_flow(GOOD_CALL_FLOW)]) == []


def test_schema_is_a_valid_2020_12_schema_and_compiled_once():
    jsonschema.Draft202012Validator.check_schema(json.loads(schema_text()))
    assert flow_validator() is flow_validator()


def test_misindented_action_settings_are_reported_on_the_item_line(write_flow):
    text = GOOD_CALL_FLOW.replace("""\
          - disconnect:
              name: Transfer failed
""", """\
          - playAudio:
            name: Sorry            # MARK: not indented under playAudio
            audio: {tts: Sorry}
""")
    found = of(validate([write_flow(text)]), "IVR201")
    assert len(found) == 1
    assert found[0].line == line_of(text, "- playAudio:")
    assert "single-key mapping" in found[0].message and "indented under it" in found[0].message
    assert "tasks[0].task.actions[1]" in found[0].message


def test_two_value_wrappers_point_at_the_second_key(write_flow):
    text = GOOD_CALL_FLOW.replace("""\
                lit:
                  name: Sales
""", """\
                lit:
                  name: Sales
                exp: FindQueue("Sales")   # MARK
""")
    found = of(validate([write_flow(text)]), "IVR201")
    assert [(f.line, f.col) for f in found] == [(line_of(text, "MARK"), 17)]
    assert "'lit' and 'exp' both given" in found[0].message


def test_a_known_value_given_as_bare_text_and_a_missing_jump_target(write_flow):
    text = GOOD_CALL_FLOW.replace("""\
              targetQueue:
                lit:
                  name: Sales
""", """\
              targetQueue: Sales
""").replace('              targetTaskRef: "/inboundCall/tasks/task[sales]"\n', "")
    found = of(validate([write_flow(text)]), "IVR201")
    by_line = {f.line: f.message for f in found}
    assert "found text" in by_line[line_of(text, "targetQueue: Sales")]
    assert "missing required key 'targetTaskRef'" in by_line[line_of(text, "- menuJumpToTask:")]


def test_missing_name_and_entry_point_and_a_wrongly_typed_flag(write_flow):
    text = dedent("""
        workflow:
          description: no name, no startUpRef
          variables:
            - stringVariable:
                name: Flow.x
                isInput: maybe
            - string:
                name: Flow.y
          states: []
    """)
    messages = {(f.line, f.message.split(": ", 1)[1]) for f in of(validate([write_flow(text)]), "IVR201")}
    assert (1, "missing required key 'name'") in messages
    assert (1, "missing required key 'startUpRef'") in messages
    assert (line_of(text, "isInput"), "expected true or false (or a {{placeholder}}); found 'maybe'") in messages
    assert (line_of(text, "- string:"), "variable types end in `Variable` (stringVariable, integerVariable, ...); "
                                        "found 'string'") in messages


def test_inqueue_flows_need_start_up_task_actions_not_a_start_up_ref(write_flow):
    text = dedent("""
        inqueueCall:
          name: Hold
          startUpRef: ./tasks/task[x]
    """)
    found = validate([write_flow(text)])
    assert [f.line for f in of(found, "IVR201")] == [1]
    assert "startUpTaskActions" in of(found, "IVR201")[0].message
    assert [f.line for f in of(found, "IVR203")] == [line_of(text, "startUpRef")]


def test_placeholders_validate_as_names_keys_and_flags(write_flow):
    text = dedent("""
        inboundCall:
          name: {{flow_name}}
          division: {{division}}
          defaultLanguage: {{default_language}}
          startUpRef: "/inboundCall/tasks/task[t]"
          tasks:
            - task:
                name: {{task_name}}
                refId: t
                actions:
                  - callData:
                      name: Lookup
                      timeout: {lit: {seconds: 10}}
                      category:
                        {{data_action_category}}:
                          dataAction:
                            {{data_action_name}}:
                              inputs: {}
                  - callCommonModule:
                      name: Common
                      commonModule:
                        {{common_module_name}}:
                          ver_latestPublished: {inputs: {}, outputs: {}}
                  - transferToAcd:
                      name: Queue
                      targetQueue: {lit: {name: {{queue_name}}}}
                      outputs:
                        failure:
                          actions:
                            - disconnect: {none: {{always}}}
    """)
    assert of(validate([write_flow(text)]), "IVR201") == []


def test_unknown_action_types_and_keys_are_accepted_but_still_need_a_mapping(write_flow):
    text = GOOD_CALL_FLOW.replace("""\
          - disconnect:
              name: Transfer failed
""", """\
          - someFutureAction:
              name: New
              futureSetting: {lit: 3}
              anotherNewKey: [1, 2]
          - anotherFutureAction: 42
          - disconnect:
              name: Transfer failed
""")
    found = of(validate([write_flow(text)]), "IVR201")
    assert [f.line for f in found] == [line_of(text, "anotherFutureAction")]
    assert "settings are a mapping" in found[0].message


@pytest.mark.parametrize("snippet, wanted", [
    ("initialGreeting:\n    tts: hi\n    prompt: Prompt.Hello\n", "'tts' and 'prompt' both given"),
    ("initialGreeting: Welcome\n", "audio gives exactly one of"),
    ("initialGreeting: {}\n", "found none of them"),
])
def test_audio_shapes(write_flow, snippet, wanted):
    text = GOOD_CALL_FLOW.replace("initialGreeting:\n    tts: Welcome\n", snippet)
    found = of(validate([write_flow(text)]), "IVR201")
    assert len(found) == 1 and wanted in found[0].message


def test_schema_problems_on_a_bare_tree_use_yaml_positions():
    root = parse_yaml(dedent("""
        botFlow:
          name: Bot
          startUpRef: ./bots/bot[b]
          bots:
            - bot:
                name: B
                refId: b
                actions:
                  - askForSlot:
                      name: Ask
                      question: {exp: 'MakeCommunication("?")', lit: x}
    """)).root
    problems = schema_problems(root)
    assert [(p.line, p.where) for p in problems] == [(11, "bots[0].bot.actions[0].askForSlot.question")]


# --- IVR202 variable-scope ------------------------------------------------------------------

def test_variable_scope_prefixes(write_flow):
    text = GOOD_CALL_FLOW.replace("""\
        name: Sales
        refId: sales
""", """\
        name: Sales
        refId: sales
        variables:
          - stringVariable:
              name: Flow.wrongScope      # MARK1
          - stringVariable:
              name: Task.fine
          - integerVariable:
              name: noPrefix             # MARK2
          - stringVariable:
              name: "{{templated}}"
""").replace("  initialGreeting:", """\
  variables:
    - stringVariable:
        name: Flow.good
    - stringVariable:
        name: Task.misplaced           # MARK3
  initialGreeting:""")
    found = of(validate([write_flow(text)]), "IVR202")
    assert [f.line for f in found] == [line_of(text, "MARK3"), line_of(text, "MARK1"), line_of(text, "MARK2")]
    assert "declared in task 'Sales', so its name starts with 'Task.'" in found[1].message
    assert "'Flow.'" in found[0].message


def test_common_module_and_bot_scopes(write_flow):
    cm = write_flow(dedent("""
        commonModule:
          name: Lookup
          variables:
            - stringVariable: {name: Common.id}
            - stringVariable: {name: Flow.id}
          startUpTaskActions:
            - endTask: {name: Done}
    """), "cm.yaml")
    bot = write_flow(dedent("""
        botFlow:
          name: Bot
          startUpRef: ./bots/bot[b]
          variables:
            - stringVariable: {name: Slot.city}
            - stringVariable: {name: Flow.result}
          bots:
            - bot: {name: B, refId: b, actions: [{exitBotFlow: {name: Exit}}]}
    """), "bot.yaml")
    found = of(validate([cm, bot]), "IVR202")
    assert [(f.path.endswith("cm.yaml"), f.line) for f in found] == [(True, 5)]


# --- IVR203 container-flow-type -------------------------------------------------------------

def test_menus_in_a_workflow_are_a_warning(write_flow):
    text = dedent("""
        workflow:
          name: Sync
          startUpRef: ./states/state[s]
          menus:
            - menu: {name: M, refId: m}
          states:
            - state: {name: S, refId: s, actions: [{endWorkflow: {name: End}}]}
    """)
    found = of(validate([write_flow(text)]), "IVR203")
    assert [(f.line, f.severity.value) for f in found] == [(4, "warning")]
    assert "'menus' is not part of workflow flows" in found[0].message


def test_keys_that_are_not_names_are_findings_not_a_crash(write_flow):
    text = """\
        inboundCall:
          name: X
          startUpRef: "/inboundCall/tasks/task[t]"
          5: one
          null: two
          callData:
            category:
              Web:
                dataAction:
                  Lookup: 5
          tasks:
            - task: {name: T, refId: t, actions: [{disconnect: {name: Bye}}]}
        """
    found = of(validate([write_flow(text)]), "IVR201")
    assert [(f.line, f.message.split(": ", 1)[1]) for f in found] == [
        (4, "key 5 is not a name; quote it if it is meant as text"),
        (5, "key null is not a name; quote it if it is meant as text")]
