"""lint-menu rule IVR113: hard-coded GUIDs, the cross-environment trap."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ivr_ci.flow.yamlpos import YMap, YSeq
from ivr_ci.rules.catalogue import Hit, rule
from ivr_ci.rules.context import FlowContext

_GUID_RE = re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                      r"[0-9a-fA-F]{12}(?![0-9A-Za-z])")
# Starts with a literal, so the regex engine skips ahead fast: a cheap "any GUID here?" test.
_GUID_HINT_RE = re.compile(r"-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-")
# NLU models carry utterance/entity ids that are GUIDs by design and travel with the model.
_SKIP_SUBTREES = frozenset({"settingsNaturalLanguageUnderstanding"})
# Labels and internal ids: a GUID there names nothing in the org (test flows append one
# to the flow name to keep it unique). `name` under `lit` IS an org object's name.
_LABEL_KEYS = frozenset({"name", "description", "refId"})


def _is_label(key: Any, parent_key: Any) -> bool:
    if not isinstance(key, str):
        return False
    return (key in _LABEL_KEYS and parent_key != "lit") or key.endswith("Ref")


@rule(
    "IVR113", "hard-coded-guid", stage="lint-menu", severity="warning",
    summary="a GUID is hard-coded where an org object's name or a `{{key}}` substitution belongs",
    rationale="""
        Object ids (queues, users, presence definitions, data-table rows...) differ in every
        org, so a flow that works in dev points at nothing, or at the wrong object, after
        promotion. Archy resolves objects by name at publish time; use the name
        (`lit: {name: Support}`, `FindQueue("Support")`) or a `{{key}}` substitution per
        environment. Utterance and entity ids inside `settingsNaturalLanguageUnderstanding`
        are the NLU model's own and are ignored, as are display names, descriptions and refIds.
    """,
    bad="""
        inputs:
          queueId:
            lit: 9de579c5-74bf-45b4-9d01-234724dfb4b5
    """,
    good="""
        inputs:
          queueId:
            lit: "{{support_queue_id}}"
    """,
)
def hard_coded_guid(ctx: FlowContext) -> Iterator[Hit]:
    if not _GUID_HINT_RE.search(ctx.doc.text):  # most flows hold no GUID at all
        return
    # Iterative walk over the whole flow body: one pass, no recursion limit on deep flows.
    stack: list[tuple[Any, Any]] = [(ctx.flow.raw, None)]
    while stack:
        node, node_key = stack.pop()
        if isinstance(node, YMap):
            for key, value in node.items():
                if key in _SKIP_SUBTREES:
                    continue
                line = node.line_of(key)
                if isinstance(key, str) and len(key) >= 36 and _GUID_RE.search(key):
                    yield _hit(key, line, "as a mapping key")
                if isinstance(value, str):
                    if len(value) >= 36 and not _is_label(key, node_key) and _GUID_RE.search(value):
                        yield _hit(value, line, f"in '{node_key if key in ('lit', 'exp') else key}'")
                elif isinstance(value, (dict, list)):
                    stack.append((value, key))
        elif isinstance(node, YSeq):
            for item, pos in zip(node, node.item_pos, strict=False):
                if isinstance(item, str) and len(item) >= 36 and _GUID_RE.search(item):
                    yield _hit(item, pos.line, f"in a '{node_key}' list")
                elif isinstance(item, (dict, list)):
                    stack.append((item, node_key))


def _hit(text: str, line: int, where: str) -> Hit:
    guid = _GUID_RE.search(text)
    assert guid is not None
    return Hit(line, message=(
        f"hard-coded id {guid.group(0)} {where}: ids differ between orgs, so this breaks after "
        "promotion; use the object's name or a {{key}} substitution"))
