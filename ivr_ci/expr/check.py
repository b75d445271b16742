"""Type checking with Architect's rules: overload resolution, result resolvers, NOT_SET,
implicit casts at the top level (the slot's expected type).

Mirrors the SDK 0.0.18 checker (ParsedExpression, webpack module 587; overload matching in
module 52 `_doOperandsMatchRegisteredOperands` + operand `isExpressionMatch`; type matching
settings in module 53; result resolvers in module 309). Where ivr-ci cannot know a type (a
name it cannot see, a function newer than the catalogue, a type the 2016 catalogue lacks)
the type is None and nothing is reported about it: no false errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ivr_ci.expr.ast import (
    Binary,
    Call,
    Index,
    Literal,
    Member,
    Node,
    NotSet,
    Placeholder,
    Ternary,
    Unary,
    Var,
)
from ivr_ci.expr.catalogue import BINARY_OPS, NULL, UNARY_OPS, Catalogue, Function, Overload, Ty, load
from ivr_ci.expr.errors import ExprSyntaxError
from ivr_ci.expr.parser import parse

# problem codes (the rules in ivr_ci/rules/expressions.py map them to rule ids)
SYNTAX = "syntax"
UNKNOWN_FUNCTION = "unknown-function"  # not in the catalogue; near miss of a known one
NEWER_FUNCTION = "newer-function"  # not in the catalogue nor the supplement, not a near miss
NO_OVERLOAD = "no-overload"
NOT_SET_FORBIDDEN = "not-set"
SLOT_TYPE = "slot-type"
INVALID_REFERENCE = "invalid-reference"  # bare identifier, or a name unknown in a closed world
ERROR_CODES = frozenset({SYNTAX, UNKNOWN_FUNCTION, NO_OVERLOAD, NOT_SET_FORBIDDEN, SLOT_TYPE, INVALID_REFERENCE})


@dataclass(frozen=True, slots=True)
class Problem:
    code: str
    message: str
    start: int  # 0-based offset into the expression of the offending token
    end: int


@dataclass
class Env:
    """What the checker may know about names.

    `variables`: lower-case `Scope.name` -> type (None: exists, type unknown). System
    variables of the catalogue are always known. `closed`: every other name is an error (as
    Architect says for a name the flow does not declare); otherwise it is of unknown type.
    """

    variables: Mapping[str, Ty | None] = field(default_factory=dict)
    closed: bool = False


@dataclass
class Verdict:
    type: Ty | None
    problems: list[Problem]
    casts: list[str] = field(default_factory=list)  # implicit conversion functions added

    @property
    def valid(self) -> bool:
        return not any(p.code in ERROR_CODES for p in self.problems)


class _V:
    """A checked operand: its type and what Architect's checker asks of literals."""

    __slots__ = ("ty", "notset", "lit", "node")

    def __init__(self, ty: Ty | None, node: Node, notset: bool = False, lit: str | None = None) -> None:
        self.ty = ty
        self.node = node
        self.notset = notset  # the NOT_SET literal itself
        self.lit = lit  # literal's text (numbers signed, strings unescaped), None if not a literal


class _Fail(Exception):
    """Architect stops at its first error; so do we (the one problem is recorded)."""


