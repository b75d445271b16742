"""Every IVR1xx rule: a failing fixture (findings exactly on the `# <-` lines) and a passing one."""

from __future__ import annotations

import textwrap

import pytest

from ivr_ci.findings import Severity
from ivr_ci.rules.catalogue import load_catalogue
from tests.lint_menu_fixtures import MAIN_MENU, SETTINGS, flow, lines_of, lint_text, marked_lines

D = textwrap.dedent
IVR1XX = [f"IVR1{n:02d}" for n in range(1, 17)]


def _menu(name: str, ref: str, choices: str, audio: str = "", extra: str = "", mark: str = "") -> str:
    """A `- menu:` item; `choices` are `- menuX:` items at column 0."""
    body = f"- menu:{mark}\n    name: {name}\n    refId: {ref}\n"
    if audio:
        body += f"    audio:\n      tts: {audio}\n"
    body += textwrap.indent(textwrap.dedent(extra).strip("\n") + "\n", "    ") if extra.strip() else ""
    body += "    choices:\n" + textwrap.indent(textwrap.dedent(choices).strip("\n") + "\n", "      ")
    return body


AGENT_0 = """\
- menuTransferToAcd:
    name: Operator
    dtmf: digit_0
    targetQueue: {lit: {name: Support}}
"""


def _jump(name: str, digit: str, target: str, mark: str = "") -> str:
    return (f"- menuTask:\n    name: {name}\n    dtmf: digit_{digit}\n    task:\n      actions:\n"
            f"        - jumpToMenu:{mark}\n            name: Go\n"
            f"            targetMenuRef: /inboundCall/menus/menu[{target}]\n")


BACK = "- menuTask:\n    name: Back\n    dtmf: digit_9\n    task:\n      actions:\n" \
       "        - previousMenu: {name: Back}\n"


def _chain(levels: int) -> str:
    """main > m2 > ... > m<levels>, each sub-menu with a way back and an agent on 0."""
    menus = [_menu("Main Menu", "main", AGENT_0 + _jump("Next", "1", "m2"))]
    for i in range(2, levels + 1):
        nxt = _jump("Next", "1", f"m{i + 1}") if i < levels else ""
        menus.append(_menu(f"Level {i}", f"m{i}", AGENT_0 + nxt + BACK, mark="  # <-" if i == 6 else ""))
    return "".join(menus)


def _choices(n: int) -> str:
    return "".join(f"- menuDisconnect:\n    name: C{i}\n    dtmf: digit_{i % 10}\n" for i in range(n))


