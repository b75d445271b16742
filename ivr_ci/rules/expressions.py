"""validate-flow expression rules (IVR6xx): every `exp:` checked the way Architect checks it.

One pass per flow (`analyse`, shared by the rules through FlowContext.expressions) parses each
expression (cached per distinct text), types it against the flow's declared variables, the
catalogue's system variables and the type its slot expects, and records the problems
(ivr_ci/expr/check.py). Where ivr-ci cannot know a type it says nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from ivr_ci.rules.catalogue import Hit, rule
from ivr_ci.rules.context import FlowContext

if TYPE_CHECKING:  # the expression package loads on the first flow with an exp: (rules import at startup)
    from ivr_ci.expr.catalogue import Ty
    from ivr_ci.expr.check import Verdict

CALL_FLOWS = frozenset({"inboundCall", "inqueueCall", "outboundCall", "secureCall"})
USER_SCOPES = frozenset({"flow", "task", "state"})

# (action or element key, setting key) -> the type the slot expects, from the SDK's
# documentation of each action (src/scripting/documentation/<Class>.html, property types)
SLOTS: dict[tuple[str, str], tuple[str, bool]] = {  # (type, call flows only)
    ("decision", "condition"): ("Boolean", False),  # ArchActionDecision.condition: ArchValueBoolean
    ("loop", "loopCount"): ("Integer", False),  # ArchActionLoop.loopCount: ArchValueInteger
    ("playAudio", "audio"): ("Audio", True),  # ArchActionPlayAudio.audio: ArchAudio
    ("collectInput", "inputAudio"): ("Audio", True),  # ArchActionCollectInput.inputAudio: ArchAudio
    ("collectInput", "verificationAudio"): ("Audio", True),
    ("transferToAcd", "preTransferAudio"): ("Audio", True),  # ArchActionTransferToAcd: ArchAudio
    ("transferToAcd", "failureTransferAudio"): ("Audio", True),
    ("transferToAcd", "priority"): ("Integer", False),  # ArchActionTransferToAcd.priority
    ("dataTableLookup", "lookupValue"): ("String", False),  # ArchActionDataTableLookup.lookupValue
}


@dataclass
class Occurrence:
    """One `exp:` value: its text, where it stands, the type its slot expects."""

    text: str
    line: int
    col: int
    expected: Ty | None
    slot: str
    verdict: Verdict | None = None
    source: str = ""  # the scalar as written on its line (for token columns), "" if multi-line


@dataclass
class Analysis:
    occurrences: list[Occurrence] = field(default_factory=list)
    declared: set[str] = field(default_factory=set)
    written: set[str] = field(default_factory=set)


# verdicts are pure in (text, expected type, types of the names it reads): shared across files
_VERDICTS: dict[tuple, Verdict] = {}
_MISSING = object()


def analysis(ctx: FlowContext) -> Analysis:
    """Every `exp:` of the flow parsed and typed once, shared by the IVR6xx rules."""
    found = ctx.shared.get("expressions")
    if not isinstance(found, Analysis):
        found = ctx.shared["expressions"] = analyse(ctx)
    return found


def analyse(ctx: FlowContext) -> Analysis:
    flow = ctx.flow
    if "exp" not in ctx.doc.text:
        return Analysis()
    from ivr_ci.expr import check as X
    from ivr_ci.expr.catalogue import load
    from ivr_ci.expr.names import scan_flow
    from ivr_ci.flow.yamlpos import YMap

    cat = load()
    scan = scan_flow(flow.raw, cat)
    out = Analysis(declared=set(scan.declared), written=scan.written)
    if not scan.expressions:
        return out
    variables = scan.variable_types()
    checker = X.Checker(X.Env(variables), cat)
    call_flow = flow.type in CALL_FLOWS
    lines = ctx.doc.lines
    for text, ymap, keys in scan.expressions:
        if not text.strip() or not isinstance(ymap, YMap):  # empty: Archy's "no value"
            continue
        pos = ymap.value_pos("exp")
        line, col = (pos.line, pos.col) if pos else (ymap.pos.line if ymap.pos else 1, 1)
        expected, slot = _slot(keys, call_flow)
        occ = Occurrence(text, line, col, expected, slot)
        if pos and pos.line == pos.end_line and "\n" not in text and pos.line <= len(lines):
            occ.source = lines[pos.line - 1][pos.col - 1:pos.end_col - 1]
        key = (text, expected, *(variables.get(v, _MISSING) for v in _names_read(text)))
        verdict = _VERDICTS.get(key)
        if verdict is None:
            verdict = checker.check(text, expected)
            if len(_VERDICTS) < 20_000:
                _VERDICTS[key] = verdict
        occ.verdict = verdict
        out.occurrences.append(occ)
    return out


@lru_cache(maxsize=16384)
def _names_read(text: str) -> tuple[str, ...]:
    from ivr_ci.expr import ExprSyntaxError, Var, parse, walk

    try:
        node = parse(text)
    except ExprSyntaxError:
        return ()
    return tuple(sorted({n.name.lower() for n in walk(node) if isinstance(n, Var)}))


@lru_cache(maxsize=4096)  # the same key paths recur in every flow
def _slot(keys: tuple[str, ...], call_flow: bool) -> tuple[Ty | None, str]:
    from ivr_ci.expr.catalogue import Ty
    from ivr_ci.expr.names import archy_type

    if len(keys) >= 2:
        hit = SLOTS.get((keys[-2], keys[-1]))
        if hit and (call_flow or not hit[1]):
            return Ty(hit[0]), f"{keys[-2]}.{keys[-1]}"
        if keys[-1] == "value" and len(keys) >= 3 and keys[-3] == "statements":  # updateData
            ty = archy_type(keys[-2])
            return ty, f"updateData {keys[-2]}"
        if keys[-2:] == ("case", "value") and "firstTrue" in keys:  # switch: first true case
            return Ty("Boolean"), "switch case"
        if "firstMatch" in keys and keys[-1] == "value":  # switch over a typed value
            i = len(keys) - 1 - keys[::-1].index("firstMatch")
            if i + 1 < len(keys):
                ty = archy_type(keys[i + 1])
                return ty, f"switch {keys[i + 1]}"
    if call_flow and keys[-1:] == ("initialGreeting",):  # ArchFlowInboundCall.initialAudio: ArchAudio
        return Ty("Audio"), "initialGreeting"
    return None, ""


def _token_col(occ: Occurrence, offset: int) -> tuple[int, int]:
    """File line/column of an offset into the expression: exact on one-line scalars (plain,
    single- or double-quoted), else the expression's own position."""
    src, text = occ.source, occ.text
    if src:
        if src == text:
            return occ.line, occ.col + offset
        cols = _quoted_columns(src)
        if cols is not None and len(cols) == len(text) and offset < len(cols):
            return occ.line, occ.col + cols[offset]
        if cols is not None and offset == len(text):
            return occ.line, occ.col + len(src) - 1
    return occ.line, occ.col


