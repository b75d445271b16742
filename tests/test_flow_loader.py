"""The loader: positions, placeholders kept as values, YAML 1.2 booleans, duplicate keys."""

from __future__ import annotations

import pytest
import yaml

from ivr_ci.flow import load_flow_text, yamlpos
from ivr_ci.flow.placeholders import find_placeholders
from ivr_ci.flow.refs import RefIndex
from ivr_ci.flow.yamlpos import Pos, YMap, YSeq, parse_yaml

TEMPLATE = """\
inboundCall:
  name: {{flow_name}}
  division: {{division}}
  startUpRef: "/inboundCall/menus/menu[main]"
  defaultLanguage: en-us
  menus:
    - menu:
        name: Main
        refId: main
        audio:
          tts: Press 1 for sales
        choices:
          - menuTransferToAcd:
              name: Sales
              dtmf: digit_1
              targetQueue:
                lit:
                  name: {{sales_queue}}
          - menuTask:
              name: Confirm
              dtmf: digit_2
              speechRecTerms:
                en-us:
                  terms:
                    - yes
                    - no
              task:
                actions:
                  - decision:
                      name: Check
                      condition:
                        exp: true
                      outputs:
                        yes:
                          actions:
                            - disconnect:
                                name: Bye
                        no:
                          actions:
                            - jumpToMenu:
                                name: Back
                                targetMenuRef: "/inboundCall/menus/menu[main]"
  settingsActionDefaults:
    callData:
      processingPrompt:
        noValue: true
  tasks:
    - task:
        name: Lookup
        refId: lookup
        actions:
          - callData:
              name: Fetch
              category:
                {{integration}}:
                  dataAction:
                    {{action_name}}:
                      inputs: {}
"""


def test_template_is_read_with_placeholders_kept_as_values_at_their_positions():
    doc = load_flow_text(TEMPLATE, "t.yaml")
    assert doc.problems == []
    flow = doc.flow
    assert flow.name == "{{flow_name}}"
    assert flow.division == "{{division}}"
    assert [(p.key, p.line, p.col) for p in doc.placeholders][:3] == [
        ("flow_name", 2, 9), ("division", 3, 13), ("sales_queue", 18, 25)]
    # a placeholder used as a mapping key stays a key, and is found as an org reference
    refs = {(r.kind, r.name, r.category) for r in flow.org_references()}
    assert ("dataAction", "{{action_name}}", "{{integration}}") in refs
    assert ("queue", "{{sales_queue}}", None) in refs
    assert ("division", "{{division}}", None) in refs


def test_yes_no_stay_strings_and_only_true_false_are_booleans():
    flow = load_flow_text(TEMPLATE, "t.yaml").flow
    choice = flow.menus[0].choices[1]
    assert choice.speech_terms == {"en-us": ["yes", "no"]}
    decision = choice.actions[0]
    assert decision.type == "decision"
    assert set(decision.branches) == {"yes", "no"}
    assert decision.raw["condition"]["exp"] is True


def test_every_element_keeps_its_line_and_archy_path():
    flow = load_flow_text(TEMPLATE, "t.yaml").flow
    menu = flow.menus[0]
    assert (menu.path, menu.line) == ("/inboundCall/menus/menu[main]", 7)
    sales, confirm = menu.choices
    assert sales.digit == "1" and sales.line == 13 and sales.kind == "menuTransferToAcd"
    assert confirm.digit == "2"
    jump = confirm.actions[0].branches["no"][0]
    assert jump.type == "jumpToMenu" and jump.line == 40
    assert menu.raw.key_pos["choices"].line == 12


def test_references_resolve_through_the_index():
    flow = load_flow_text(TEMPLATE, "t.yaml").flow
    index = RefIndex(flow)
    assert [r.key for r in flow.references] == ["startUpRef", "targetMenuRef"]
    for ref in flow.references:
        assert index.resolve(ref.value) is flow.menus[0]
    assert index.resolve("/inboundCall/tasks/task[missing]") is None
    assert index.resolve("/outboundCall/menus/menu[main]") is None  # wrong root
    assert index.resolve("./tasks/task[lookup]") is flow.tasks[0]