CASES: dict[str, tuple[str, str]] = {
    "IVR101": (
        flow(_menu("Main Menu", "main", AGENT_0 + D("""\
            - menuDisconnect:
                name: Bye
                dtmf: digit_1
            - menuDisconnect:
                name: Bye again
                dtmf: digit_1  # <-
            """))),
        flow(),
    ),
    "IVR102": (
        flow(_menu("Main Menu", "main", AGENT_0 + D("""\
            - menuDisconnect:
                name: Bye
                dtmf: digit_10  # <-
            - menuDisconnect:
                name: Two
                dtmf: 2  # <-
            """))),
        flow(_menu("Main Menu", "main", AGENT_0 + D("""\
            - menuDisconnect: {name: Pound, dtmf: "digit_#"}
            - menuDisconnect: {name: Star, dtmf: "digit_*"}
            - menuDisconnect: {name: Templated, dtmf: "{{bye_key}}"}
            """))),
    ),
    "IVR103": (
        flow(_menu("Main Menu", "main", AGENT_0 + D("""\
            - menuTask:  # <-
                name: Nobody can pick me
                speechRecTerms: {en-us: {terms: []}}
                task: {actions: [{disconnect: {name: Bye}}]}
            """))),
        flow(_menu("Main Menu", "main", AGENT_0 + D("""\
            - menuTask:
                name: Yes
                speechRecTerms: {en-us: {terms: ["yes"]}}
                task: {actions: [{disconnect: {name: Bye}}]}
            - menuDisconnect:
                name: Fallback
                refId: fallback
            """), extra="defaultChildMenuRef: ./choices/menuDisconnect[fallback]")),
    ),
    "IVR104": (
        flow(settings="""\
            settingsMenu:
              menuSelectionTimeout:
                lit:
                  ms: 500  # <-
            """, menus=_menu("Main Menu", "main", AGENT_0, extra="""\
            settingsMenu:
              menuSelectionTimeout:
                lit:
                  seconds: 90  # <-
            """)),
        flow(_menu("Main Menu", "main", AGENT_0, extra="""\
            settingsMenu:
              menuSelectionTimeout: {noValue: true}
              repeatCount: {noValue: true}
            """)),
    ),
    "IVR105": (
        flow(settings="""\
            settingsMenu:
              repeatCount:  # <-
                noValue: true
            """, menus=_menu("Main Menu", "main", AGENT_0) + _menu("Other", "other", AGENT_0, extra="""\
            settingsMenu:
              repeatCount:
                lit: 11  # <-
            """)),
        # no settingsMenu at all: Architect's built-in defaults apply
        flow(settings=""),
    ),
    "IVR106": (flow(_chain(7)), flow(_chain(5))),
    "IVR107": (
        flow(_menu("Main Menu", "main", AGENT_0 + _choices(9)).replace("    choices:", "    choices:  # <-")),
        flow(_menu("Main Menu", "main", AGENT_0 + _choices(8))),
    ),
    "IVR108": (
        flow(_menu("Main Menu", "main", "- menuDisconnect: {name: Bye, dtmf: digit_9}"),
             start="/inboundCall/menus/menu[main]  # <-"),
        flow(_menu("Main Menu", "main", """\
            - menuJumpToTask:
                name: Help
                dtmf: digit_1
                targetTaskRef: /inboundCall/tasks/task[help]
            """), tasks="""\
            - task:
                name: Help
                refId: help
                actions:
                  - decision:
                      name: Open?
                      condition: {lit: true}
                      outputs:
                        "yes":
                          actions:
                            - transferToAcd: {name: Agent, targetQueue: {lit: {name: Help}}}
            """),
    ),
    "IVR109": (
        flow(_menu("Main Menu", "main", AGENT_0 + _jump("Billing", "1", "billing"))
             + _menu("Billing", "billing", AGENT_0, mark="  # <-")),
        flow(_menu("Main Menu", "main", AGENT_0 + _jump("Billing", "1", "billing"))
             + _menu("Billing", "billing", AGENT_0 + _jump("Main", "8", "main"))),
    ),
    "IVR110": (
        flow(_menu("Main Menu", "main", """\
            - menuTransferToAcd: {name: Sales, dtmf: digit_1, targetQueue: {lit: {name: Sales}}}
            - menuTransferToAcd: {name: Support, dtmf: digit_3, targetQueue: {lit: {name: Support}}}
            """, extra="audio:  # <-\n  tts: For sales press one, press 2 for support.\n")),
        flow(_menu("Main Menu", "main", AGENT_0 + D("""\
            - menuTransferToAcd: {name: Sales, dtmf: digit_1, targetQueue: {lit: {name: Sales}}}
            - menuTransferToAcd: {name: Support, dtmf: digit_2, targetQueue: {lit: {name: Support}}}
            """), extra="""\
            audio:
              exp: AudioPlaybackOptions(ToAudioTTS("For sales press one, press 2 for support, or 0 for an operator."), true)
            """)),
    ),
    "IVR111": (
        flow(languages="""\
            en-us: {none: true}
            es-us: {none: true}
            """, extra="initialGreeting:  # <-\n  tts: Welcome to Acme\n",
             menus=_menu("Main Menu", "main", AGENT_0, audio="Press 0 for an agent")
             .replace("    audio:", "    audio:  # <-")),
        flow(languages="""\
            en-us: {none: true}
            es-us: {none: true}
            """, extra="initialGreeting:\n  exp: ToAudio(Prompt.Welcome)\n",
             menus=_menu("Main Menu", "main", AGENT_0, extra="audio:\n  prompt: Prompt.MainMenu\n")),
    ),
    "IVR112": (
        flow(_menu("Main Menu", "main", AGENT_0 + D("""\
            - menuDisconnect:
                name: Billing
                dtmf: digit_1
                speechRecTerms: {en-us: {terms: [Billing, invoice]}}
            - menuDisconnect:
                name: Payments
                dtmf: digit_2
                speechRecTerms:
                  en-us:
                    terms:
                      - pay
                      - " billing "  # <-
            """))),
        flow(_menu("Main Menu", "main", AGENT_0 + D("""\
            - menuDisconnect:
                name: Billing
                dtmf: digit_1
                speechRecTerms: {en-us: {terms: [billing]}, es-us: {terms: [pagos]}}
            - menuDisconnect:
                name: Payments
                dtmf: digit_2
                speechRecTerms: {en-us: {terms: [payments]}, es-us: {terms: [billing]}}
            """))),
    ),
    "IVR113": (
        flow(_menu("Main Menu", "main", AGENT_0 + D("""\
            - menuTask:
                name: Lookup
                dtmf: digit_1
                task:
                  actions:
                    - callData:
                        name: Get calls
                        category:
                          Genesys Cloud:
                            dataAction:
                              Waiting calls:
                                inputs:
                                  holdingQueueId:
                                    lit: 9de579c5-74bf-45b4-9d01-234724dfb4b5  # <-
                                  other:
                                    exp: FindQueueById("0aeedeae-957d-40e1-bb16-0312a8e61888")  # <-
                    - disconnect: {name: Bye}
            """))),
        flow(_menu("Main Menu 1cc5cbac-64e0-4801-9962-8538c8973884", "main", AGENT_0 + D("""\
            - menuTask:
                name: Lookup
                dtmf: digit_1
                task:
                  actions:
                    - callData:
                        name: Get calls
                        category:
                          Genesys Cloud:
                            dataAction:
                              Waiting calls:
                                inputs:
                                  holdingQueueId: {lit: "{{holding_queue_id}}"}
                    - disconnect: {name: Bye}
            """)), extra="""\
            settingsNaturalLanguageUnderstanding:
              nluDomainVersion:
                intents:
                  - utterances:
                      - id: 2c1d4a1e-5b0a-4f7e-9a44-0e3b1f5d2a10
            """),
    ),
    "IVR114": (
        flow(MAIN_MENU + _menu("Orphan", "orphan", AGENT_0, mark="  # <-"), tasks="""\
            - task:  # <-
                name: Old promo
                refId: promo
                actions: [{disconnect: {name: Bye}}]
            """),
        flow(_menu("Main Menu", "main", AGENT_0 + D("""\
            - menuTask:
                name: Promo
                dtmf: digit_1
                task: {actions: [{callTask: {name: Promo, targetTaskRef: "/inboundCall/tasks/task[promo]"}}]}
            """)), tasks="""\
            - task:
                name: Promo
                refId: promo
                actions: [{disconnect: {name: Bye}}]
            """),
    ),
    "IVR115": (
        flow(_menu("Main Menu", "main", AGENT_0, mark="  # <-", extra="""\
            settingsMenu:
              repeatCount: {lit: 1}
            """)),
        flow(_menu("Main Menu", "main", AGENT_0, extra="""\
            defaultChildMenuRef: ./choices/menuTransferToAcd[op]
            settingsMenu:
              repeatCount: {lit: 1}
            """).replace("name: Operator", "name: Operator\n          refId: op")),
    ),
    "IVR116": (
        flow(_menu("Main Menu", "main", """\
            - menuTransferToAcd: {name: Sales, dtmf: digit_1, targetQueue: {lit: {name: Sales}}}
            """, mark="  # <-")
             + _menu("Second", "second", "- menuDisconnect: {name: Bye, dtmf: digit_0}  # <-"),
             start="/inboundCall/tasks/task[start]", tasks="""\
            - task:
                name: Start
                refId: start
                actions:
                  - decision:
                      name: Which?
                      condition: {exp: "Call.Ani == \\"1\\""}
                      outputs:
                        "yes": {actions: [{jumpToMenu: {name: A, targetMenuRef: "/inboundCall/menus/menu[main]"}}]}
                        "no": {actions: [{jumpToMenu: {name: B, targetMenuRef: "/inboundCall/menus/menu[second]"}}]}
            """),
        flow(_menu("Main Menu", "main", """\
            - menuTransferToAcd: {name: Sales, dtmf: digit_1, targetQueue: {lit: {name: Sales}}}
            - menuJumpToTask: {name: Operator, dtmf: digit_0, targetTaskRef: "/inboundCall/tasks/task[op]"}
            """), tasks="""\
            - task:
                name: Operator
                refId: op
                actions: [{transferToUser: {name: Op, targetUser: {lit: {name: Operator}}}}]
            """),
    ),
}


