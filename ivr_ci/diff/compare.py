"""Compare two versions of one flow: flow settings, menus, choices, tasks/states/bots, actions.

Menus, tasks, states and bots are matched by refId (what references use), then by name (a
refId renumbered), then menus by the digits they offer, and last by content similarity of
what is left (ELEMENT_SIMILARITY): a task renamed together with its refId, with its prompt
reworded, is one element renamed and edited, not one removed and another added. See
normalize.py for what is not a change at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ivr_ci.diff.actions import Side, diff_actions
from ivr_ci.diff.model import Change, Problem, Risk
from ivr_ci.diff.normalize import Canonicalizer, content_similarity, most_alike_pairs
from ivr_ci.diff.values import (
    ROUTING_KEYS,
    choice_target,
    dotted,
    is_audio_key,
    leaf_diffs,
    ref_label,
    short,
    spoken_text,
)
from ivr_ci.flow.model import Block, Choice, Flow, Menu
from ivr_ci.flow.yamlpos import YSeq

# Unmatched elements this alike (normalize.content_similarity, 0..1) are one element renamed.
# 0.6 pairs a task whose every action was kept with one prompt reworded (~0.8), and keeps apart
# two tasks that merely share an action kind (a play-then-disconnect pair scores ~0.3-0.5).
ELEMENT_SIMILARITY = 0.6

_FLOW_CONTAINERS = frozenset({"menus", "tasks", "states", "bots", "startUpTaskActions", "@type"})
_CHOICE_OWN = frozenset({"@kind", "name", "dtmf", "speechRecTerms", "task"})


def _q(name: Any) -> str:
    return f"'{name}'" if name is not None else "(unnamed)"


def _hashable(key: Any) -> Any:
    """Keys come from flow values (a dtmf, a refId), which a broken file may make a list or map."""
    try:
        hash(key)
    except TypeError:
        return repr(key)
    return key


def _match(old: list[Any], new: list[Any], key_old: Any, key_new: Any) -> list[tuple[Any, Any]]:
    """Pairs of elements with equal keys (each element used once); unkeyed ones skipped."""
    index: dict[Any, list[Any]] = {}
    for e in new:
        k = _hashable(key_new(e))
        if k is not None:
            index.setdefault(k, []).append(e)
    pairs = []
    for e in old:
        k = _hashable(key_old(e))
        bucket = index.get(k) if k is not None else None
        if bucket:
            pairs.append((e, bucket.pop(0)))
    return pairs


class FlowComparer:
    def __init__(self, old: Flow, new: Flow, old_path: str | None = None, new_path: str | None = None) -> None:
        self.old, self.new = old, new
        self.findings: list[Problem] = []  # of one side: duplicates the diff does not show as changes
        self.a = Side(Canonicalizer(old), old_path or old.path)
        self.b = Side(Canonicalizer(new), new_path or new.path)
        self.menu_pairs = self._pair_menus()
        self.choice_pairs = {id(mb): self._pair_choices(ma, mb) for ma, mb in self.menu_pairs}
        self.block_pairs = self._pair_blocks()
        # references to a renamed menu/choice/task are the same reference: alias old ids to new
        ca, cb = self.a.canon, self.b.canon
        for x, y in [*self.menu_pairs, *self.block_pairs,
                     *(p for pairs in self.choice_pairs.values() for p in pairs)]:
            if ca.element_id(x) != cb.element_id(y):
                ca.aliases[ca.element_id(x)] = cb.element_id(y)

    def _pair_menus(self) -> list[tuple[Menu, Menu]]:
        ca, cb = self.a.canon, self.b.canon
        old, new = self.old.menus, self.new.menus
        pairs = _match(old, new, lambda m: m.ref_id, lambda m: m.ref_id)
        for key_a, key_b in ((ca.element_id, cb.element_id), (_digit_key, _digit_key)):
            pairs += _match(_unpaired(old, pairs, 0), _unpaired(new, pairs, 1), key_a, key_b)
        return pairs + self._similar(_unpaired(old, pairs, 0), _unpaired(new, pairs, 1))

    def _similar(self, old: list[Any], new: list[Any]) -> list[tuple[Any, Any]]:
        """Pairs of still-unmatched elements by content similarity, most alike first."""
        if not old or not new:
            return []
        ca, cb = self.a.canon, self.b.canon
        bodies_a = {id(x): ca.element_body(x) for x in old}
        bodies_b = {id(y): cb.element_body(y) for y in new}
        return most_alike_pairs(old, new, lambda x, y: content_similarity(bodies_a[id(x)], bodies_b[id(y)]),
                                ELEMENT_SIMILARITY)

    def _pair_choices(self, ma: Menu, mb: Menu) -> list[tuple[Choice, Choice]]:
        ca, cb = self.a.canon, self.b.canon

        def strip(canon: Canonicalizer) -> Callable[[Choice], str]:
            return lambda c: canon.element_id(c).rpartition("/choice:")[2]
        pairs = _match(ma.choices, mb.choices, strip(ca), strip(cb))
        for key in (lambda c: c.digit or c.dtmf, lambda c: c.ref_id):
            rest_a = _unpaired(ma.choices, pairs, 0)
            rest_b = _unpaired(mb.choices, pairs, 1)
            pairs += _match(rest_a, rest_b, key, key)
        return pairs

    def _pair_blocks(self) -> list[tuple[Block, Block]]:
        ca, cb = self.a.canon, self.b.canon
        pairs: list[tuple[Block, Block]] = []
        for kind in ("task", "state", "bot"):
            old = [b for b in self.old.blocks if b.kind == kind]
            new = [b for b in self.new.blocks if b.kind == kind]
            found = _match(old, new, lambda x: x.ref_id, lambda x: x.ref_id)
            found += _match(_unpaired(old, found, 0), _unpaired(new, found, 1), ca.element_id, cb.element_id)
            pairs += found + self._similar(_unpaired(old, found, 0), _unpaired(new, found, 1))
        return pairs

    def change(self, kind: str, risk: Risk, where: str, summary: str, *, old: Any = None, new: Any = None,
               line: int = 0, side: str = "new", element: str | None = None, field: str | None = None) -> Change:
        path = self.b.path if side == "new" else self.a.path
        return Change(kind, risk, where, summary, old=old, new=new, path=path, line=line,
                      element=element, field=field)

    # ---- flow level ------------------------------------------------------------------------
    def changes(self) -> list[Change]:
        out = self._flow_level()
        out += self._menus()
        out += self._blocks()
        out += diff_actions(self.old.start_up_actions, self.new.start_up_actions, self.a, self.b,
                            "start-up actions", None)
        return out

    def _flow_level(self) -> list[Change]:
        out: list[Change] = []
        ca, cb = self.a.canon.top_level(), self.b.canon.top_level()
        top_a = {k: v for k, v in ca.items() if k not in _FLOW_CONTAINERS}
        top_b = {k: v for k, v in cb.items() if k not in _FLOW_CONTAINERS}
        for key in ("name", "variables", "startUpTaskVariables"):
            top_a.pop(key, None)
            top_b.pop(key, None)
        line = self.new.line
        for path, old, new in leaf_diffs(top_a, top_b):
            name = dotted(path)
            head = path[0] if path else None  # () when a whole body reads as one value (`exp:`)
            kl = self.new.raw.line_of(head) if head is not None and hasattr(self.new.raw, "line_of") else line
            if head == "description":
                out.append(self.change("description-changed", Risk.COSMETIC, "flow", "description changed",
                                       old=old, new=new, line=kl, field=name))
            elif head == "startUpRef":
                out.append(self.change("start-changed", Risk.BEHAVIOURAL, "flow",
                                       f"flow now starts at {ref_label(new)} (was {ref_label(old)})",
                                       old=ref_label(old), new=ref_label(new), line=kl, field=name))
            elif any(is_audio_key(p) for p in path):
                out.append(self.change("prompt-changed", Risk.CONTENT, "flow", f"{name} text changed",
                                       old=spoken_text(old), new=spoken_text(new), line=kl, field=name))
            else:
                risk = Risk.BEHAVIOURAL if any(p in ROUTING_KEYS for p in path) else Risk.CONFIGURATION
                out.append(self.change("flow-setting-changed", risk, "flow",
                                       f"{name}: {short(old)} → {short(new)}", old=old, new=new,
                                       line=kl, field=name))
        out += self._variables(ca, cb)
        out += self._substitutions()
        return out

    def _variables(self, ca: dict[str, Any], cb: dict[str, Any]) -> list[Change]:
        def by_name(c: dict[str, Any], flow: Flow, side: str) -> dict[str, Any]:
            """Declarations by name; a name declared twice is a finding of that side, and the
            first declaration in the file is the one compared (a duplicate is not a type change)."""
            out: dict[str, Any] = {}
            canon = self.a.canon if side == "old" else self.b.canon
            raw = flow.raw if isinstance(flow.raw, dict) else {}
            for key in ("variables", "startUpTaskVariables"):
                # canonical declarations are sorted; file order decides which one is "first"
                items = raw.get(key)
                for item in (canon.value(i) for i in (items if isinstance(items, list) else [])):
                    if isinstance(item, dict) and len(item) == 1:
                        ((vtype, body),) = item.items()
                        name = str((body.get("name") if isinstance(body, dict) else None) or vtype)
                        if name not in out:
                            out[name] = {"@type": vtype, **(body if isinstance(body, dict) else {})}
            for name, lines in _variable_lines(flow, all_lines=True).items():
                if len(lines) > 1:
                    path = self.a.path if side == "old" else self.b.path
                    self.findings.append(Problem(
                        path or "", lines[1], f"variable {name} is declared {len(lines)} times (lines "
                        f"{', '.join(map(str, lines))}); Architect keeps one: compared as its first declaration",
                        side))
            return out
        va, vb = by_name(ca, self.old, "old"), by_name(cb, self.new, "new")
        la, lb = _variable_lines(self.old), _variable_lines(self.new)
        out: list[Change] = []
        for name in va.keys() - vb.keys():
            out.append(self.change("variable-removed", Risk.CONFIGURATION, "flow variables",
                                   f"variable {name} removed", old=name, side="old", line=la.get(name, 0)))
        for name in vb.keys() - va.keys():
            out.append(self.change("variable-added", Risk.CONFIGURATION, "flow variables",
                                   f"variable {name} ({vb[name]['@type']}) added", new=name,
                                   line=lb.get(name, 0)))
        for name in sorted(va.keys() & vb.keys()):
            for path, old, new in leaf_diffs(va[name], vb[name]):
                out.append(self.change("variable-changed", Risk.CONFIGURATION, "flow variables",
                                       f"variable {name}: {dotted(path)} {short(old)} → {short(new)}",
                                       old=old, new=new, field=f"{name}.{dotted(path)}", line=lb.get(name, 0)))
        return sorted(out, key=lambda c: c.summary)

    def _substitutions(self) -> list[Change]:
        ka = {p.key for p in self.old.placeholders}
        kb = {p.key: p.line for p in reversed(self.new.placeholders)}
        out = [self.change("substitution-added", Risk.CONFIGURATION, "substitutions",
                           f"new substitution key {{{{{k}}}}}", new=k, line=kb[k]) for k in sorted(kb.keys() - ka)]
        out += [self.change("substitution-removed", Risk.CONFIGURATION, "substitutions",
                            f"substitution key {{{{{k}}}}} no longer used", old=k, side="old")
                for k in sorted(ka - kb.keys())]
        return out

    # ---- menus and choices -----------------------------------------------------------------
    def _menus(self) -> list[Change]:
        ca, cb = self.a.canon, self.b.canon
        old, new, pairs = self.old.menus, self.new.menus, self.menu_pairs
        out: list[Change] = []
        for m in _unpaired(old, pairs, 0):
            out.append(self.change("menu-removed", Risk.BEHAVIOURAL, f"menu {_q(m.name)}",
                                   f"menu {_q(m.name)} removed ({len(m.choices)} choices)",
                                   old=m.name, line=m.line, side="old", element=ca.element_id(m)))
        for m in _unpaired(new, pairs, 1):
            out.append(self.change("menu-added", Risk.BEHAVIOURAL, f"menu {_q(m.name)}",
                                   f"menu {_q(m.name)} added ({len(m.choices)} choices)",
                                   new=m.name, line=m.line, element=cb.element_id(m)))
        for ma, mb in sorted(pairs, key=lambda p: p[1].line):
            out += self._menu(ma, mb)
        return out

    def _menu(self, ma: Menu, mb: Menu) -> list[Change]:
        out: list[Change] = []
        where, element = f"menu {_q(mb.name)}", self.b.canon.element_id(mb)
        if ma.name != mb.name:
            out.append(self.change("menu-renamed", Risk.COSMETIC, where, f"menu renamed {_q(ma.name)} → {_q(mb.name)}",
                                   old=ma.name, new=mb.name, line=mb.line, element=element, field="name"))
        fa, fb = self.a.canon.element_body(ma), self.b.canon.element_body(mb)
        fa.pop("name", None)
        fb.pop("name", None)
        for path, old, new in leaf_diffs(fa, fb):
            name = dotted(path)
            head = path[0] if path else None  # () when a whole body reads as one value (`exp:`)
            line = mb.raw.line_of(head) if head is not None and hasattr(mb.raw, "line_of") else mb.line
            if head is not None and is_audio_key(head):
                out.append(self.change("prompt-changed", Risk.CONTENT, where, "menu prompt changed",
                                       old=spoken_text(old), new=spoken_text(new), line=line,
                                       element=element, field=name))
            elif head == "defaultChildMenuRef":
                out.append(self.change("default-choice-changed", Risk.BEHAVIOURAL, where,
                                       f"default choice {ref_label(old)} → {ref_label(new)}",
                                       old=ref_label(old), new=ref_label(new), line=line,
                                       element=element, field=name))
            else:
                out.append(self.change("menu-setting-changed", Risk.CONFIGURATION, where,
                                       f"{name}: {short(old)} → {short(new)}", old=old, new=new,
                                       line=line, element=element, field=name))
        out += self._choices(ma, mb)
        return out

    def _choices(self, ma: Menu, mb: Menu) -> list[Change]:
        ca, cb = self.a.canon, self.b.canon
        pairs = self.choice_pairs[id(mb)]
        out: list[Change] = []
        menu_where = f"menu {_q(mb.name)}"
        for c in _unpaired(ma.choices, pairs, 0):
            target = choice_target(c.kind, ca.element_body(c, ma))
            out.append(self.change("choice-removed", Risk.BEHAVIOURAL, _choice_where(menu_where, c),
                                   f"choice {_digit(c)} {_q(c.name)} → {target} removed", old=target,
                                   line=c.line, side="old", element=ca.element_id(c)))
        for c in _unpaired(mb.choices, pairs, 1):
            target = choice_target(c.kind, cb.element_body(c, mb))
            out.append(self.change("choice-added", Risk.BEHAVIOURAL, _choice_where(menu_where, c),
                                   f"choice {_digit(c)} {_q(c.name)} → {target} added", new=target,
                                   line=c.line, element=cb.element_id(c)))
        for x, y in sorted(pairs, key=lambda p: p[1].line):
            out += self._choice(ma, mb, x, y, menu_where)
        return out

    def _choice(self, ma: Menu, mb: Menu, x: Choice, y: Choice, menu_where: str) -> list[Change]:
        out: list[Change] = []
        where, element = _choice_where(menu_where, y), self.b.canon.element_id(y)
        fa, fb = self.a.canon.element_body(x, ma), self.b.canon.element_body(y, mb)
        fa["@kind"], fb["@kind"] = x.kind, y.kind
        line = y.line
        if x.name != y.name:
            out.append(self.change("choice-renamed", Risk.COSMETIC, where, f"choice renamed {_q(x.name)} → {_q(y.name)}",
                                   old=x.name, new=y.name, line=line, element=element, field="name"))
        if fa.get("dtmf") != fb.get("dtmf"):
            out.append(self.change("digit-changed", Risk.BEHAVIOURAL, where,
                                   f"digit {_digit(x)} → {_digit(y)}", old=_digit(x), new=_digit(y),
                                   line=line, element=element, field="dtmf"))
        if fa.get("speechRecTerms") != fb.get("speechRecTerms"):
            out.append(self.change("speech-terms-changed", Risk.BEHAVIOURAL, where, "speech terms changed",
                                   old=short(fa.get("speechRecTerms")), new=short(fb.get("speechRecTerms")),
                                   line=line, element=element, field="speechRecTerms"))
        ta, tb = choice_target(x.kind, fa), choice_target(y.kind, fb)
        if ta != tb or x.kind != y.kind:
            out.append(self.change("choice-rerouted", Risk.BEHAVIOURAL, where, f"now goes to {tb} (was {ta})",
                                   old=ta, new=tb, line=line, element=element, field="target"))
        rest_a = {k: v for k, v in fa.items() if k not in _CHOICE_OWN and k not in ROUTING_KEYS}
        rest_b = {k: v for k, v in fb.items() if k not in _CHOICE_OWN and k not in ROUTING_KEYS}
        for path, old, new in leaf_diffs(rest_a, rest_b):
            name = dotted(path)
            if any(is_audio_key(p) for p in path):
                out.append(self.change("prompt-changed", Risk.CONTENT, where, f"{name} text changed",
                                       old=spoken_text(old), new=spoken_text(new), line=line,
                                       element=element, field=name))
            else:
                out.append(self.change("choice-setting-changed", Risk.CONFIGURATION, where,
                                       f"{name}: {short(old)} → {short(new)}", old=old, new=new, line=line,
                                       element=element, field=name))
        a = Side(self.a.canon, self.a.path, ma)
        b = Side(self.b.canon, self.b.path, mb)
        out += diff_actions(x.actions, y.actions, a, b, f"{where} › task", element)
        return out

    # ---- tasks, states, bots ---------------------------------------------------------------
    def _blocks(self) -> list[Change]:
        ca, cb = self.a.canon, self.b.canon
        out: list[Change] = []
        for x in _unpaired(self.old.blocks, self.block_pairs, 0):
            out.append(self.change("block-removed", Risk.BEHAVIOURAL, f"{x.kind} {_q(x.name)}",
                                   f"{x.kind} {_q(x.name)} removed ({len(x.actions)} actions)",
                                   old=x.name, line=x.line, side="old", element=ca.element_id(x)))
        for y in _unpaired(self.new.blocks, self.block_pairs, 1):
            out.append(self.change("block-added", Risk.BEHAVIOURAL, f"{y.kind} {_q(y.name)}",
                                   f"{y.kind} {_q(y.name)} added ({len(y.actions)} actions)",
                                   new=y.name, line=y.line, element=cb.element_id(y)))
        for x, y in sorted(self.block_pairs, key=lambda p: p[1].line):
            out += self._block(x, y)
        return out

    def _block(self, x: Block, y: Block) -> list[Change]:
        out: list[Change] = []
        where, element = f"{y.kind} {_q(y.name)}", self.b.canon.element_id(y)
        if x.name != y.name:
            out.append(self.change("block-renamed", Risk.COSMETIC, where,
                                   f"{y.kind} renamed {_q(x.name)} → {_q(y.name)}", old=x.name, new=y.name,
                                   line=y.line, element=element, field="name"))
        fa = {k: v for k, v in self.a.canon.element_body(x).items() if k not in ("name", "actions")}
        fb = {k: v for k, v in self.b.canon.element_body(y).items() if k not in ("name", "actions")}
        for path, old, new in leaf_diffs(fa, fb):
            out.append(self.change("block-setting-changed", Risk.CONFIGURATION, where,
                                   f"{dotted(path)}: {short(old)} → {short(new)}", old=old, new=new,
                                   line=y.line, element=element, field=dotted(path)))
        out += diff_actions(x.actions, y.actions, self.a, self.b, where, element)
        return out


def _variable_lines(flow: Flow, all_lines: bool = False) -> dict[str, Any]:
    """Variable name -> line of its (first) declaration, or with `all_lines` the lines of every
    declaration of it (flow-level declarations)."""
    out: dict[str, list[int]] = {}
    for key in ("variables", "startUpTaskVariables"):
        seq = flow.raw.get(key) if isinstance(flow.raw, dict) else None
        if isinstance(seq, YSeq):
            for item, pos in zip(seq, seq.item_pos, strict=False):
                body = next(iter(item.values()), None) if isinstance(item, dict) and len(item) == 1 else None
                if isinstance(body, dict) and body.get("name") is not None:
                    out.setdefault(str(body["name"]), []).append(pos.line)
    return out if all_lines else {name: lines[0] for name, lines in out.items()}


def _unpaired(items: list[Any], pairs: list[tuple[Any, Any]], side: int) -> list[Any]:
    taken = {id(p[side]) for p in pairs}
    return [e for e in items if id(e) not in taken]


def _digit(c: Choice) -> str:
    if c.digit is not None:
        return c.digit
    return str(c.dtmf) if c.dtmf is not None else "-"


def _choice_where(menu_where: str, c: Choice) -> str:
    return f"{menu_where} › {_digit(c)} {_q(c.name)}"


def _digit_key(m: Menu) -> tuple[str, ...] | None:
    digits = tuple(sorted(c.digit for c in m.choices if c.digit))
    return digits or None


def compare_flows(old: Flow, new: Flow, old_path: str | None = None, new_path: str | None = None) -> list[Change]:
    """Every change from `old` to `new` (two versions of one flow), in reading order."""
    return FlowComparer(old, new, old_path, new_path).changes()