class Checker:
    def __init__(self, env: Env | None = None, catalogue: Catalogue | None = None) -> None:
        self.cat = catalogue or load()
        self.env = env or Env()
        self.problems: list[Problem] = []

    # --- entry points -----------------------------------------------------------
    def check(self, text: str, expected: Ty | None = None) -> Verdict:
        self.problems = []
        try:
            node = parse(text)
        except ExprSyntaxError as exc:
            end = exc.offset + 1
            return Verdict(None, [Problem(SYNTAX, str(exc), exc.offset, end)])
        return self.check_node(node, expected)

    def check_node(self, node: Node, expected: Ty | None = None) -> Verdict:
        self.problems = []
        casts: list[str] = []
        try:
            v = self.value(node)
            ty = self._fit(v, expected, casts) if expected is not None else v.ty
            if ty is not None and ty == NULL and not v.notset:
                self._fail(node, "The result of this expression text cannot be resolved to a data type.  You "
                                 "can try wrapping the expression text with a casting function call to "
                                 "convert it to a data type.", SLOT_TYPE)
            if ty is not None and v.notset and expected is None:
                ty = Ty("Any")
        except _Fail:
            ty = None
        return Verdict(ty, self.problems, casts)

    # --- problems -------------------------------------------------------------
    def _fail(self, node: Node, message: str, code: str, start: int | None = None,
              end: int | None = None) -> None:
        s = node.start if start is None else start
        self.problems.append(Problem(code, message, s, node.end if end is None else end))
        raise _Fail

    def note(self, code: str, message: str, start: int, end: int) -> None:
        self.problems.append(Problem(code, message, start, end))

    # --- operands ---------------------------------------------------------------
    def value(self, node: Node) -> _V:
        if isinstance(node, Literal):
            text = node.value if isinstance(node.value, str) else node.text
            return _V(Ty(node.type), node, lit=str(text))
        if isinstance(node, NotSet):
            return _V(NULL, node, notset=True)
        if isinstance(node, Placeholder):
            return _V(None, node)
        if isinstance(node, Var):
            return _V(self.variable(node), node)
        if isinstance(node, Call):
            return self.call(node)
        if isinstance(node, Unary):
            return self.unary(node)
        if isinstance(node, Binary):
            op = self.cat.operators[BINARY_OPS[node.op]]
            return self.apply(op, node.op, [self.value(node.left), self.value(node.right)], node,
                              node.op_start, node.op_start + len(node.op))
        if isinstance(node, Ternary):
            op = self.cat.operators["ter"]
            args = [self.value(node.cond), self.value(node.then), self.value(node.otherwise)]
            return self.apply(op, "?", args, node, node.op_start, node.op_start + 1)
        if isinstance(node, Index):
            target = self.value(node.target)
            index = self.value(node.index)
            op = self.cat.operators["bkt"]
            return self.apply(op, "[", [index, target], node, node.bracket, node.bracket + 1)
        if isinstance(node, Member):
            return self.member(node)
        raise AssertionError(f"unknown node {node!r}")

    def variable(self, node: Var) -> Ty | None:
        name = node.name
        if "{{" in name:
            return None
        if "." not in name:
            self._fail(node, f"'{name}' at position {node.start + 1} is not a valid function or variable "
                             "reference.", INVALID_REFERENCE)
        key = name.lower()
        if key in self.env.variables:
            return self._known(self.env.variables[key])
        if key in self.cat.variables:
            return self.cat.variables[key]
        scope = key.split(".", 1)[0]
        if scope in ("prompt", "promptsystem") and not self.env.closed:
            return Ty("Prompt")  # prompts are org data: declared in a closed world
        if key in self.cat.newer_variables:
            return self._known(self.cat.newer_variables[key][0])
        if self.env.closed:
            self._fail(node, f"'{name}' at position {node.start + 1} is not a valid function or variable "
                             "reference.", INVALID_REFERENCE)
        return None

    def _known(self, ty: Ty | None) -> Ty | None:
        """A type ivr-ci can reason about: one the catalogue has (not JSON, Communication...)."""
        return ty if ty is not None and ty.name in self.cat.types else None

    def unary(self, node: Unary) -> _V:
        operand = node.operand
        if node.op == "-" and isinstance(operand, Literal) and operand.type in ("Integer", "Decimal"):
            # Architect folds a signed number into one literal (ParsedExpression R())
            text = "-" + operand.text if float(operand.value) != 0 else operand.text
            return _V(Ty(operand.type), node, lit=text)
        op = self.cat.operators[UNARY_OPS[node.op]]
        return self.apply(op, node.op, [self.value(operand)], node, node.start, node.start + 1)

    def member(self, node: Member) -> _V:
        target = self.value(node.target)
        if target.ty is None or "{{" in node.name:
            return _V(None, node)
        info = self.cat.types.get(target.ty.name)
        if info is None:
            return _V(None, node)
        prop = None if target.ty.array else _prop(info.properties, node.name)
        if prop is not None:
            return _V(self._known(prop), node)
        if isinstance(node.target, Var) or isinstance(node.target, Member) and _var_rooted(node.target):
            path = _path(node)
            self._fail(node, f"The variable reference '{path}' at position {node.start + 1} is not valid.",
                       INVALID_REFERENCE)
        shown = f'"{node.name}"' if node.quoted else node.name
        self._fail(node, f"There is no property named '{shown}' for the data type {target.ty} at position "
                         f"{node.name_start + 1}.", NO_OVERLOAD, node.name_start, node.end)
        raise AssertionError  # unreachable

    # --- calls ------------------------------------------------------------------
    def call(self, node: Call) -> _V:
        args = [self.value(a) for a in node.args]
        fn = self.cat.function(node.name)
        if fn is not None:
            return self.apply(fn, fn.name, args, node, node.start, node.name_end)
        newer = self.cat.newer_function(node.name)
        if newer is not None:
            return _V(self._known(newer.returns), node)
        if "{{" in node.name:
            return _V(None, node)
        near = self.cat.near_misses(node.name)
        if near:
            self.note(UNKNOWN_FUNCTION, f"'{node.name}' at position {node.start + 1} is not a valid function; "
                                        f"did you mean {' or '.join(near)}?", node.start, node.name_end)
        else:
            self.note(NEWER_FUNCTION, f"'{node.name}' at position {node.start + 1} is not in Architect's "
                                      "2016 expression catalogue (it may be newer)", node.start, node.name_end)
        if self.env.closed:
            raise _Fail
        return _V(None, node)

    def apply(self, fn: Function, shown: str, args: list[_V], node: Node, start: int, end: int) -> _V:
        prefix = f"'{shown}' at position {start + 1} :"
        if any(a.ty is None for a in args):
            return self._partial(fn, shown, args, node, prefix, start, end)
        for o in fn.overloads:
            if _operands_match(self.cat, o, args):
                break
        else:
            self._no_overload(fn, shown, args, node, prefix, start, end)
        self._restrictions(o, args, node, prefix)
        ty = self._resolve(o, args, node, prefix, start, end)
        return _V(ty if o.returns.name == "Any" else o.returns, node)

    def _partial(self, fn: Function, shown: str, args: list[_V], node: Node, prefix: str,
                 start: int, end: int) -> _V:
        """Some argument types are unknown: only what does not depend on them (the count)."""
        fits = [o for o in fn.overloads if _count_fits(o, len(args))]
        if not fits:
            self._no_overload(fn, shown, args, node, prefix, start, end)
        returns = {o.returns for o in fits}
        if len(returns) == 1:
            (ty,) = returns
            if ty.name != "Any":
                return _V(ty, node)
        return _V(None, node)

    def _no_overload(self, fn: Function, shown: str, args: list[_V], node: Node, prefix: str,
                     start: int, end: int) -> None:
        sigs = "; ".join(o.signature(shown) for o in fn.overloads[:6])
        more = f" (and {len(fn.overloads) - 6} more)" if len(fn.overloads) > 6 else ""
        shown_types = [("NOT_SET" if a.notset else str(a.ty)) if a.ty is not None else "?" for a in args]
        if not args:
            what = "There is no implementation that takes zero parameters."
        elif len(args) == 1:
            what = f"There is no implementation that accepts a parameter of type {shown_types[0]}."
        else:
            what = ("There is no implementation that accepts parameters of "
                    f"{', '.join(shown_types[:-1])} and {shown_types[-1]}.")
        code = NO_OVERLOAD
        if any(a.notset for a in args) and any(
                _operands_match(self.cat, o, args, not_set_ok=True) for o in fn.overloads):
            code = NOT_SET_FORBIDDEN
            what += " NOT_SET is not allowed there."
        self._fail(node, f"{prefix} {what} Overloads: {sigs}{more}.", code, start, end)

    def _restrictions(self, o: Overload, args: list[_V], node: Node, prefix: str) -> None:
        n = len(o.params)
        for i, a in enumerate(args):
            p = o.params[min(i, n - 1)]
            # which TTS languages an org supports is org data: checked only in a closed world
            if p.literal_validator and a.lit is not None and a.ty == Ty("String") and (
                    self.env.closed or p.literal_validator != "SupportedTTSLangs") and \
                    self.cat.literal_ok(p.literal_validator, a.lit) is False:
                what = _VALIDATOR_TEXT.get(p.literal_validator, "value")
                self._fail(a.node, f"{prefix} The literal \"{a.lit}\" supplied to the {p.name} parameter "
                                   f"at position {a.node.start + 1} is not a supported {what}.", NO_OVERLOAD)
            if p.must_be_literal and a.lit is None:
                self._fail(a.node, f"{prefix} The value for the {p.name} parameter at position "
                                   f"{a.node.start + 1} must be a literal {p.type}.", NO_OVERLOAD)
            if a.lit is None or a.ty is None or a.ty.name not in ("Integer", "Decimal"):
                continue
            value = float(a.lit)
            if p.max is not None and value > p.max:
                self._fail(a.node, f"{prefix} The value of {a.lit} supplied to the {p.name} parameter at "
                                   f"position {a.node.start + 1} is greater than the maximum allowed of "
                                   f"{_num(p.max)}.", NO_OVERLOAD)
            if p.min is not None and value < p.min:
                self._fail(a.node, f"{prefix} The value of {a.lit} supplied to the {p.name} parameter at "
                                   f"position {a.node.start + 1} is less than the minimum allowed of "
                                   f"{_num(p.min)}.", NO_OVERLOAD)
            if p.disallow_zero and value == 0:
                self._fail(a.node, f"{prefix} The value 0 is not allowed for the {p.name} parameter at "
                                   f"position {a.node.start + 1}.", NO_OVERLOAD)

    def _resolve(self, o: Overload, args: list[_V], node: Node, prefix: str, start: int, end: int) -> Ty:
        """The SDK's result resolver for the chosen overload (module 309)."""
        r = o.resolver
        fail = self._fail

        def same(a: Ty, b: Ty) -> bool:
            return _type_of_match(self.cat, a, b) or _type_of_match(self.cat, b, a)

        if r is None:  # resolveNotSetTypedOperands
            n = len(o.params)
            for i, a in enumerate(args):
                p = o.params[min(i, n - 1)]
                if a.ty == NULL and (p.type.name == "Any" or p.type.array or a.ty.array):
                    fail(a.node, f"{prefix} The type for the NOT_SET value passed to the {p.name} parameter "
                                 f"at position {a.node.start + 1} could not be determined.",
                         NOT_SET_FORBIDDEN)
            return o.returns
        if r == "If":
            cond, t1, t2 = args[0].ty, args[1].ty, args[2].ty
            assert cond is not None and t1 is not None and t2 is not None
            if not _type_of_match(self.cat, cond, Ty("Boolean")):
                fail(node, f"{prefix} Expected parameter 1 to be of type Boolean", NO_OVERLOAD, start, end)
            if t1 == NULL:
                if t2 == NULL:
                    fail(node, f"{prefix} The second and third arguments cannot both be NOT_SET.",
                         NOT_SET_FORBIDDEN, start, end)
                return t1  # Architect's resolver: the result is then NOT_SET-typed
            if t2 == NULL:
                return cond  # sic: the SDK returns the condition's type here
            if same(t1, t2):
                return t1
            fail(node, f"{prefix} The second and third arguments must be the same type.  The second argument "
                       f"at position {args[1].node.start + 1} is type {t1} and the third argument at position "
                       f"{args[2].node.start + 1} is type {t2}.", NO_OVERLOAD, start, end)
        if r == "SameType":
            t1, t2 = args[0].ty, args[1].ty
            assert t1 is not None and t2 is not None
            if t1 == NULL or t2 == NULL or same(t1, t2):
                return Ty("Boolean")
            fail(node, f"{prefix} Must be passed arguments of the same type.  The argument at position "
                       f"{args[0].node.start + 1} is of type {t1} and the argument at position "
                       f"{args[1].node.start + 1} is of type {t2}.", NO_OVERLOAD, start, end)
        if r in ("n-SameType", "n-SameTypeParmNotSetToString", "n-SameTypeRetColl"):
            first: _V | None = None
            for a in args:
                if a.notset:
                    continue
                if first is None:
                    first = a
                elif a.ty != first.ty:
                    fail(node, f"{prefix} Must be passed arguments of the same type.  The argument at position "
                               f"{first.node.start + 1} is of type {first.ty} and the argument at position "
                               f"{a.node.start + 1} is of type {a.ty}.", NO_OVERLOAD, start, end)
            if first is None:
                if r != "n-SameTypeParmNotSetToString":
                    fail(node, f"{prefix} Needs to have at least one parameter that is not the value NOT_SET.",
                         NOT_SET_FORBIDDEN, start, end)
                base = Ty("String")
            else:
                assert first.ty is not None
                base = first.ty
            return Ty(base.name, True) if r == "n-SameTypeRetColl" else base
        if r in ("GetAt", "CollectionBrackets"):
            coll, idx = (args[0], args[1]) if r == "GetAt" else (args[1], args[0])
            assert coll.ty is not None and idx.ty is not None
            if not _type_of_match(self.cat, idx.ty, Ty("Integer")):
                fail(node, f"{prefix} Expected parameter {2 if r == 'GetAt' else 1} to be of type Integer",
                     NO_OVERLOAD, start, end)
            if not coll.ty.array:
                fail(node, f"{prefix} The argument must be a collection.", NO_OVERLOAD, start, end)
            return Ty(coll.ty.name)
        if r in ("Accessor", "PropertyBrackets"):
            name, target = args[0], args[1]
            assert target.ty is not None
            info = self.cat.types.get(target.ty.name)
            if target.ty == NULL:
                fail(node, f"{prefix} The value accessed cannot be NOT_SET.", NO_OVERLOAD, start, end)
            prop = _prop(info.properties, name.lit) if info and name.lit is not None and not target.ty.array \
                else None
            if prop is not None:
                return prop
            if name.lit is None and r == "PropertyBrackets":
                fail(name.node, f"A string literal must be used to access a property with brackets at position "
                                f"{name.node.start + 1}.", NO_OVERLOAD)
            fail(name.node, f"There is no property named '{name.lit}' for the data type {target.ty} at "
                            f"position {name.node.start + 1}.", NO_OVERLOAD)
        if r == "Find":
            coll_ty, item_ty = args[0].ty, args[1].ty
            assert coll_ty is not None and item_ty is not None
            if not coll_ty.array:
                fail(node, f"{prefix} The argument must be a collection.", NO_OVERLOAD, start, end)
            if Ty(coll_ty.name) != item_ty:
                fail(node, f"{prefix} Expected parameter 2 to be of type {coll_ty.name}", NO_OVERLOAD, start, end)
            return o.returns
        if r == "EmptyList":
            a0 = args[0].ty
            assert a0 is not None
            if a0 == NULL:  # the SDK has no collection type for NOT_SET (an internal error there)
                fail(node, f"{prefix} The type of the list cannot be NOT_SET.", NOT_SET_FORBIDDEN, start, end)
            if a0.array:
                fail(node, f"{prefix} The argument must not be a collection.", NO_OVERLOAD, start, end)
            return Ty(a0.name, True)
        if r == "LanguageUniqueContext":  # at most one value of each Language.* enum group
            seen: dict[str, _V] = {}
            for a in args[len(o.params) - 1:]:
                group = _enum_group(a.node)
                if group is None:
                    continue
                if group in seen:
                    fail(node, f"{prefix} It is not valid to pass {_text(seen[group].node)} and {_text(a.node)} "
                               "as parameter values to the same function call.", NO_OVERLOAD, start, end)
                seen[group] = a
        return o.returns  # NotSetToRetType, LanguageUniqueContext: the declared result

    # --- the slot ---------------------------------------------------------------
    def _fit(self, v: _V, expected: Ty, casts: list[str]) -> Ty | None:
        """Architect's top-level check against the type the slot expects (module 587)."""
        ty = v.ty
        if ty is None or expected.name not in self.cat.types:
            return ty
        if _type_of_match(self.cat, ty, expected):
            return expected
        if v.notset:
            if expected.array:
                self._fail(v.node, f"NOT_SET cannot be used for a {expected}.", SLOT_TYPE)
            return expected
        if expected.name == "Any":
            return ty
        fn_name = None if expected.array else self.cat.types[expected.name].casts_from.get(ty)
        if fn_name:
            fn = self.cat.function(fn_name)
            if fn is not None and any(_operands_match(self.cat, o, [v]) for o in fn.overloads):
                casts.append(fn.name)
                return expected
            self._fail(v.node, f"Cannot convert the input type {ty} to {expected} using {fn_name}.", SLOT_TYPE)
        self._fail(v.node, f"The expression is of type {ty} where {expected} is expected, and Architect has "
                           "no implicit conversion between them.", SLOT_TYPE)
        raise AssertionError  # unreachable


