"""Reachability details behind IVR106/108/109/114/116, rule options, and prompt key parsing."""

from __future__ import annotations

import pytest

from ivr_ci.config import Config
from ivr_ci.rules.prompt_text import announced_keys, tts_texts
from tests.lint_menu_fixtures import flow, lines_of, lint_text, marked_lines


def _config(**options: dict) -> Config:
    return Config(data={"lint": {"options": options}})


@pytest.mark.parametrize(("text", "keys"), [
    ("You are at the Main Menu, press 1 or say q and a bot, or press 9 to disconnect", "19"),
    ("For sales press one, 2 for support, or 3 for billing. Press the star key to repeat.", "123*"),
    ("Press1 to connect support.press 9 to disconnect", "19"),
    ("Press 1, 2 or 3. To reach us dial 1-800-555-1212 or enter your account number.", "123"),
    ("Please select one of the following options. Press 0 for an operator or # to repeat", "0#"),
    ("Vous êtes au menu principal. Faites le 9 pour vous déconnecter.", "9"),
    ("Do you still want to speak with an agent?", ""),
])
def test_announced_keys(text: str, keys: str) -> None:
    assert announced_keys(text) == set(keys)


def test_tts_text_comes_from_tts_and_totts_calls_only() -> None:
    audio = {"exp": 'AudioPlaybackOptions(Append(ToAudioBlank(500), ToAudioTTS("Press \\"1\\" now")), If(x, "no"))'}
    assert tts_texts(audio) == ['Press "1" now']
    assert tts_texts({"prompt": "Prompt.Main"}) == [] and tts_texts("text") == []


TRANSFER_TASK = """\
- task:
    name: Agent
    refId: agent
    actions:
      - transferToAcd: {name: Agent, targetQueue: {lit: {name: Help}}}
"""


def _menu(ref: str, choices: str, mark: str = "") -> str:
    return f"- menu:{mark}\n    name: {ref}\n    refId: {ref}\n    choices:\n" + "".join(
        "      " + line + "\n" for line in choices.strip("\n").splitlines())


def _jump(digit: str, target: str) -> str:
    return (f"- menuTask: {{name: To {target}, dtmf: digit_{digit}, task: {{actions: "
            f"[{{jumpToMenu: {{name: Go, targetMenuRef: \"/inboundCall/menus/menu[{target}]\"}}}}]}}}}\n")


ZERO = "- menuJumpToTask: {name: Agent, dtmf: digit_0, targetTaskRef: \"/inboundCall/tasks/task[agent]\"}\n"


def test_depth_counts_menus_through_tasks_and_honours_max_depth(tmp_path) -> None:
    # main -> a (through a task that jumps) -> b: b is 3 menus deep
    text = flow(_menu("main", ZERO + "- menuJumpToTask: {name: A, dtmf: digit_1, targetTaskRef: "
                      "\"/inboundCall/tasks/task[hop]\"}")
                + _menu("a", ZERO + _jump("1", "b") + _jump("9", "main"))
                + _menu("b", ZERO + _jump("9", "a"), mark="  # <-"),
                tasks=TRANSFER_TASK + "- task:\n    name: Hop\n    refId: hop\n    actions:\n"
                      "      - jumpToMenu: {name: Go, targetMenuRef: \"/inboundCall/menus/menu[a]\"}\n")
    assert lines_of(lint_text(tmp_path, text), "IVR106") == []
    found = lint_text(tmp_path, text, _config(IVR106={"max-depth": 2}))
    assert lines_of(found, "IVR106") == marked_lines(text)
    assert "main > a > b" in next(f.message for f in found if f.rule_id == "IVR106")
    # jumping back to an ancestor is a way back; so is menu b's jump to a
    assert lines_of(found, "IVR109") == []


def test_jump_to_grandparent_is_a_way_back_but_a_dead_end_is_not(tmp_path) -> None:
    loop = flow(_menu("main", ZERO + _jump("1", "a")) + _menu("a", ZERO + _jump("1", "b"))
                + _menu("b", ZERO + _jump("9", "main")), tasks=TRANSFER_TASK)
    assert lines_of(lint_text(tmp_path, loop), "IVR109") == []  # b -> main -> a -> b: all can return
    dead_end = flow(_menu("main", ZERO + _jump("1", "a")) + _menu("a", ZERO + _jump("1", "b"), mark="  # <-")
                    + _menu("b", ZERO, mark="  # <-"), tasks=TRANSFER_TASK)
    found = lint_text(tmp_path, dead_end)
    assert lines_of(found, "IVR109") == marked_lines(dead_end)
    assert "(reached from 'a')" in [f.message for f in found if f.rule_id == "IVR109"][1]


def test_start_up_task_actions_and_knowledge_settings_are_entry_points(tmp_path) -> None:
    text = """\
inqueueCall:
  name: Hold
  settingsKnowledge:
    FAQ:
      knowledgePath: {targetTaskRef: "/inqueueCall/tasks/task[kb]"}
  startUpTaskActions:
    - callTask: {name: Greet, targetTaskRef: "/inqueueCall/tasks/task[greet]"}
  tasks:
    - task: {name: Greet, refId: greet, actions: [{playAudio: {name: Hi, audio: {tts: Hi}}}]}
    - task: {name: KB, refId: kb, actions: [{endTask: {name: End}}]}
    - task:  # <-
        name: Unused
        refId: unused
        actions: [{endTask: {name: End}}]
"""
    assert lines_of(lint_text(tmp_path, text), "IVR114") == marked_lines(text)


def test_unresolved_reference_turns_off_reachability_claims(tmp_path) -> None:
    text = flow(_menu("main", "- menuJumpToTask: {name: X, dtmf: digit_1, targetTaskRef: "
                      "\"/inboundCall/tasks/task[{{task_id}}]\"}"),
                tasks="- task: {name: Maybe, refId: maybe, actions: [{disconnect: {name: Bye}}]}\n")
    found = lint_text(tmp_path, text)
    assert lines_of(found, "IVR114") == [] and lines_of(found, "IVR108") == []


@pytest.mark.parametrize("exit_action", [
    "transferToFlow: {name: Main line, targetFlow: {lit: {name: Main IVR}}}",
    "callCommonModule: {name: Shared, commonModule: {Routing: {ver_latestPublished: {}}}}",
])
def test_handing_callers_to_another_flow_is_not_a_missing_agent_route(tmp_path, exit_action) -> None:
    text = flow(_menu("main", f"- menuTask: {{name: Go, dtmf: digit_1, task: {{actions: [{{{exit_action}}}]}}}}"))
    assert lines_of(lint_text(tmp_path, text), "IVR108") == []


def test_secure_flows_are_not_asked_for_agent_routes(tmp_path) -> None:
    text = flow(_menu("main", "- menuDisconnect: {name: Bye, dtmf: digit_9}"), kind="secureCall",
                start="/secureCall/menus/menu[main]")
    assert lines_of(lint_text(tmp_path, text), "IVR108") == []


def test_require_default_choice_option(tmp_path) -> None:
    text = flow(_menu("main", ZERO, mark="  # <-"), tasks=TRANSFER_TASK)
    assert lines_of(lint_text(tmp_path, text), "IVR115") == []  # flow default: 3 plays
    strict = lint_text(tmp_path, text, _config(IVR115={"require-default-choice": True}))
    assert lines_of(strict, "IVR115") == marked_lines(text)