def test_every_lint_menu_rule_has_cases_and_docs() -> None:
    catalogue = load_catalogue()
    # IVR7xx lint-menu rules (user prompt files) have their cases in test_prompts_rules.py
    ours = sorted(r for r, rule in catalogue.items() if rule.stage == "lint-menu" and not r.startswith("IVR7"))
    assert ours == IVR1XX == sorted(CASES)
    for rule_id in ours:
        rule = catalogue[rule_id]
        assert rule.name and rule.summary and rule.rationale and rule.bad and rule.good
        assert rule.severity in (Severity.ERROR, Severity.WARNING, Severity.INFO)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_the_marked_lines(tmp_path, rule_id: str) -> None:
    bad, _ = CASES[rule_id]
    expected = marked_lines(bad)
    assert expected, "fixture has no `# <-` marker"
    findings = lint_text(tmp_path, bad)
    assert lines_of(findings, rule_id) == expected, [f.message for f in findings]
    for f in findings:
        if f.rule_id == rule_id:
            assert f.severity is load_catalogue()[rule_id].severity
            assert f.message and f.path.endswith("flow.yaml")


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_is_quiet_on_the_passing_fixture(tmp_path, rule_id: str) -> None:
    _, good = CASES[rule_id]
    findings = lint_text(tmp_path, good)
    assert lines_of(findings, rule_id) == [], [f.message for f in findings if f.rule_id == rule_id]


def test_clean_flow_has_no_findings_at_all(tmp_path) -> None:
    assert lint_text(tmp_path, flow(MAIN_MENU, settings=SETTINGS)) == []