# --- type matching (SDK module 53 + operand isExpressionMatch) -----------------------
def _operands_match(cat: Catalogue, o: Overload, args: list[_V], not_set_ok: bool = False) -> bool:
    params = o.params
    n = len(params)
    if not _count_fits(o, len(args)):
        return False
    for i, a in enumerate(args):
        p = params[min(i, n - 1)]
        assert a.ty is not None
        if not _expression_match(cat, a, p.type, _ANY_NOT_SET if not_set_ok else p.allow_not_set):
            return False
    return True


_ANY_NOT_SET = 2  # truthy marker: "would it match if NOT_SET were allowed anywhere?"


def _count_fits(o: Overload, count: int) -> bool:
    n = len(o.params)
    if count < n:
        return False
    return count == n or (n > 0 and o.params[-1].repeatable)


def _expression_match(cat: Catalogue, a: _V, p: Ty, allow_not_set: bool | int) -> bool:
    ty = a.ty
    assert ty is not None
    if allow_not_set:
        if ty == NULL:
            return not p.array or a.notset and allow_not_set is _ANY_NOT_SET
    elif a.notset:
        return False
    elif p.name == "AnyComplex":
        info = cat.types.get(ty.name)
        return bool(info and info.complex) and ty.array == p.array
    return _typeof_or_any(cat, ty, p)


