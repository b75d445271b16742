"""validate-flow graph rules: start ref, jump targets, refIds, spin cycles, dead ends (IVR220-IVR224)."""

from __future__ import annotations

import pytest

from tests.validate_util import GOOD_CALL_FLOW, dedent, line_of, of, validate


def _tasks_flow(tasks: str, flow_type: str = "inboundCall", start: str = "./tasks/task[a]") -> str:
    """A flow made of the given `tasks:` items (indented as under `tasks:`)."""
    return f"{flow_type}:\n  name: Graph\n  startUpRef: \"{start}\"\n  tasks:\n" + dedent(tasks).replace(
        "\n", "\n    ").rstrip(" ").join(["    ", ""])


# --- IVR220 start-ref -----------------------------------------------------------------------

@pytest.mark.parametrize("ref, wanted", [
    ("/inboundCall/menus/menu[mian]", "no menu has refId 'mian' (did you mean 'main'?)"),
    ("/inqueueCall/menus/menu[main]", "starts at /inqueueCall, but this flow is inboundCall"),
    ("menus/menu[main]", "is not a refId path"),
    ("/inboundCall/menus/task[main]", "menus holds menu elements, not task"),
    ("/inboundCall/menus/menu[main]/choices/menuDisconnect[Bye]", "points at a menu choice"),
])
def test_start_ref_problems_are_reported_on_its_line(write_flow, ref, wanted):
    text = GOOD_CALL_FLOW.replace('"/inboundCall/menus/menu[main]"', f'"{ref}"')
    found = of(validate([write_flow(text)]), "IVR220")
    assert [f.line for f in found] == [line_of(text, "startUpRef")]
    assert wanted in found[0].message


@pytest.mark.parametrize("ref", ["./menus/menu[main]", "/inboundCall/tasks/task[sales]", "{{start_ref}}"])
def test_start_ref_relative_absolute_and_templated_forms_pass(write_flow, ref):
    text = GOOD_CALL_FLOW.replace('"/inboundCall/menus/menu[main]"', f'"{ref}"')
    assert of(validate([write_flow(text)]), "IVR220") == []


# --- IVR221 jump-target ---------------------------------------------------------------------

def test_jump_targets_must_exist_and_be_the_right_kind(write_flow):
    text = _tasks_flow("""
        - task:
            name: A
            refId: a
            actions:
              - callTask: {name: Call, targetTaskRef: "./tasks/task[b]"}
              - jumpToTask: {name: Typo, targetTaskRef: "/inboundCall/tasks/task[bb]"}   # MARK1
        - task:
            name: B
            refId: b
            actions:
              - jumpToMenu: {name: Kind, targetMenuRef: "./tasks/task[a]"}                # MARK2
    """)
    found = of(validate([write_flow(text)]), "IVR221")
    assert [f.line for f in found] == [line_of(text, "MARK1"), line_of(text, "MARK2")]
    assert "no task has refId 'bb' (did you mean 'b'?)" in found[0].message
    assert "points at a task, not a menu" in found[1].message


def test_default_child_menu_ref_is_relative_to_its_menu(write_flow):
    good = GOOD_CALL_FLOW.replace("        audio:\n", "        defaultChildMenuRef: ./choices/menuDisconnect[bye]\n"
                                  "        audio:\n").replace("              name: Bye\n",
                                                             "              name: Bye\n              refId: bye\n")
    assert of(validate([write_flow(good)]), "IVR221") == []
    bad = good.replace("menuDisconnect[bye]", "menuDisconnect[nope]")
    found = of(validate([write_flow(bad)]), "IVR221")
    assert [f.line for f in found] == [line_of(bad, "defaultChildMenuRef")]
    assert "no menuDisconnect choice with refId 'nope'" in found[0].message


def test_menu_jump_choice_target_is_checked(write_flow):
    text = GOOD_CALL_FLOW.replace('targetTaskRef: "/inboundCall/tasks/task[sales]"',
                                  'targetTaskRef: "/inboundCall/tasks/task[Sales]"')
    found = of(validate([write_flow(text)]), "IVR221")
    assert [f.line for f in found] == [line_of(text, "targetTaskRef")]
    assert "did you mean 'sales'" in found[0].message


# --- IVR222 duplicate-refid -----------------------------------------------------------------

def test_duplicate_refids_in_a_container_and_in_a_menu(write_flow):
    text = GOOD_CALL_FLOW.replace("""\
          - disconnect:
              name: Transfer failed
""", """\
          - disconnect:
              name: Transfer failed
    - task:
        name: Sales copy
        refId: sales                    # MARK1
        actions:
          - disconnect: {name: Bye}
""").replace("""\
              name: Bye
              dtmf: digit_9
""", """\
              name: Bye
              refId: c
              dtmf: digit_9
          - menuDisconnect:
              name: Bye again
              refId: c                  # MARK2
              dtmf: digit_8
""")
    found = of(validate([write_flow(text)]), "IVR222")
    assert [f.line for f in found] == [line_of(text, "MARK2"), line_of(text, "MARK1")]
    assert "already used by task 'Sales'" in found[1].message


def test_the_same_refid_in_different_containers_is_fine(write_flow):
    text = GOOD_CALL_FLOW.replace("refId: sales", "refId: main").replace("task[sales]", "task[main]")
    assert of(validate([write_flow(text)]), "IVR222") == []


# --- IVR223 jump-cycle ----------------------------------------------------------------------

