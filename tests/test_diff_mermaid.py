"""The menu-tree diagram: structure, change styling, generated ids, escaping, size guard."""

from __future__ import annotations

import re

from ivr_ci.diff import mermaid
from ivr_ci.diff.escape import mermaid_label
from ivr_ci.diff.match import Entry, diff_pair
from ivr_ci.flow import load_flow_text
from tests.diff_helpers import BASE_FLOW


def _diff(old: str, new: str):
    a, b = load_flow_text(old, "f.yaml").flow, load_flow_text(new, "f.yaml").flow
    assert a is not None and b is not None
    return diff_pair(Entry("f.yaml", a), Entry("f.yaml", b))


def _nodes(source: str) -> dict[str, tuple[str, str]]:
    """label -> (id, class) of every node line."""
    out = {}
    for m in re.finditer(r'^  (n\d+)\W+"([^"]*)"\W*(?::::(\w+))?$', source, flags=re.M):
        out[m.group(2)] = (m.group(1), m.group(3) or "")
    return out


def test_tree_shows_menus_choices_digits_and_targets_with_change_classes():
    new = BASE_FLOW.replace("name: Sales Queue", "name: Inside Sales").replace(
        """          - menuDisconnect:
              name: Goodbye
              refId: Goodbye_14
              dtmf: digit_9
""", """          - menuJumpToMenu:
              name: Billing again
              dtmf: digit_7
              targetMenuRef: "/inboundCall/menus/menu[Billing Menu_30]"
""")
    source, reason = mermaid.render(_diff(BASE_FLOW, new))
    assert source is not None, reason
    nodes = _nodes(source)
    assert nodes["Queue: Inside Sales"][1] == "added" and nodes["Queue: Sales Queue"][1] == "removed"
    assert nodes["Billing again"][1] == "added" and nodes["Goodbye"][1] == "removed"
    assert nodes["Sales"][1] == "changed" and nodes["Main Menu"][1] == "changed"
    assert nodes["Support"][1] == "" and nodes["Billing Menu"][1] == ""
    ids = {label: nid for label, (nid, _) in nodes.items()}
    assert f'{ids["Main Menu"]} -- "7" --> {ids["Billing again"]}' in source
    assert f'{ids["Billing again"]} --> {ids["Billing Menu"]}' in source
    # a menu reached through an inline task's jumpToMenu is in the tree too
    assert f'{ids["Billing"]} --> {ids["Billing Menu"]}' in source
    assert f'{ids["Main Menu"]} -. "9 (removed)" .-> {ids["Goodbye"]}' in source
    assert source.startswith("flowchart TD\n  classDef added")


def test_labels_are_escaped_and_ids_generated():
    label = mermaid_label('a "b" <c> --> end | `x` #1 ü')
    assert '"' not in label and "<" not in label and "-->" not in label and "`" not in label
    assert label.startswith("a #34;b#34; #60;c#62;")
    nasty = BASE_FLOW.replace("name: Main Menu\n", "name: 'end\"]; click n1 call alert()'\n", 1)
    source, _ = mermaid.render(_diff(BASE_FLOW, nasty))
    assert source is not None
    for line in source.splitlines()[4:]:
        assert re.fullmatch(r'  n\d+(\W.*)?', line), line
        assert line.count('"') % 2 == 0, line


def test_too_big_for_mermaid_is_left_out_with_a_reason():
    choices = "".join(f"          - menuDisconnect:\n              name: C{i}\n              dtmf: digit_{i % 10}\n"
                      for i in range(20))
    menus = "".join(f"    - menu:\n        name: M{m}\n        refId: m{m}\n        choices:\n{choices}" for m in range(30))
    old = f"inboundCall:\n  name: Big\n  startUpRef: ./menus/menu[m0]\n  menus:\n{menus}"
    new = old.replace("name: C0\n", "name: C0 new\n")
    source, reason = mermaid.render(_diff(old, new))
    assert source is None and "over Mermaid's limit of 500" in reason
    # under the edge limit, over the text limit: 240 choices whose names escape to 6 chars a letter
    wide = "".join(f"          - menuDisconnect:\n              name: {'é' * 70}{i}\n              dtmf: digit_1\n"
                   for i in range(240))
    old = f"inboundCall:\n  name: Wide\n  startUpRef: ./menus/menu[m]\n  menus:\n    - menu:\n        name: M\n" \
          f"        refId: m\n        choices:\n{wide}"
    source, reason = mermaid.render(_diff(old, old.replace("name: Wide", "name: Wide2")))
    assert source is None and "characters, over Mermaid's limit of 50,000" in reason
    no_menus = "inqueueCall:\n  name: Q\n  startUpTaskActions:\n    - disconnect:\n        name: D\n"
    assert mermaid.render(_diff(no_menus, no_menus.replace("name: D", "name: E"))) == (None, "no menus")
