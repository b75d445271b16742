"""Every flow type's schema held to a real published example (docs/flow-types.md, issue 18)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ivr_ci.flow import load_flows
from ivr_ci.flow.schema import schema_text
from ivr_ci.flow.types import FLOW_TYPES, STARTUP_STATE_TYPES, UNATTESTED_TYPES
from ivr_ci.flow.yamlpos import parse_yaml
from ivr_ci.simulate import simulate
from ivr_ci.simulate.world import SimInput
from tests.validate_util import errors, of, validate

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "flow-types"
DOC = (REPO / "docs" / "flow-types.md").read_text(encoding="utf-8")


def _doc_row(flow_type: str) -> str:
    rows = [line for line in DOC.splitlines() if line.startswith(f"| `{flow_type}` |")]
    assert len(rows) == 1, f"docs/flow-types.md has no row for {flow_type}"
    return rows[0]


def _required(flow_type: str) -> list[str]:
    """The keys the schema requires of one flow type (its own def plus the shared `flow` def)."""
    schema = json.loads(schema_text())
    ref = schema["properties"][flow_type]["$ref"].rsplit("/", 1)[1]
    return sorted(set(schema["$defs"][ref].get("required", [])) | set(schema["$defs"]["flow"]["required"]))


@pytest.mark.parametrize("flow_type", sorted(FLOW_TYPES))
def test_each_flow_type_has_a_cited_example_that_validates_without_error(flow_type):
    path = FIXTURES / f"{flow_type}.yaml"
    assert path.is_file(), f"no example for {flow_type}"
    text = path.read_text(encoding="utf-8")
    assert next(iter(parse_yaml(text).root)) == flow_type
    row = _doc_row(flow_type)
    if flow_type in UNATTESTED_TYPES:
        assert "none found" in row
    else:
        # the fixture names the repository it was shaped on, and the doc cites that repository
        repos = re.findall(r"([A-Za-z0-9-]+/[A-Za-z0-9_.-]+)", text.split(f"{flow_type}:")[0])
        assert repos and any(r.split("/")[1] in row or r == "MyPureCloud/terraform-provider-genesyscloud"
                             for r in repos), (repos, row)
        assert "[provider" in row or "[corpus]" in row
    assert errors(validate([path])) == []


@pytest.mark.parametrize("flow_type", sorted(set(FLOW_TYPES) - UNATTESTED_TYPES))
def test_each_required_key_is_in_the_real_example_and_really_required(flow_type, tmp_path):
    """The schema is not vacuous: drop a required key from the real example and IVR201 says so."""
    text = (FIXTURES / f"{flow_type}.yaml").read_text(encoding="utf-8")
    root = parse_yaml(text).root[flow_type]
    required = _required(flow_type)
    assert "name" in required and len(required) >= 2  # a name and an entry point
    for key in required:
        assert key in root, f"{flow_type}: the schema requires {key!r} but the real example lacks it"
        start = text.index(f"\n  {key}:") + 1
        end = re.search(r"\n  \S", text[start + 1:])
        broken = text[:start] + (text[start + 1 + end.start() + 1:] if end else "")
        path = tmp_path / f"{flow_type}-{key}.yaml"
        path.write_text(broken, encoding="utf-8")
        found = of(validate([path]), "IVR201")
        assert any(f"missing required key '{key}'" in f.message for f in found), (key, found)


def test_in_queue_email_and_message_flows_start_with_a_state_not_start_up_task_actions(tmp_path):
    for flow_type in sorted(STARTUP_STATE_TYPES):
        path = FIXTURES / f"{flow_type}.yaml"
        assert _required(flow_type) == ["name", "startUpState"]
        (doc,) = load_flows([str(path)])
        flow = doc.flow
        assert [s.path for s in flow.entry_states] == [f"/{flow_type}/startUpState", f"/{flow_type}/periodicState"]
        assert all(s in flow.states for s in flow.entry_states)
        # the simulator starts at startUpState and ends there
        result = simulate(doc, SimInput())
        assert result.outcome.kind == "end" and "Initial State" in result.outcome.detail, result.outcome
        # the old guess (startUpTaskActions) is now the odd one out: a warning, never an error
        guessed = path.read_text(encoding="utf-8").replace("  startUpState:", "  startUpTaskActions: []\n  startUpState:")
        p = tmp_path / f"{flow_type}.yaml"
        p.write_text(guessed, encoding="utf-8")
        found = validate([p])
        assert errors(found) == []
        assert [f.rule_id for f in found if "startUpTaskActions" in f.message] == ["IVR203"]


@pytest.mark.parametrize("flow_type", sorted(UNATTESTED_TYPES))
def test_unattested_types_get_a_note_never_an_error(flow_type, tmp_path):
    found = validate([FIXTURES / f"{flow_type}.yaml"])
    assert [f.rule_id for f in found] == ["IVR211"]
    # whatever entry point a real one turns out to use, ivr-ci does not fail it
    p = tmp_path / "f.yaml"
    p.write_text(f"{flow_type}:\n  name: X\n  startUpRef: ./tasks/task[t]\n  tasks:\n"
                 "    - task:\n        name: T\n        refId: t\n        actions:\n"
                 "          - disconnect:\n              name: Bye\n", encoding="utf-8")
    assert errors(validate([p])) == []


def test_every_corpus_file_has_the_keys_its_type_requires(corpus):
    by_type: dict[str, int] = {}
    for path in corpus:
        try:
            root = parse_yaml(path.read_text(encoding="utf-8")).root
        except Exception:
            continue  # templates that are YAML only after substitution: checked by validate-flow
        if not isinstance(root, dict) or len(root) != 1:
            continue
        ((flow_type, body),) = root.items()
        if flow_type in FLOW_TYPES and isinstance(body, dict):
            missing = [k for k in _required(flow_type) if k not in body]
            assert not missing, (path.name, missing)
            by_type[flow_type] = by_type.get(flow_type, 0) + 1
    assert len(by_type) >= 12  # the corpus grounds every attested type but the two in-queue ones
