"""Semantic diff on our own fixture flow: one test per kind of change a reviewer cares about."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr_ci.diff import diff_paths
from ivr_ci.diff.model import Change, Risk

BASE = (Path(__file__).parent / "fixtures" / "diff" / "base_ivr.yaml").read_text(encoding="utf-8")


def changes(tmp_path: Path, new_text: str, old_text: str = BASE) -> list[Change]:
    (tmp_path / "old.yaml").write_text(old_text, encoding="utf-8")
    (tmp_path / "new.yaml").write_text(new_text, encoding="utf-8")
    result = diff_paths(str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"))
    assert result.problems == []
    return [c for f in result.flows for c in f.changes]


def edit(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, f"fixture edit is ambiguous: {old!r}"
    return text.replace(old, new)


def only(found: list[Change], kind: str) -> Change:
    hits = [c for c in found if c.kind == kind]
    assert len(hits) == 1, [(c.kind, c.summary) for c in found]
    return hits[0]


def test_identical_and_reformatted_flow_is_no_change(tmp_path):
    assert changes(tmp_path, BASE) == []
    # reorder tasks/menus and keys, renumber refIds, drop noValue leaves, requote scalars
    moved = BASE.replace("Main Menu_10", "Main Menu_110").replace("Billing Menu_30", "Billing Menu_130")
    moved = moved.replace("""        settingsMenu:
          extensionDialingMaxDelay:
            noValue: true
          listenForExtensionDialing:
            noValue: true
          menuSelectionTimeout:
            noValue: true
          repeatCount:
            noValue: true
""", "").replace("lit: 3\n", 'lit: "3"\n').replace("  description: Front door of the Acme contact centre\n  division: Home\n",
                                                    "  division: 'Home'\n  description: \"Front door of the Acme contact centre\"\n")
    assert changes(tmp_path, moved) == []


def test_menu_added_and_removed(tmp_path):
    new = BASE + """    - task:
        name: Unused
        refId: Unused_99
        actions:
          - disconnect:
              name: Bye
"""
    added = only(changes(tmp_path, new), "block-added")
    assert added.risk is Risk.BEHAVIOURAL and added.new == "Unused"
    without_billing_menu = BASE[:BASE.index("    - menu:\n        name: Billing Menu")] + BASE[BASE.index("  tasks:"):]
    found = changes(tmp_path, without_billing_menu)
    removed = only(found, "menu-removed")
    assert removed.old == "Billing Menu" and removed.risk is Risk.BEHAVIOURAL
    assert only(changes(tmp_path, BASE, without_billing_menu), "menu-added").new == "Billing Menu"


def test_menu_renamed_is_cosmetic_and_keeps_references(tmp_path):
    new = BASE.replace("name: Billing Menu", "name: Billing Options")
    found = changes(tmp_path, new)
    c = only(found, "menu-renamed")
    assert (c.old, c.new, c.risk) == ("Billing Menu", "Billing Options", Risk.COSMETIC)
    # the jumpToMenu pointing at it now names the new menu: that is the same target, renamed
    assert [x for x in found if x.risk is Risk.BEHAVIOURAL] == []


def test_choice_added_removed_and_digit_changed(tmp_path):
    new = edit("""          - menuDisconnect:
              name: Goodbye
              refId: Goodbye_14
              dtmf: digit_9
""", """          - menuTransferToAcd:
              name: Operator
              refId: Operator_15
              dtmf: digit_0
              targetQueue:
                lit:
                  name: Reception
""")
    found = changes(tmp_path, new)
    added, removed = only(found, "choice-added"), only(found, "choice-removed")
    assert added.new == "queue Reception" and "0" in added.where
    assert removed.old == "disconnect" and "9" in removed.where
    moved_digit = edit("dtmf: digit_3", "dtmf: digit_4")
    c = only(changes(tmp_path, moved_digit), "digit-changed")
    assert (c.old, c.new, c.risk) == ("3", "4", Risk.BEHAVIOURAL)
    assert "Billing" in c.where


@pytest.mark.parametrize("old,new,expect_old,expect_new", [
    ("name: Sales Queue", "name: Inside Sales", "queue Sales Queue", "queue Inside Sales"),
    ('targetTaskRef: "/inboundCall/tasks/task[Support Task_20]"\n',
     'targetMenuRef: "/inboundCall/menus/menu[Billing Menu_30]"\n', "task Support Task", "menu Billing Menu"),
])
def test_choice_rerouted(tmp_path, old, new, expect_old, expect_new):
    text = edit(old, new)
    if "targetMenuRef" in new:
        text = text.replace("menuJumpToTask:", "menuJumpToMenu:")
    c = only(changes(tmp_path, text), "choice-rerouted")
    assert (c.old, c.new, c.risk) == (expect_old, expect_new, Risk.BEHAVIOURAL)


def test_choice_kind_change_is_a_reroute(tmp_path):
    text = edit("""          - menuDisconnect:
              name: Goodbye
              refId: Goodbye_14
              dtmf: digit_9
