"""Canonical form: what counts as "the same flow" for diff and promote."""

from __future__ import annotations

from ivr_ci.diff.normalize import canonical, canonical_hash, semantically_equal
from ivr_ci.flow import load_flow_file, load_flow_text

BASE = """\
inboundCall:
  name: Main IVR
  description: Front door
  defaultLanguage: en-us
  startUpRef: "/inboundCall/menus/menu[Main Menu_10]"
  settingsMenu:
    menuSelectionTimeout:
      lit:
        seconds: 10
    repeatCount:
      lit: 3
  menus:
    - menu:
        name: Main Menu
        refId: Main Menu_10
        audio:
          tts: Press 1 for sales.
        defaultChildMenuRef: ./choices/menuJumpToTask[Sales_12]
        choices:
          - menuJumpToTask:
              name: Sales
              refId: Sales_12
              dtmf: digit_1
              targetTaskRef: "/inboundCall/tasks/task[Sales Task_14]"
          - menuDisconnect:
              name: Bye
              refId: Bye_13
              dtmf: digit_9
  tasks:
    - task:
        name: Sales Task
        refId: Sales Task_14
        actions:
          - callData:
              name: Lookup
              category:
                Web Services:
                  dataAction:
                    Get Account:
                      inputs:
                        id:
                          exp: Call.Ani
          - transferToAcd:
              name: To sales
              targetQueue:
                lit:
                  name: Sales
"""


def _flow(text: str):
    doc = load_flow_text(text)
    assert doc.flow is not None, doc.problems
    return doc.flow


def test_formatting_quoting_key_order_and_novalue_are_no_change():
    # same flow re-exported: other key order, flow style, quoting, explicit noValue leaves,
    # a settings block of only noValues, refIds renumbered (names kept), relative startUpRef
    other = """\
inboundCall:
  startUpRef: ./menus/menu[Main Menu_20]
  defaultLanguage: "en-us"
  description: 'Front door'
  name: "Main IVR"
  division: {noValue: true}
  settingsSpeechRec: {completeMatchTimeout: {noValue: true}}
  settingsMenu: {repeatCount: {lit: "3"}, menuSelectionTimeout: {lit: {seconds: "10"}}}
  tasks:
    - task:
        refId: Sales Task_99
        name: Sales Task
        variables: []
        actions:
          - callData: {name: Lookup, category: {Web Services: {dataAction: {Get Account: {inputs: {id: {exp: Call.Ani}}, successOutputs: {noValue: true}}}}}}
          - transferToAcd: {targetQueue: {lit: {name: Sales}}, name: To sales, priority: {noValue: true}}
  menus:
    - menu:
        refId: Main Menu_20
        name: Main Menu
        audio: {tts: "Press 1 for sales."}
        defaultChildMenuRef: "./choices/menuJumpToTask[Sales_21]"
        choices:
          - menuDisconnect: {name: Bye, refId: Bye_22, dtmf: digit_9}
          - menuJumpToTask: {name: Sales, refId: Sales_21, dtmf: "digit_1", targetTaskRef: "/inboundCall/tasks/task[Sales Task_99]"}
"""
    a, b = _flow(BASE), _flow(other)
    assert semantically_equal(a, b)
    assert canonical_hash(a) == canonical_hash(b)


def test_hash_is_stable_hex_and_changes_with_behaviour():
    a = _flow(BASE)
    h = canonical_hash(a)
    assert len(h) == 64 and int(h, 16) >= 0
    assert canonical_hash(_flow(BASE)) == h
    for old, new in [("digit_1", "digit_2"), ("Press 1 for sales.", "Press 2 for sales."),
                     ("name: Sales\n", "name: Support\n"), ("lit: 3", "lit: 4"),
                     ("Get Account", "Get Account V2"), ("Web Services", "Web Services 2")]:
        changed = _flow(BASE.replace(old, new, 1))
        assert not semantically_equal(a, changed), (old, new)
        assert canonical_hash(changed) != h


def test_references_follow_the_element_not_the_refid():
    # pointing the choice at another task (same refId spelling style) is a change
    text = BASE.replace("""  tasks:
""", """  tasks:
    - task:
        name: Other Task
        refId: Other_15
        actions:
          - disconnect:
              name: Bye
""")
    a = _flow(text)
    b = _flow(text.replace('targetTaskRef: "/inboundCall/tasks/task[Sales Task_14]"',
                           'targetTaskRef: "/inboundCall/tasks/task[Other_15]"'))
    assert not semantically_equal(a, b)
    canon = canonical(a)
    choice = canon["menus"]["menu:Main Menu"]["choices"]["menu:Main Menu/choice:Sales"]
    assert choice["targetTaskRef"] == "task:Sales Task"
    assert canon["menus"]["menu:Main Menu"]["defaultChildMenuRef"] == "menu:Main Menu/choice:Sales"
    assert canon["startUpRef"] == "menu:Main Menu"


def test_org_object_names_used_as_keys_become_values():
    canon = canonical(_flow(BASE))
    call = canon["tasks"]["task:Sales Task"]["actions"][0]["callData"]["category"]
    assert call["@integration"] == "Web Services"
    assert call["dataAction"]["@dataAction"] == "Get Account"


def test_action_order_matters_but_container_order_does_not():
    swapped_actions = BASE.replace("""          - callData:
              name: Lookup
              category:
                Web Services:
                  dataAction:
                    Get Account:
                      inputs:
                        id:
                          exp: Call.Ani
""", "") + """          - callData:
              name: Lookup
              category:
                Web Services:
                  dataAction:
                    Get Account:
                      inputs:
                        id:
                          exp: Call.Ani
"""
    assert not semantically_equal(_flow(BASE), _flow(swapped_actions))


def test_duplicate_names_fall_back_to_refid():
    text = BASE.replace("name: Bye\n", "name: Sales\n")
    canon = canonical(_flow(text))
    choices = canon["menus"]["menu:Main Menu"]["choices"]
    assert set(choices) == {"menu:Main Menu/choice:Sales@Sales_12", "menu:Main Menu/choice:Sales@Bye_13"}


def test_corpus_copies_are_equal_and_every_file_canonicalises(corpus):
    by_name = {p.name: p for p in corpus}
    crlf = "GenesysCloudBlueprints__design-architect-flow-data-actions-for-resiliency__blueprint__src__CacheExampleFlow.yaml"
    lf = "MyPureCloud__developer-center-blog__source__2021-02-03-Caching-in-flows__CacheExampleFlow.yaml"
    if crlf in by_name and lf in by_name:
        a, b = load_flow_file(str(by_name[crlf])).flow, load_flow_file(str(by_name[lf])).flow
        assert a is not None and b is not None and semantically_equal(a, b)
    hashes = set()
    for p in corpus:
        doc = load_flow_file(str(p))
        if doc.flow is not None:
            hashes.add(canonical_hash(doc.flow))
    # near-duplicates in the corpus are mostly real variants: most hashes are distinct
    assert len(hashes) > 0.9 * len(corpus)
