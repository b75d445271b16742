"""Align two action lists the way a reviewer reads them, not line by line.

Actions are matched on their (type, name) key with a sequence alignment (difflib's
SequenceMatcher, junk heuristics off); inside a replaced stretch, actions of the same type pair
up in order (a renamed or edited action). What is left is added/removed, except that an action
removed in one place and added in another with the same key and body is "moved". Branches
(decision yes/no, switch cases, loop bodies, success/failure outputs) are aligned recursively.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from ivr_ci.diff.model import Change, Risk
from ivr_ci.diff.normalize import ABSENT, Canonicalizer
from ivr_ci.diff.values import dotted, field_risk, leaf_diffs, short, spoken_text
from ivr_ci.flow.model import Action, Menu


@dataclass
class Side:
    canon: Canonicalizer
    path: str
    menu: Menu | None = None  # the menu owning an inline task (relative refs)

    def fields(self, action: Action) -> dict[str, Any]:
        cv = self.canon.value(action.raw, self.menu, None, skip_actions=True)
        return cv if isinstance(cv, dict) else {}


def _label(action: Action, index: int) -> str:
    name = f" '{action.name}'" if action.name else ""
    return f"step {index + 1} {action.type or '?'}{name}"


def _key(action: Action) -> tuple[str, str]:
    return (action.type, action.name or "")


def diff_actions(old: list[Action], new: list[Action], a: Side, b: Side, where: str,
                 element: str | None) -> list[Change]:
    pairs: list[tuple[int, int]] = []
    removed: dict[int, float] = {}  # old index -> position in the new list it is shown at
    added: list[int] = []
    matcher = SequenceMatcher(None, [_key(x) for x in old], [_key(x) for x in new], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs.extend(zip(range(i1, i2), range(j1, j2), strict=True))
            continue
        # replaced stretch: actions of the same type pair up in order (renamed/edited in place)
        sub = SequenceMatcher(None, [x.type for x in old[i1:i2]], [x.type for x in new[j1:j2]],
                              autojunk=False)
        for t2, a1, a2, b1, b2 in sub.get_opcodes():
            if t2 == "equal":
                pairs.extend(zip(range(i1 + a1, i1 + a2), range(j1 + b1, j1 + b2), strict=True))
            else:
                removed.update({i: j1 + b1 - 0.5 for i in range(i1 + a1, i1 + a2)})
                added.extend(range(j1 + b1, j1 + b2))

    ordered: list[tuple[float, list[Change]]] = []
    # moved: same key and same own body, removed in one place and added in another
    old_fields = {i: a.fields(old[i]) for i in removed}
    for j in list(added):
        match = next((i for i in removed if _key(old[i]) == _key(new[j]) and
                      old_fields[i] == b.fields(new[j])), None)
        if match is None:
            continue
        del removed[match]
        added.remove(j)
        label = f"{where} › {_label(new[j], j)}"
        moved = Change("action-moved", Risk.BEHAVIOURAL, label,
                       f"{new[j].type} '{new[j].name or ''}' moved from position {match + 1} to {j + 1}",
                       old=match + 1, new=j + 1, path=b.path, line=new[j].line, element=element)
        ordered.append((j, [moved, *_diff_branches(old[match], new[j], a, b, label, element)]))

    for i, pos in removed.items():
        x = old[i]
        gist = _action_gist(old_fields[i])
        ordered.append((pos, [Change("action-removed", Risk.BEHAVIOURAL, f"{where} › {_label(x, i)}",
                                     f"removed {x.type} '{x.name or ''}'{gist}", old=gist.strip(" ()") or None,
                                     path=a.path, line=x.line, element=element)]))
    for j in added:
        x = new[j]
        gist = _action_gist(b.fields(x))
        ordered.append((j, [Change("action-added", Risk.BEHAVIOURAL, f"{where} › {_label(x, j)}",
                                   f"added {x.type} '{x.name or ''}'{gist}", new=gist.strip(" ()") or None,
                                   path=b.path, line=x.line, element=element)]))
    for i, j in pairs:
        ordered.append((j, diff_action(old[i], new[j], a, b, f"{where} › {_label(new[j], j)}", element)))
    ordered.sort(key=lambda item: item[0])
    return [c for _, changes in ordered for c in changes]


def _action_gist(fields: dict[str, Any]) -> str:
    """The one property that says most about an action: its target or its text."""
    for key in ("targetQueue", "targetTaskRef", "targetMenuRef", "targetStateRef", "targetFlow",
                "condition", "audio", "communication", "messageBody"):
        if key in fields:
            text = spoken_text(fields[key]) if key in ("audio", "communication", "messageBody") \
                else short(fields[key])
            return f" ({key}: {short(text, 80)})"
    return ""


def diff_action(x: Action, y: Action, a: Side, b: Side, where: str, element: str | None) -> list[Change]:
    out: list[Change] = []
    fx, fy = a.fields(x), b.fields(y)
    if fx != fy:
        for path, old, new in leaf_diffs(fx, fy):
            kind, risk = field_risk(path)
            name = dotted(path)
            if kind == "prompt-changed":
                old_t, new_t = spoken_text(_none(old)), spoken_text(_none(new))
                out.append(Change(kind, risk, where, f"{name} text changed", old=old_t, new=new_t,
                                  path=b.path, line=y.line, element=element, field=name))
            elif kind == "action-renamed":
                out.append(Change(kind, risk, where, f"renamed '{old}' → '{new}'", old=old, new=new,
                                  path=b.path, line=y.line, element=element, field=name))
            else:
                out.append(Change(kind, risk, where, f"{name}: {short(_none(old))} → {short(_none(new))}",
                                  old=_jsonable(old), new=_jsonable(new), path=b.path, line=y.line,
                                  element=element, field=name))
    out.extend(_diff_branches(x, y, a, b, where, element))
    return out


def _diff_branches(x: Action, y: Action, a: Side, b: Side, where: str, element: str | None) -> list[Change]:
    out: list[Change] = []
    names = list(x.branches) + [n for n in y.branches if n not in x.branches]
    for name in names:
        out.extend(diff_actions(x.branches.get(name, []), y.branches.get(name, []), a, b,
                                f"{where} › {name}", element))
    return out


def _none(value: Any) -> Any:
    return None if value is ABSENT else value


def _jsonable(value: Any) -> Any:
    return None if value is None or value is ABSENT else value