def test_a_jump_cycle_without_input_is_an_error_naming_the_cycle(write_flow):
    text = _tasks_flow("""
        - task:
            name: A
            refId: a
            actions:
              - decision:
                  name: Check
                  condition: {exp: "Flow.retry"}
                  outputs:
                    yes:
                      actions:
                        - jumpToTask: {name: To B, targetTaskRef: "./tasks/task[b]"}   # MARK
              - disconnect: {name: Bye}
        - task:
            name: B
            refId: b
            actions:
              - updateData: {name: Count, statements: [{integer: {variable: Flow.n, value: {exp: "Flow.n + 1"}}}]}
              - jumpToTask: {name: Back, targetTaskRef: "./tasks/task[a]"}
    """)
    found = of(validate([write_flow(text)]), "IVR223")
    assert [f.line for f in found] == [line_of(text, "MARK")]
    assert "task 'A' → task 'B' → task 'A'" in found[0].message


@pytest.mark.parametrize("waiting", [
    '- collectInput: {name: Digits, inputData: {var: Flow.d}, outputs: {success: {actions: []}}}',
    '- callTask: {name: Ask, targetTaskRef: "./tasks/task[ask]"}',
])
def test_a_cycle_through_input_is_fine(write_flow, waiting):
    text = _tasks_flow(f"""
        - task:
            name: A
            refId: a
            actions:
              {waiting}
              - jumpToTask: {{name: Again, targetTaskRef: "./tasks/task[a]"}}
        - task:
            name: Ask
            refId: ask
            actions:
              - collectInput: {{name: Digits, inputData: {{var: Flow.d}}}}
              - endTask: {{name: Done}}
    """)
    assert of(validate([write_flow(text)]), "IVR223") == []


def test_a_cycle_through_a_menu_is_fine_and_actions_after_a_jump_never_run(write_flow):
    text = _tasks_flow("""
        - task:
            name: A
            refId: a
            actions:
              - jumpToMenu: {name: Menu, targetMenuRef: "./menus/menu[m]"}
              - jumpToTask: {name: Unreachable, targetTaskRef: "./tasks/task[a]"}
    """) + dedent("""
        menus:
          - menu:
              name: M
              refId: m
              choices:
                - menuJumpToTask: {name: Again, dtmf: digit_1, targetTaskRef: "./tasks/task[a]"}
    """).replace("\n", "\n  ").join(["  ", ""]).rstrip(" ")
    assert validate([write_flow(text)]) == []


def test_a_self_jump_in_a_workflow_state_is_a_cycle(write_flow):
    text = dedent("""
        workflow:
          name: Poll
          startUpRef: ./states/state[s]
          states:
            - state:
                name: S
                refId: s
                actions:
                  - changeState: {name: Again, targetStateRef: "./states/state[s]"}
    """)
    found = of(validate([write_flow(text)]), "IVR223")
    assert [f.line for f in found] == [line_of(text, "changeState")]
    assert "state 'S' → state 'S'" in found[0].message
    waited = text.replace("- changeState", "- wait: {name: W, duration: {lit: {seconds: 30}}}\n"
                                             "          - changeState")
    assert validate([write_flow(waited)]) == []


# --- IVR224 dead-end ------------------------------------------------------------------------

def test_a_decision_without_its_no_path_falls_off_a_call_task(write_flow):
    text = _tasks_flow("""
        - task:
            name: A
            refId: a
            actions:
              - decision:
                  name: Open?
                  condition: {exp: "true"}
                  outputs:
                    yes:
                      actions:
                        - disconnect: {name: Bye}
    """)
    found = of(validate([write_flow(text)]), "IVR224")
    assert [f.line for f in found] == [line_of(text, "- decision")]
    assert "task 'A' can run off its end" in found[0].message and "has no 'no' path" in found[0].message


def test_a_transfer_without_a_failure_path_falls_through_and_one_with_it_does_not(write_flow):
    text = GOOD_CALL_FLOW.replace("""\
          - disconnect:
              name: Transfer failed
""", "")
    found = of(validate([write_flow(text)]), "IVR224")
    assert [f.line for f in found] == [line_of(text, "- transferToAcd")]
    assert "has no failure path" in found[0].message
    handled = text.replace("""\
                  name: Sales
""", """\
                  name: Sales
              outputs:
                failure:
                  actions:
                    - disconnect: {name: Failed}
""")
    assert of(validate([write_flow(handled)]), "IVR224") == []


def test_branches_that_fall_through_continue_after_the_branching_action(write_flow):
    text = _tasks_flow("""
        - task:
            name: A
            refId: a
            actions:
              - switch:
                  name: Route
                  evaluate:
                    firstTrue:
                      cases:
                        - case: {value: {exp: "true"}, actions: [{playAudio: {name: P, audio: {tts: x}}}]}
              - disconnect: {name: Bye}
    """)
    assert of(validate([write_flow(text)]), "IVR224") == []


def test_inline_menu_tasks_are_checked_and_message_flows_are_not(write_flow):
    text = GOOD_CALL_FLOW.replace("""\
          - menuDisconnect:
              name: Bye
""", """\
          - menuTask:
              name: Info
              dtmf: digit_2
              task:
                actions:
                  - playAudio: {name: Info, audio: {tts: We are open 9 to 5}}
          - menuDisconnect:
              name: Bye
""")
    found = of(validate([write_flow(text)]), "IVR224")
    assert [f.line for f in found] == [line_of(text, "- playAudio")]
    assert "choice 'Info' in menu 'Main'" in found[0].message
    message_flow = dedent("""
        inboundShortMessage:
          name: Chat
          startUpRef: ./states/state[s]
          states:
            - state:
                name: S
                refId: s
                actions:
                  - sendResponse: {name: Hi, messageBody: {lit: Hello}}
    """)
    assert of(validate([write_flow(message_flow, "chat.yaml")]), "IVR224") == []