def _quoted_columns(src: str) -> list[int] | None:
    """For a quoted scalar, the source column (0-based, within `src`) of each value character."""
    if len(src) < 2 or src[0] not in "\"'" or src[-1] != src[0]:
        return None
    cols, i, end = [], 1, len(src) - 1
    while i < end:
        cols.append(i)
        if src[0] == "'" and src[i] == "'" and src[i + 1:i + 2] == "'":
            i += 2
        elif src[0] == '"' and src[i] == "\\":
            i += {"x": 4, "u": 6, "U": 10}.get(src[i + 1:i + 2], 2)
        else:
            i += 1
    return cols


def _codes(*names: str) -> frozenset[str]:
    from ivr_ci.expr import check as X

    return frozenset(getattr(X, n) for n in names)


def _hits(ctx: FlowContext, codes: frozenset[str]) -> Iterator[Hit]:
    for occ in analysis(ctx).occurrences:
        assert occ.verdict is not None
        for p in occ.verdict.problems:
            if p.code in codes:
                yield _hit(occ, p.start, p.end, p.message)


def _hit(occ: Occurrence, start: int, end: int, message: str) -> Hit:
    line, col = _token_col(occ, start)
    end_line, end_col = _token_col(occ, end)
    if "\n" in occ.text:
        from ivr_ci.expr import line_col

        in_line, in_col = line_col(occ.text, start)
        message += f" (expression line {in_line}, column {in_col})"
    return Hit(line, col, message, end_line=end_line if end_line == line else None,
               end_col=end_col if end_line == line and end_col > col else None)


@rule(
    "IVR601", "expression-syntax", stage="validate-flow", severity="error",
    summary="an expression is not valid Architect syntax",
    rationale="""
        Architect parses every `exp:` when the flow is published and rejects the flow on a
        syntax error: an unclosed parenthesis, bracket or string, an escape Architect does not
        know (only \\" \\\\ \\n \\r \\t), `&&`/`not` for `and`/`!`, a list written `[a, b]`
        (Architect has MakeList), two signs in a row. The grammar and messages are those of
        the expression parser in Genesys's Architect Scripting SDK (npm
        purecloud-flow-scripting-api-sdk-javascript 0.0.18).
    """,
    bad="""
        - decision:
            name: Is VIP
            condition:
              exp: Append(Flow.tier, "x" == "goldx"
    """,
    good="""
        - decision:
            name: Is VIP
            condition:
              exp: Append(Flow.tier, "x") == "goldx"
    """,
)
def expression_syntax(ctx: FlowContext) -> Iterator[Hit]:
    for occ in analysis(ctx).occurrences:
        assert occ.verdict is not None
        for p in occ.verdict.problems:
            if p.code == "syntax" and not _placeholder_artefact(occ.text):
                yield _hit(occ, p.start, p.end, f"expression syntax error: {p.message}")