def test_duplicate_keys_are_findings_with_both_positions():
    doc = load_flow_text("inboundCall:\n  name: A\n  name: B\n", "d.yaml")
    (problem,) = doc.problems
    assert problem.rule_id == "IVR002"
    assert (problem.line, problem.col) == (3, 3)
    assert "first at line 2" in problem.message


@pytest.mark.parametrize("text, rule, line", [
    ("inboundCall:\n  name: [unclosed\n", "IVR001", 3),
    ("- a\n- b\n", "IVR003", 1),
    ("inboundCall: {}\noutboundCall: {}\n", "IVR003", 1),
])
def test_bad_files_become_findings_not_exceptions(text, rule, line):
    doc = load_flow_text(text, "bad.yaml")
    assert doc.flow is None
    assert [(p.rule_id, p.line) for p in doc.problems] == [(rule, line)]


def test_positions_of_a_map_with_repeated_keys_follow_the_last_occurrence():
    root = parse_yaml("a: 1\nb:\n  - x\n  - y\na: 2\nc: 3\na: 4\n").root
    assert root == {"a": 4, "b": ["x", "y"], "c": 3}
    assert root.key_pos["a"].line == 7 and root.value_pos("a").col == 4
    assert root.key_pos["c"].line == 6 and root.key_pos["b"].line == 2
    assert [p.line for p in root["b"].item_pos] == [3, 4]
    assert root["b"].item_start(1) == (4, 5) and root["b"].item_start(2) is None


def test_maps_and_lists_built_in_code_take_assigned_positions():
    m, s = YMap({"k": 1}), YSeq(["x"])
    assert m.pos is None and m.key_pos == {} and m.value_pos("k") is None and s.item_pos == []
    m.key_pos["k"] = m.pos = Pos(3, 5, 3, 6)
    s.item_pos = [Pos(4, 7, 4, 8)]
    assert m.pos_of("k") == (3, 5, 3, 6) and m.line_of("missing") == 3
    assert s.item_start(0) == (4, 7) and s.item_start(1) is None


def _positions(node):
    """Every value with every start position the tree can report, for comparing loaders
    (where a block collection *ends* differs between libyaml and PyYAML's Python scanner)."""
    if isinstance(node, YMap):
        return (node.pos[:2], [(k, node.key_pos[k][:2], node.value_pos(k)[:2], _positions(v))
                               for k, v in node.items()])
    if isinstance(node, YSeq):
        return (node.pos[:2], [(p[:2], _positions(v)) for p, v in zip(node.item_pos, node, strict=True)])
    return (type(node).__name__, node)


def test_pure_python_loader_reads_files_exactly_like_libyaml(monkeypatch, corpus):
    """Where libyaml is missing PyYAML's Python loader is used: same values, same positions."""
    texts = [TEMPLATE, "a: 1\na: 2\nyes: no\n? [x, y]\n: z\n"] + [
        p.read_text(encoding="utf-8") for p in corpus[::4]]
    fast = [parse_yaml(t) for t in texts]
    monkeypatch.setattr(yamlpos, "_Loader", yamlpos.loader_class(yaml.SafeLoader))
    for text, c in zip(texts, fast, strict=True):
        pure = parse_yaml(text)
        assert _positions(pure.root) == _positions(c.root)
        assert [(d.key, d.first[:2], d.second[:2]) for d in pure.duplicates] == \
            [(d.key, d.first[:2], d.second[:2]) for d in c.duplicates]


@pytest.mark.parametrize("text, expected", [
    ("", "found an empty document"), ("- a\n", "found a list"), ("hello\n", "found the single value 'hello'"),
    ("a: 1\nb: 2\n", "found the keys a, b"), ("{}\n", "found an empty mapping"),
])
def test_a_file_that_is_not_one_flow_says_what_it_holds(text, expected):
    (problem,) = load_flow_text(text, "x.yaml").problems
    assert problem.rule_id == "IVR003" and problem.message.endswith(expected)


