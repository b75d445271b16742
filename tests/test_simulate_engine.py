"""The walk itself: menus and their repeats, jumps, called tasks, loops, errors, substitutions."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr_ci.config import Config
from ivr_ci.simulate import SimInput, Stub, load_for_simulation, simulate, substitute
from ivr_ci.simulate.engine import DEFAULT_MENU_TIMEOUT
from ivr_ci.simulate.world import check_schedule_state, parse_keys
from ivr_ci.util.clock import parse_at

FIXTURES = Path(__file__).parent / "fixtures" / "simulate"
MAIN = str(FIXTURES / "main-ivr.yaml")
OPEN = {"acme hours": "open"}


def walk(path: str, keys: str = "", **kw):
    inp = SimInput(keys=parse_keys(keys), **kw)
    return simulate(load_for_simulation(path), inp)


def menu_flow(write_flow, choices: str, extra_menu: str = "", tasks: str = "", settings: str = "") -> str:
    """A one-menu inboundCall; `choices` / `tasks` are YAML list items indented for their place."""
    text = f"""\
inboundCall:
  name: Small
  defaultLanguage: en-us
  startUpRef: "/inboundCall/menus/menu[m]"
{settings}  menus:
    - menu:
        name: Main
        refId: m
        audio:
          tts: Main menu.
{extra_menu}        choices:
{choices}
{tasks}"""
    return str(write_flow(text))


def test_fixture_paths_end_where_a_caller_would():
    r = walk(MAIN, "2,1", at=None, schedules=OPEN, variables={"Flow.region": "east"})
    # the Morning? decision needs the time: cannot decide, and says so
    assert r.outcome.kind == "cannot-decide" and "current time" in r.outcome.reason
    r = walk(MAIN, "2,1", schedules=OPEN, variables={"Flow.region": "east"}, at=parse_at("2026-11-23T16:00"))
    assert r.outcome.kind == "disconnect"
    assert r.heard[-1] == "There is a known outage in east."
    kinds = [s.kind for s in r.steps]
    assert kinds.count("call") == 1 and kinds.count("return") == 1
    assert all(s.line > 0 for s in r.steps)


def test_no_input_replays_the_menu_then_takes_the_default_choice(write_flow):
    flow = menu_flow(write_flow, """\
          - menuTransferToAcd:
              name: Sales
              refId: s
              dtmf: digit_1
              targetQueue: {lit: {name: Sales}}
""", extra_menu="        defaultChildMenuRef: ./choices/menuTransferToAcd[s]\n",
        settings="  settingsMenu:\n    repeatCount: {lit: 3}\n")
    r = walk(flow, "")
    assert r.heard == ["Main menu."] * 3
    assert (r.outcome.kind, r.outcome.target_type, r.outcome.target) == ("transfer", "queue", "Sales")


def test_without_default_choice_architect_disconnects_after_the_repeats(write_flow):
    flow = menu_flow(write_flow, """\
          - menuDisconnect: {name: Bye, dtmf: digit_9}
""")
    r = walk(flow, "5,-")  # a key no choice takes, then silence
    assert r.heard == ["Main menu."] * 3  # Architect's default repeat count
    assert r.outcome.kind == "disconnect" and "no selection after 3 plays" in r.outcome.detail
    assert [s.text.split(":")[0] for s in r.steps if s.kind == "input"] == ["key 5", "no input", "no key left"]


def test_coming_back_with_nothing_new_is_a_loop(write_flow):
    flow = menu_flow(write_flow, """\
          - menuJumpToTask:
              name: Loop
              dtmf: digit_1
              targetTaskRef: "/inboundCall/tasks/task[t]"
""", tasks="""\
  tasks:
    - task:
        name: Back again
        refId: t
        actions:
          - jumpToMenu:
              name: Again
              targetMenuRef: "/inboundCall/menus/menu[m]"