def _placeholder_artefact(text: str) -> bool:
    """`{{key}}` text is substituted before Architect parses: a template is judged after."""
    return "{{" in text


@rule(
    "IVR602", "unknown-function", stage="validate-flow", severity="error",
    summary="an expression calls a function or names something Architect does not have",
    rationale="""
        A call to a function that is not in Architect's catalogue fails publishing with "is not
        a valid function or variable reference". When the name is a near miss of a known
        function (`Apend`, `ToStrng`) it is a typo: the message says which function was meant.
        A bare name without a scope (`total` for `Flow.total`) is rejected the same way. The
        catalogue is generated from the Architect Scripting SDK (ivr_ci/expr/catalogue.json)
        plus newer documented functions (ivr_ci/expr/supplement.json).
    """,
    bad="""
        - updateData:
            name: Greeting
            statements:
              - string:
                  variable: Flow.greeting
                  value:
                    exp: Apend("Hello ", Flow.name)
    """,
    good="""
        - updateData:
            name: Greeting
            statements:
              - string:
                  variable: Flow.greeting
                  value:
                    exp: Append("Hello ", Flow.name)
    """,
)
def unknown_function(ctx: FlowContext) -> Iterator[Hit]:
    yield from _hits(ctx, _codes("UNKNOWN_FUNCTION", "INVALID_REFERENCE"))


@rule(
    "IVR603", "function-not-in-catalogue", stage="validate-flow", severity="warning",
    summary="an expression calls a function ivr-ci's catalogue does not know (it may be newer)",
    rationale="""
        The generated catalogue comes from the 2016 Architect Scripting SDK, and the
        supplement lists newer functions found in Genesys's documentation and published flows.
        A function in neither may be newer still, or a typo no known name is close to: check
        it in Architect's expression help. Its arguments are not type-checked.
    """,
    bad="""
        - decision:
            name: Open
            condition:
              exp: IsBusinessHoursNow(Flow.schedule)
    """,
    good="""
        - decision:
            name: Open
            condition:
              exp: Flow.isOpen
    """,
)
def function_not_in_catalogue(ctx: FlowContext) -> Iterator[Hit]:
    yield from _hits(ctx, _codes("NEWER_FUNCTION"))


@rule(
    "IVR604", "no-matching-overload", stage="validate-flow", severity="error",
    summary="no overload of the function or operator accepts these arguments",
    rationale="""
        Architect picks the first overload whose parameters match the arguments' types and
        does not convert arguments: `Append("a", 5)` is rejected ("no implementation that
        accepts parameters of String and Integer"), as are `If(5, "a", "b")`, `ToAudioTTS(5)`,
        `1 + true`, a wrong argument count, `If` branches of different types, a literal out of
        a parameter's range (`Substring(s, -1, 2)`) or an unknown currency code. The message
        names the overloads that exist. Rules and overloads: the SDK's expression catalogue.
    """,
    bad="""
        - updateData:
            name: Label
            statements:
              - string:
                  variable: Flow.label
                  value:
                    exp: Append("Queue position ", Call.PositionInQueue)
    """,
    good="""
        - updateData:
            name: Label
            statements:
              - string:
                  variable: Flow.label
                  value:
                    exp: Append("Queue position ", ToString(Call.PositionInQueue))
    """,
)
def no_matching_overload(ctx: FlowContext) -> Iterator[Hit]:
    yield from _hits(ctx, _codes("NO_OVERLOAD"))


@rule(
    "IVR605", "expression-type-mismatch", stage="validate-flow", severity="error",
    summary="the expression's type does not fit its slot and Architect has no implicit conversion",
    rationale="""
        Each slot expects a type: a decision condition is Boolean, a loop count Integer, audio
        is Audio, an updateData statement's value has its variable's type (SDK documentation:
        ArchActionDecision.condition ArchValueBoolean, ArchActionLoop.loopCount
        ArchValueInteger, ArchActionPlayAudio.audio ArchAudio). Architect adds one implicit
        conversion at the top level where one exists (Integer to String with ToString, String
        to Audio with ToAudioTTS, String to Boolean with ToBool); otherwise the flow does not
        publish.
    """,
    bad="""
        - decision:
            name: Has queue
            condition:
              exp: FindQueue("Support")
    """,
    good="""
        - decision:
            name: Has queue
            condition:
              exp: IsSet(FindQueue("Support"))
    """,
)
def expression_type_mismatch(ctx: FlowContext) -> Iterator[Hit]:
    yield from _hits(ctx, _codes("SLOT_TYPE"))