def test_syntax_errors_say_where_the_construct_began_and_suspect_an_unclosed_placeholder():
    (problem,) = load_flow_text("inboundCall:\n  name: {{flow_name}\n", "x.yaml").problems
    assert (problem.rule_id, problem.line) == ("IVR001", 3)
    assert "flow mapping that starts at line 2, column 9" in problem.message
    assert "is the `{{` on line 2 missing its closing `}}`?" in problem.message
    (problem,) = load_flow_text("inboundCall:\n  name: [a, b\n  x: {{ok}}\n", "x.yaml").problems
    assert "flow sequence that starts at line 2" in problem.message and "closing" not in problem.message


def test_endless_aliases_and_huge_numbers_are_findings_not_crashes():
    (problem,) = load_flow_text("inboundCall:\n  name: x\n  a: &a [1, *a]\n", "x.yaml").problems
    assert (problem.rule_id, problem.line, problem.col) == ("IVR001", 3, 6)
    assert "alias refers to the anchor it is inside" in problem.message
    shared = load_flow_text("inboundCall:\n  name: &n x\n  description: *n\n", "x.yaml")
    assert shared.problems == [] and shared.flow.description == "x"  # a plain alias is fine
    doc = load_flow_text("inboundCall:\n  name: x\n  n: " + "9" * 5000 + "\n", "x.yaml")
    assert doc.problems == [] and doc.flow.raw["n"] == "9" * 5000  # beyond int(): kept as text


def test_unknown_flow_type_is_kept_generically_with_a_hint():
    doc = load_flow_text("inQueueCall:\n  name: Hold\n  startUpTaskActions: []\n", "x.yaml")
    assert doc.flow is not None and doc.flow.type == "inQueueCall"
    (p,) = doc.problems
    assert p.severity.value == "warning" and "inqueueCall" in p.message


def test_placeholder_finder_reports_every_occurrence():
    text = "a: {{x}}\nb: pre-{{y}}-{{z}}\n"
    assert [(p.key, p.line, p.col) for p in find_placeholders(text)] == [
        ("x", 1, 4), ("y", 2, 8), ("z", 2, 14)]
    root = parse_yaml(text).root
    assert isinstance(root, YMap) and root == {"a": "{{x}}", "b": "pre-{{y}}-{{z}}"}


def test_every_corpus_file_loads_as_a_flow(corpus):
    for path in corpus:
        text = path.read_text(encoding="utf-8")
        doc = load_flow_text(text, str(path))
        assert doc.flow is not None, (path.name, doc.problems)
        assert [p for p in doc.problems if p.severity.value == "error"] == [], path.name
        index = RefIndex(doc.flow)
        owners = doc.flow.elements_by_path()
        for ref in doc.flow.references:
            assert index.resolve(ref.value, owners.get(ref.owner)) is not None, (path.name, ref.value)


def test_org_references_of_some_kinds_are_the_full_list_filtered(corpus):
    """Cross-file and prompt rules ask for a few kinds: the same references, in the same
    order, as filtering the full list (every fixture and corpus flow)."""
    from ivr_ci.flow import load_flow_file
    from ivr_ci.flow.orgrefs import FLOW_REF_KEYS, may_have_keys
    from tests.conftest import REPO

    kind_sets = [frozenset({"flow", "commonModule", "botFlow", "digitalBotFlow"}), frozenset({"prompt"}),
                 frozenset({"queue", "dataAction", "systemPrompt", "division"}), frozenset()]
    paths = sorted((REPO / "tests" / "fixtures").rglob("*.y*ml")) + list(corpus)
    checked = 0
    for path in paths:
        for kinds in kind_sets:
            doc = load_flow_file(str(path))
            flow = doc.flow
            if flow is None:
                continue
            if not may_have_keys(doc.text, FLOW_REF_KEYS):  # what lets IVR301 skip the walk
                assert not [r for r in flow.org_references() if r.kind in kind_sets[0]], path
            partial = [vars(r) for r in flow.org_references(kinds)]  # asked first: these kinds' walk
            assert partial == [vars(r) for r in flow.org_references() if r.kind in kinds], (path, kinds)
            assert [vars(r) for r in flow.org_references(kinds)] == partial
            checked += 1
    assert checked > 500