""", extra_menu="        defaultChildMenuRef: ./choices/menuJumpToTask[Loop]\n")
    r = walk(flow, "1,1")
    # both keys are used; then the default choice returns to the task with nothing new
    assert r.outcome.kind == "loop" and 'task "Back again"' in r.outcome.reason
    assert r.keys_used == 2 and r.heard.count("Main menu.") == 5


def test_called_task_returns_and_task_scope_is_restored(write_flow):
    flow = menu_flow(write_flow, """\
          - menuTask:
              name: Work
              dtmf: digit_1
              task:
                actions:
                  - updateData:
                      name: Mine
                      statements:
                        - string: {variable: Task.who, value: {lit: caller}}
                  - callTask:
                      name: Helper
                      targetTaskRef: "/inboundCall/tasks/task[h]"
                  - decision:
                      name: Still mine?
                      condition: {exp: Task.who == "caller" and Flow.seen == "helper"}
                      outputs:
                        "yes":
                          actions:
                            - transferToAcd: {name: Ok, targetQueue: {lit: {name: Scoped}}}
                  - disconnect: {name: Wrong}
""", tasks="""\
  tasks:
    - task:
        name: Helper
        refId: h
        actions:
          - updateData:
              name: Theirs
              statements:
                - string: {variable: Task.who, value: {lit: helper}}
                - string: {variable: Flow.seen, value: {exp: Task.who}}
""")
    r = walk(flow, "1")
    assert r.outcome.target == "Scoped", r.render_text()


def test_runtime_error_runs_the_flow_error_handling(write_flow):
    flow = menu_flow(write_flow, """\
          - menuTask:
              name: Broken
              dtmf: digit_1
              task:
                actions:
                  - updateData:
                      name: Bad
                      statements:
                        - integer: {variable: Flow.n, value: {exp: ToInt("not a number")}}
""", settings="""\
  settingsErrorHandling:
    errorHandling:
      queue:
        targetQueue: {lit: {name: Fallback}}
    preHandlingAudio: {tts: Sorry.}
""")
    r = walk(flow, "1")
    assert (r.outcome.kind, r.outcome.target) == ("transfer", "Fallback")
    assert "ToInt" in r.outcome.detail and r.heard[-1] == "Sorry."


def test_collect_input_consumes_a_key_item_and_speech_matches_terms(write_flow):
    flow = menu_flow(write_flow, """\
          - menuTask:
              name: Account
              dtmf: digit_1
              speechRecTerms: {en-us: {terms: [account, my account]}}
              task:
                actions:
                  - collectInput:
                      name: Digits
                      inputData: {var: Flow.acct}
                      digits: {exact: 4}
                      inputAudio: {tts: Enter your account.}
                      outputs:
                        success:
                          actions:
                            - transferToAcd: {name: T, targetQueue: {exp: 'FindQueue(Append("Acct ", Flow.acct))'}}
                        failure:
                          actions:
                            - disconnect: {name: Failed}
""")
    assert walk(flow, "1,1234").outcome.target == "Acct 1234"
    assert walk(flow, "say:My Account,1234#").outcome.target == "Acct 1234"
    assert walk(flow, "1,12").outcome.kind == "disconnect"  # wrong length: failure path


def test_data_action_stub_chooses_the_path_and_outputs(write_flow):
    flow = menu_flow(write_flow, """\
          - menuTask:
              name: Lookup
              dtmf: digit_1
              task:
                actions:
                  - callData:
                      name: Tier
                      category: {CRM: {dataAction: {Get Tier: {successOutputs: {tier: {var: Flow.tier}}}}}}
                      outputs:
                        success:
                          actions:
                            - transferToAcd: {name: T, targetQueue: {exp: 'FindQueue(Flow.tier)'}}
                        failure:
                          actions:
                            - disconnect: {name: Down}
""")
    assert walk(flow, "1", stubs={"crm/get tier": Stub("success", {"tier": "Gold"})}).outcome.target == "Gold"
    assert walk(flow, "1", stubs={"*": Stub("failure")}).outcome.kind == "disconnect"
    undecided = walk(flow, "1").outcome
    assert undecided.kind == "cannot-decide" and '--data-action "CRM/Get Tier=success"' in undecided.reason
    no_value = walk(flow, "1", stubs={"*": Stub("success")}).outcome
    assert no_value.kind == "cannot-decide" and "--set Flow.tier" in no_value.reason


def test_env_substitution_replaces_placeholders_before_the_walk(tmp_path, write_flow):
    flow = write_flow("""\
