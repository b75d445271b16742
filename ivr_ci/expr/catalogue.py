"""Architect's expression catalogue as Python objects: functions, operators, types, casts.

Read once from `catalogue.json` (generated from the Architect Scripting SDK 0.0.18 by
`python -m ivr_ci.expr.gencatalogue`) and `supplement.json` (hand-written: functions newer
than that 2016 bundle, each with the Genesys page that names it). `load()` is cached.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent

# AST operator spelling -> SDK identifier of the operator (catalogue "identifier")
BINARY_OPS = {
    "+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod", "^": "pow", "==": "equ", "!=": "neq",
    "<": "lt", "<=": "lte", ">": "gt", ">=": "gte", "and": "and", "or": "or", "&": "bitAnd", "|": "bitOr",
}
UNARY_OPS = {"-": "neg", "!": "not", "~": "bitNot"}


@dataclass(frozen=True, slots=True)
class Ty:
    """An Architect data type: its display name ("String", "Integer", "Queue", ...) and
    whether it is the collection of that type. "Null" is the type of the NOT_SET literal."""

    name: str
    array: bool = False

    def __str__(self) -> str:
        return f"{self.name} Collection" if self.array else self.name


NULL = Ty("Null")


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: Ty
    repeatable: bool
    allow_not_set: bool
    must_be_literal: bool
    min: float | None
    max: float | None
    disallow_zero: bool
    literal_validator: str | None = None  # ISO4217 | SupportedTTSLangs | DialingCodes


@dataclass(frozen=True, slots=True)
class Overload:
    id: str
    returns: Ty
    params: tuple[Param, ...]
    resolver: str | None  # the SDK's result resolver (If, SameType, GetAt, ...) or None

    def signature(self, name: str) -> str:
        parts = [f"{p.type}{'...' if p.repeatable else ''}" for p in self.params]
        return f"{name}({', '.join(parts)}) -> {self.returns}"


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    identifier: str
    overloads: tuple[Overload, ...]
    description: str
    source: str  # "sdk" or the Genesys page a supplement entry comes from
    returns: Ty | None = None  # supplement entries: documented result type, if any


@dataclass(frozen=True, slots=True)
class TypeInfo:
    name: str
    code: str
    inherits: str
    supported_by_any: bool
    complex: bool
    properties: dict[str, Ty]
    casts_from: dict[Ty, str]  # source type -> implicit conversion function


def _ty(ref: dict | None) -> Ty:
    if not ref:
        return Ty("Any")
    return Ty(ref["type"], bool(ref.get("isArray")))


def _function(raw: dict, source: str = "sdk") -> Function:
    overloads = []
    for o in raw.get("overloads", ()):
        params = tuple(Param(p["name"], _ty(p), p["repeatable"], p["allowNotSet"], p["mustBeLiteral"],
                             p.get("min"), p.get("max"), bool(p.get("disallowZero")), p.get("literalValidator"))
                       for p in o["params"])
        overloads.append(Overload(o["id"], _ty(o["returns"]), params, o.get("resolver")))
    returns = Ty(raw["returns"], bool(raw.get("returnsArray"))) if raw.get("returns") else None
    return Function(raw["name"], raw.get("identifier") or raw["name"], tuple(overloads),
                    raw.get("description") or "", raw.get("source", source), returns)


class Catalogue:
    """Lookups over the generated catalogue plus the hand-written supplement."""

    def __init__(self, data: dict, supplement: dict, sdk_only: bool = False) -> None:
        self.source = data["source"]
        self.functions: dict[str, Function] = {}  # lower-case name -> function
        self.operators: dict[str, Function] = {}  # SDK identifier (add, neg, ...) -> operator
        for raw in data["functions"]:
            fn = _function(raw)
            if raw["operator"]:
                self.operators[fn.identifier] = fn
            else:
                self.functions[fn.name.lower()] = fn
        self.sdk_only = sdk_only
        if sdk_only:  # exactly the 2016 bundle (what Architect's offline checker knows)
            supplement = {}
        for o in supplement.get("overrides", ()):
            self._override(o)
        self.newer: dict[str, Function] = {}  # supplement: newer than the bundle
        for raw in supplement.get("functions", ()):
            fn = _function(raw, raw["source"])
            self.newer[fn.name.lower()] = fn
        self.types: dict[str, TypeInfo] = {}
        for t in data["types"]:
            props = {k: _ty(v) for k, v in t["properties"].items()}
            casts = {Ty(c["from"], bool(c.get("fromArray"))): c["function"] for c in t["implicitCastsFrom"]}
            self.types[t["name"]] = TypeInfo(t["name"], t["code"], t["inherits"], t["supportedByAny"],
                                             t["complex"], props, casts)
        self.variables: dict[str, Ty] = {}  # lower-case system variable -> type
        for v in data["variables"]:
            if v["type"]:
                self.variables[v["name"].lower()] = Ty(v["type"], v["isArray"])
        self.newer_variables: dict[str, tuple[Ty | None, str]] = {}
        for v in supplement.get("variables", ()):
            ty = Ty(v["type"], bool(v.get("isArray"))) if v.get("type") else None
            self.newer_variables[v["name"].lower()] = (ty, v["source"])
        self._type_by_key = {_norm(name): name for name in self.types}
        # literal values the SDK validates some parameters against: name -> (match, values)
        self.literal_values: dict[str, tuple[str, frozenset[str]]] = {
            k: (v["match"], frozenset(v["values"])) for k, v in data.get("literalValues", {}).items()}

    def literal_ok(self, validator: str, value: str) -> bool | None:
        """Whether a literal passes one of the SDK's literal validators (None: not known)."""
        entry = self.literal_values.get(validator)
        if entry is None:
            return None
        match, values = entry
        key = value.lower() if match == "lower" else value.upper() if match == "upper" else value
        return key in values

    def _override(self, o: dict) -> None:
        """Relax one parameter of a 2016 function where published flows prove more is accepted."""
        fn = self.functions[o["function"].lower()]
        overloads = []
        for ov in fn.overloads:
            params = list(ov.params)
            if o["param"] < len(params) and "allowNotSet" in o:
                params[o["param"]] = replace(params[o["param"]], allow_not_set=o["allowNotSet"])
            overloads.append(replace(ov, params=tuple(params)))
        self.functions[o["function"].lower()] = replace(fn, overloads=tuple(overloads))

    def function(self, name: str) -> Function | None:
        """The catalogue function (SDK) for a call name, matched case-insensitively."""
        return self.functions.get(name.lower())

    def newer_function(self, name: str) -> Function | None:
        return self.newer.get(name.lower())

    def near_misses(self, name: str, n: int = 3) -> list[str]:
        """Known function names a misspelt `name` is close to (did-you-mean)."""
        names = {f.name.lower(): f.name for f in (*self.functions.values(), *self.newer.values())}
        return [names[m] for m in difflib.get_close_matches(name.lower(), list(names), n=n, cutoff=0.8)]

    def type_named(self, key: str) -> str | None:
        """Catalogue type name for an Archy/loose spelling: "dateTime" -> "DateTime",
        "skill" -> "ACD Skill"; None when the 2016 catalogue has no such type."""
        k = _norm(key)
        return self._type_by_key.get(_ALIASES.get(k, k))


_ALIASES = {"skill": "acdskill", "bool": "boolean", "int": "integer", "long": "integer",
            "phone": "phonenumber", "languageskill": "languageskill"}


def _norm(name: str) -> str:
    return name.lower().replace(" ", "").replace("_", "")


@lru_cache(maxsize=2)
def load(sdk_only: bool = False) -> Catalogue:
    """The catalogue ivr-ci checks with; `sdk_only`: the 2016 bundle alone, no supplement."""
    data = json.loads((HERE / "catalogue.json").read_text(encoding="utf-8"))
    supplement = json.loads((HERE / "supplement.json").read_text(encoding="utf-8"))
    return Catalogue(data, supplement, sdk_only)