""", """          - menuJumpToTask:
              name: Goodbye
              refId: Goodbye_14
              dtmf: digit_9
              targetTaskRef: "/inboundCall/tasks/task[Support Task_20]"
""")
    c = only(changes(tmp_path, text), "choice-rerouted")
    assert (c.old, c.new) == ("disconnect", "task Support Task")


def test_prompt_changes_show_old_and_new_text(tmp_path):
    found = changes(tmp_path, edit("tts: For sales press 1, for support press 2, for billing press 3.",
                                   "tts: For sales press 1, for support press 2, for billing press 3, to hang up press 9."))
    c = only(found, "prompt-changed")
    assert c.risk is Risk.CONTENT and c.old.endswith("billing press 3.") and c.new.endswith("press 9.")
    assert c.line > 0 and "Main Menu" in c.where
    greet = only(changes(tmp_path, edit("tts: Welcome to Acme.", "tts: Welcome to Acme Corp.")), "prompt-changed")
    assert (greet.old, greet.new, greet.where) == ("Welcome to Acme.", "Welcome to Acme Corp.", "flow")
    nested = only(changes(tmp_path, edit("Please hold for the next agent.", "All agents are busy.")), "prompt-changed")
    assert "Is VIP" in nested.where and "no" in nested.where and nested.new == "All agents are busy."


def test_timeouts_repeat_and_flow_settings(tmp_path):
    found = changes(tmp_path, edit("      lit:\n        seconds: 10\n    repeatCount:\n      lit: 3",
                                   "      lit:\n        seconds: 5\n    repeatCount:\n      lit: 2"))
    assert {c.field for c in found} == {"settingsMenu.menuSelectionTimeout.lit.seconds", "settingsMenu.repeatCount.lit"}
    assert all(c.kind == "flow-setting-changed" and c.risk is Risk.CONFIGURATION for c in found)
    per_menu = changes(tmp_path, edit("          menuSelectionTimeout:\n            noValue: true",
                                      "          menuSelectionTimeout:\n            lit:\n              seconds: 4"))
    c = only(per_menu, "menu-setting-changed")
    assert c.risk is Risk.CONFIGURATION and c.field == "settingsMenu.menuSelectionTimeout"
    assert c.summary.endswith("(not set) → 4 s")
    lang = changes(tmp_path, edit("voice: Jill", "voice: Joanna"))
    assert only(lang, "flow-setting-changed").field == "supportedLanguages.en-us.textToSpeech.defaultEngine.voice"
    err = only(changes(tmp_path, edit("      disconnect:\n        none: true",
                                      "      queue:\n        targetQueue:\n          lit:\n            name: Fallback")),
               "flow-setting-changed")
    assert err.risk is Risk.BEHAVIOURAL  # where failing calls go is routing


def test_actions_added_removed_changed_inside_tasks(tmp_path):
    text = edit("""          - disconnect:
              name: Disconnect
""", """          - playAudio:
              name: Survey offer
              audio:
                tts: Stay on the line for a survey.
          - disconnect:
              name: Disconnect
""")
    added = only(changes(tmp_path, text), "action-added")
    assert added.risk is Risk.BEHAVIOURAL and "Survey offer" in added.summary and "step 3 playAudio" in added.where
    removed = only(changes(tmp_path, BASE, text), "action-removed")
    assert "Survey offer" in removed.summary
    requeue = only(changes(tmp_path, edit("name: Support Queue", "name: Support Tier 2")), "action-changed")
    assert requeue.risk is Risk.BEHAVIOURAL and requeue.field == "targetQueue.lit.name"
    assert (requeue.old, requeue.new) == ("Support Queue", "Support Tier 2")
    cond = only(changes(tmp_path, edit('Task.Tier == "gold"', 'Task.Tier == "platinum"')), "action-changed")
    assert cond.field == "condition.exp" and "Is VIP" in cond.where
    renamed = only(changes(tmp_path, edit("name: To support\n", "name: Transfer to support\n")), "action-renamed")
    assert renamed.risk is Risk.COSMETIC


def test_action_moved_is_one_change_not_remove_plus_add(tmp_path):
    block = """          - transferToAcd:
              name: To support
              targetQueue:
                lit:
                  name: Support Queue
              preTransferAudio:
                tts: Transferring you to support.