def _typeof_or_any(cat: Catalogue, a: Ty, p: Ty) -> bool:
    info = cat.types.get(a.name)
    if info is None:
        return False
    if p.name == "Any" and info.supported_by_any:
        ok = True
    elif p.name == "Audio or Prompt":
        ok = info.inherits in ("Audio", "Prompt")
    else:
        pinfo = cat.types.get(p.name)
        ok = pinfo is not None and info.inherits == pinfo.inherits
    return ok and a.array == p.array


def _type_of_match(cat: Catalogue, a: Ty, p: Ty) -> bool:
    """settings.typeOf: same inherited type (Audio or Prompt accepts either); Any matches nothing."""
    if p.name == "Any":
        return False
    info, pinfo = cat.types.get(a.name), cat.types.get(p.name)
    if info is None or pinfo is None:
        return False
    ok = info.inherits in ("Audio", "Prompt") if p.name == "Audio or Prompt" else info.inherits == pinfo.inherits
    return ok and a.array == p.array


def _prop(props: dict[str, Ty], name: str) -> Ty | None:
    if name in props:
        return props[name]
    low = name.lower()
    for k, v in props.items():
        if k.lower() == low:
            return v
    return None


def _enum_group(node: Node) -> str | None:
    """`Language.Case.article` -> "language.case" (the enum container it comes from)."""
    if isinstance(node, Member) and isinstance(node.target, Var):
        return node.target.name.lower()
    return None


def _text(node: Node) -> str:
    if isinstance(node, Member):
        return f"{_text(node.target)}.{node.name}"
    if isinstance(node, Var):
        return node.name
    return "?"


def _var_rooted(node: Node) -> bool:
    while isinstance(node, Member):
        node = node.target
    return isinstance(node, Var)


def _path(node: Node) -> str:
    parts: list[str] = []
    while isinstance(node, Member):
        parts.append(f'"{node.name}"' if node.quoted else node.name)
        node = node.target
    assert isinstance(node, Var)
    return ".".join([node.name, *reversed(parts)])


_VALIDATOR_TEXT = {"ISO4217": "ISO 4217 currency code", "DialingCodes": "dialing code",
                   "SupportedTTSLangs": "IETF language tag for text to speech playback"}


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def check(text: str, env: Env | None = None, expected: Ty | None = None) -> Verdict:
    """Architect's verdict on one expression (see Checker)."""
    return Checker(env).check(text, expected)