inboundCall:
  name: "{{flow_name}}"
  startUpRef: ./tasks/task[t]
  tasks:
    - task:
        name: T
        refId: t
        actions:
          - transferToAcd: {name: Q, targetQueue: {lit: {name: "{{queue}}"}}}
""")
    raw = walk(str(flow))
    assert raw.outcome.target == "{{queue}}"  # without --env the placeholder is shown as written
    config = Config(str(tmp_path / ".ivr-ci.yaml"), {"environments": {"prod": {"substitutions": {
        "queue": "Prod Sales", "flow_name": "Main"}}}})
    doc = load_for_simulation(str(flow), config, "prod")
    result = simulate(doc, SimInput())
    assert result.outcome.target == "Prod Sales" and result.flow_name == "Main"
    assert substitute("{{a}} {{b}}", {"a": "1"}) == "1 {{b}}"


@pytest.mark.parametrize("text, reason", [
    ("inboundCall:\n  name: X\n  startUpRef: ./menus/menu[nope]\n", "does not resolve"),
    ("inboundCall:\n  name: [broken\n", "not valid YAML"),
])
def test_broken_flows_are_errors_with_a_line(write_flow, text, reason):
    r = walk(str(write_flow(text)))
    assert r.outcome.kind == "error" and reason in r.outcome.reason and r.outcome.line > 0


def test_inline_sub_menu_and_previous_menu_at_the_top(write_flow):
    flow = menu_flow(write_flow, """\
          - menuSubMenu:
              name: More
              dtmf: digit_2
              menu:
                name: More options
                refId: more
                audio: {tts: More options.}
                choices:
                  - menuTransferToAcd: {name: Deep, dtmf: digit_1, targetQueue: {lit: {name: Deep}}}
          - menuTask:
              name: Back
              dtmf: digit_8
              task:
                actions:
                  - previousMenu: {name: Back}
""")
    r = walk(flow, "2,1")
    assert r.heard == ["Main menu.", "More options."] and r.outcome.target == "Deep"
    # previous menu from the first menu replays it (there is nothing before it)
    r = walk(flow, "8,2,1")
    assert r.heard == ["Main menu.", "Main menu.", "More options."] and r.outcome.target == "Deep"


@pytest.mark.parametrize("seconds", ["100000000000000000000", "1.0e+308"])
def test_an_out_of_range_menu_timeout_is_not_set_not_a_crash(write_flow, seconds):
    flow = menu_flow(write_flow, """\
          - menuTransferToAcd:
              name: Sales
              dtmf: digit_1
              targetQueue: {lit: {name: Sales}}
""", settings=f"  settingsMenu:\n    menuSelectionTimeout: {{lit: {{seconds: {seconds}}}}}\n")
    r = walk(flow, "-,1")
    assert (r.outcome.kind, r.outcome.target) == ("transfer", "Sales")
    assert any(f"no selection within {DEFAULT_MENU_TIMEOUT}s" in s.text for s in r.steps)


def test_weekly_hours_ending_at_24_00_cover_the_whole_day():
    spec = check_schedule_state("fri-mon 00:00-24:00 UTC")
    for at, state in [("2026-01-02T23:59:59", "open"), ("2026-01-05T00:00", "open"), ("2026-01-05T23:59", "open"),
                      ("2026-01-01T23:59:59", "closed"), ("2026-01-06T00:00", "closed")]:
        inp = SimInput(at=parse_at(at), schedules={"hours": spec})
        assert inp.schedule_state(["Hours"]) == (state, "Hours"), at
    for bad in ("mon-fri 08:00-24:30", "mon-fri 24:00-24:00", "mon-fri 08:60-18:00"):
        with pytest.raises(ValueError, match="is not a"):
            check_schedule_state(bad)


@pytest.mark.parametrize("text", ["9999-12-31T23:59-05:00", "0001-01-01T00:00+01:00", "9999-12-31T23:59+00:00"])
def test_times_near_the_ends_of_the_calendar_are_refused(text):
    with pytest.raises(ValueError, match="give a year from 1900 to 9000"):
        parse_at(text)