"""
    text = edit(block, "")
    text = edit("        actions:\n          - callData:", "        actions:\n" + block + "          - callData:", text)
    found = changes(tmp_path, text)
    moved = only(found, "action-moved")
    assert (moved.old, moved.new) == (2, 1)
    assert not [c for c in found if c.kind in ("action-added", "action-removed")]


def test_data_action_renamed_is_a_value_change(tmp_path):
    c = only(changes(tmp_path, edit("Get Customer:", "Get Customer V2:")), "action-changed")
    assert c.field == "category.dataAction.@dataAction" and (c.old, c.new) == ("Get Customer", "Get Customer V2")


def test_speech_terms_and_default_choice(tmp_path):
    c = only(changes(tmp_path, edit("                    - invoice\n", "                    - invoice\n                    - payment\n")),
             "speech-terms-changed")
    assert c.risk is Risk.BEHAVIOURAL
    text = edit("        choices:\n          - menuTransferToAcd:\n              name: Sales",
                "        defaultChildMenuRef: ./choices/menuDisconnect[Goodbye_14]\n"
                "        choices:\n          - menuTransferToAcd:\n              name: Sales")
    d = only(changes(tmp_path, text), "default-choice-changed")
    assert d.new == "choice Goodbye of menu Main Menu"


def test_substitutions_and_variables(tmp_path):
    text = edit('lit: "{{region}}"', 'lit: "{{region}}-{{site}}"')
    found = changes(tmp_path, text)
    assert only(found, "substitution-added").new == "site"
    var = only(found, "variable-changed")
    assert var.risk is Risk.CONFIGURATION and var.line == BASE.splitlines().index("    - stringVariable:") + 1
    gone = only(changes(tmp_path, text, BASE.replace('lit: "{{region}}"', 'lit: "{{region}}-{{zone}}"')),
                "substitution-removed")
    assert gone.old == "zone"


def test_flow_rename_is_warned_and_description_is_cosmetic(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "main.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "b" / "main.yaml").write_text(edit("name: Acme Main IVR", "name: Acme IVR 2025"), encoding="utf-8")
    result = diff_paths(str(tmp_path / "a"), str(tmp_path / "b"))
    (flow,) = result.flows
    assert flow.status == "renamed" and flow.old_name == "Acme Main IVR"
    assert flow.warnings and "orphan" in flow.warnings[0]
    assert flow.changes[0].kind == "flow-renamed" and flow.changes[0].risk is Risk.BEHAVIOURAL
    desc = only(changes(tmp_path, edit("description: Front door of the Acme contact centre",
                                       "description: Main entry")), "description-changed")
    assert desc.risk is Risk.COSMETIC


def test_flows_matched_by_type_and_name_across_directories(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b" / "moved").mkdir(parents=True)
    (tmp_path / "a" / "main.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "a" / "old.yaml").write_text("inboundCall:\n  name: Legacy\n  startUpRef: ./tasks/task[t]\n"
                                             "  tasks:\n    - task:\n        name: T\n        refId: t\n"
                                             "        actions:\n          - disconnect:\n              name: D\n",
                                             encoding="utf-8")
    (tmp_path / "b" / "moved" / "ivr.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "b" / "new.yaml").write_text("inqueueCall:\n  name: Hold\n  startUpTaskActions:\n"
                                             "    - disconnect:\n        name: D\n", encoding="utf-8")
    result = diff_paths(str(tmp_path / "a"), str(tmp_path / "b"))
    by_name = {f.name: f for f in result.flows}
    assert by_name["Acme Main IVR"].status == "modified"
    assert [c.kind for c in by_name["Acme Main IVR"].changes] == ["flow-moved"]
    assert by_name["Legacy"].status == "removed" and by_name["Hold"].status == "added"
    assert result.behavioural == 2


def test_invalid_yaml_is_a_problem_with_a_line(tmp_path):
    (tmp_path / "old.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "new.yaml").write_text("inboundCall:\n  name: [unclosed\n", encoding="utf-8")
    result = diff_paths(str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml"))
    (problem,) = result.problems
    assert problem.side == "new" and problem.line >= 2 and problem.path.endswith("new.yaml")