@rule(
    "IVR606", "undeclared-variable", stage="validate-flow", severity="warning",
    summary="an expression reads a Flow/Task/State variable the flow neither declares nor writes",
    rationale="""
        A `Flow.`, `Task.` or `State.` name that no `variables:` entry declares and no action
        writes (`var:` outputs, updateData `variable:`) is usually a typo of one that is; at
        publish Architect reports it as not a valid variable reference unless it is created
        elsewhere. Architect's system variables (Flow.StartDateTimeUtc, Call.Ani, ...) come from
        the SDK catalogue and are never reported; other scopes (Call, Session, Slot, Message...)
        hold platform data ivr-ci does not enumerate and are not checked.
    """,
    bad="""
        - decision:
            name: VIP
            condition:
              exp: Flow.isVipCaller   # declared as Flow.isVIPCustomer
    """,
    good="""
        - decision:
            name: VIP
            condition:
              exp: Flow.isVIPCustomer
    """,
)
def undeclared_variable(ctx: FlowContext) -> Iterator[Hit]:
    from ivr_ci.expr import ExprSyntaxError, Var, parse, walk
    from ivr_ci.expr.catalogue import load

    a = analysis(ctx)
    cat = load() if a.occurrences else None
    known = a.declared | a.written
    for occ in a.occurrences:
        try:
            node = parse(occ.text)
        except ExprSyntaxError:
            continue
        reported: set[str] = set()
        for n in walk(node):
            if not isinstance(n, Var) or "." not in n.name or "{{" in n.name:
                continue
            key = n.name.lower()
            if key.split(".", 1)[0] not in USER_SCOPES or key in known or key in reported:
                continue
            if cat is None or key in cat.variables or key in cat.newer_variables:
                continue
            reported.add(key)
            yield _hit(occ, n.start, n.end, f"'{n.name}' is read here but the flow neither declares nor "
                                            "writes it")


@rule(
    "IVR607", "not-set-not-allowed", stage="validate-flow", severity="error",
    summary="NOT_SET is passed where the parameter does not accept it",
    rationale="""
        Parameters say whether they accept NOT_SET (the catalogue's allowNotSet):
        `Count(NOT_SET)`, `ToAudioTTS(NOT_SET)` or `MakeList(NOT_SET)` are rejected, while
        `Append("a", NOT_SET)`, `IsSet(NOT_SET)` and `ToInt(NOT_SET)` are fine. A NOT_SET whose
        type Architect cannot determine (`If(c, NOT_SET, NOT_SET)`) is rejected too.
    """,
    bad="""
        - loop:
            name: Each
            loopCount:
              exp: Count(NOT_SET)
    """,
    good="""
        - loop:
            name: Each
            loopCount:
              exp: Count(Flow.items)
    """,
)
def not_set_not_allowed(ctx: FlowContext) -> Iterator[Hit]:
    yield from _hits(ctx, _codes("NOT_SET_FORBIDDEN"))


@rule(
    "IVR608", "constant-condition", stage="validate-flow", severity="info",
    summary="a condition does not depend on anything: it is always true or always false",
    rationale="""
        A decision or switch case whose expression has no variable and no function call
        (`true`, `1 == 1`, `NOT_SET == NOT_SET`) always takes the same branch: the other one is
        dead, or the condition is a leftover from testing.
    """,
    bad="""
        - decision:
            name: Open
            condition:
              exp: 1 == 1
    """,
    good="""
        - decision:
            name: Open
            condition:
              exp: Flow.isOpen
    """,
)
def constant_condition(ctx: FlowContext) -> Iterator[Hit]:
    from ivr_ci.expr import Call, Literal, NotSet, Placeholder, Var, parse, walk

    for occ in analysis(ctx).occurrences:
        if occ.slot not in ("decision.condition", "switch case") or "{{" in occ.text:
            continue
        assert occ.verdict is not None
        if not occ.verdict.valid:
            continue
        nodes = list(walk(parse(occ.text)))
        if all(not isinstance(n, (Var, Call, Placeholder)) for n in nodes) and any(
                isinstance(n, (Literal, NotSet)) for n in nodes):
            yield _hit(occ, 0, len(occ.text), f"the condition `{occ.text.strip()}` is constant")
