"""Expressions for the differential test against Architect's own checker.

Generated from the catalogue (every overload called with well-typed arguments, then mutated:
one argument too few or too many, each argument swapped for another type, NOT_SET in each
position, a misspelt or lower-cased name, the closing parenthesis dropped), every operator
over pairs of types, indexing and property access, top-level implicit casts into typed
slots, the SDK's own example inputs, and the corpus's expressions with each flow's
variables declared.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr_ci.expr.catalogue import Catalogue, Ty


@dataclass(frozen=True)
class Case:
    expression: str
    expected: Ty | None = None
    group: str = ""  # catalogue | operator | slot | example | corpus
    scope: int = 0  # which declaration block (corpus flows declare their own variables)


# variables declared for the generated cases: Flow.v<key> (single) and Flow.c<key> (collection)
DECLARED = ["Integer", "Decimal", "String", "Boolean", "DateTime", "Duration", "Currency", "PhoneNumber",
            "Queue", "User", "Group", "ACD Skill", "Language Skill", "WrapupCode", "Email", "EmailAddress",
            "ExternalContact", "ShortMessage", "Prompt", "Audio"]


def var_key(type_name: str) -> str:
    return "".join(ch for ch in type_name.title() if ch.isalnum())


def declarations() -> dict[str, Ty]:
    out: dict[str, Ty] = {}
    for t in DECLARED:
        out[f"Flow.v{var_key(t)}"] = Ty(t)
        if t not in ("Audio", "Prompt"):
            out[f"Flow.c{var_key(t)}"] = Ty(t, True)
    return out


class Samples:
    """An expression of each type (literals where Architect has them, else a declared variable)."""

    def __init__(self, cat: Catalogue) -> None:
        self.by_type: dict[Ty, str] = {
            Ty("Integer"): "3", Ty("Decimal"): "2.5", Ty("String"): '"abc"', Ty("Boolean"): "true",
            Ty("Null"): "NOT_SET", Ty("Audio"): 'ToAudioTTS("hi")',
        }
        for name, ty in declarations().items():
            self.by_type.setdefault(ty, name)
        # enum values: system variables of container types, and their properties
        for vname, vty in cat.variables.items():
            info = cat.types.get(vty.name)
            if info is None or not info.properties or vty.array:
                continue
            for pname, pty in info.properties.items():
                self.by_type.setdefault(pty, f"{_display(vname)}.{pname}")
        self.by_type[Ty("Any")] = '"abc"'
        self.by_type[Ty("Any", True)] = "Flow.cString"
        self.by_type[Ty("AnyComplex")] = "Flow.vEmail"
        self.by_type[Ty("Audio or Prompt")] = 'ToAudioTTS("hi")'

    def of(self, ty: Ty) -> str | None:
        return self.by_type.get(ty)


def _display(lower_name: str) -> str:
    scope, _, rest = lower_name.partition(".")
    return scope.capitalize() + "." + rest


SWAPS = ["3", '"abc"', "true", "2.5", "NOT_SET", "Flow.vDatetime", "Flow.cString"]


def catalogue_cases(cat: Catalogue) -> list[Case]:
    s = Samples(cat)
    out: list[str] = []
    for fn in cat.functions.values():
        for o in fn.overloads:
            args = [s.of(p.type) for p in o.params]
            if any(a is None for a in args):
                continue
            good = [str(a) for a in args]
            out.append(f"{fn.name}({', '.join(good)})")
            if o.params and o.params[-1].repeatable:
                out.append(f"{fn.name}({', '.join([*good, good[-1]])})")
            if good:
                out.append(f"{fn.name}({', '.join(good[:-1])})")
            out.append(f"{fn.name}({', '.join([*good, good[-1] if good else '1'])})")
            for i in range(len(good)):
                for swap in SWAPS:
                    if swap != good[i]:
                        out.append(f"{fn.name}({', '.join([*good[:i], swap, *good[i + 1:]])})")
            out.append(f"{fn.name.lower()}({', '.join(good)})")
            if len(fn.name) > 4:
                out.append(f"{fn.name[:-1]}({', '.join(good)})")
                out.append(f"{fn.name[:2]}{fn.name[3:]}({', '.join(good)})")
            out.append(f"{fn.name}({', '.join(good)}")
    return [Case(e, None, "catalogue") for e in dict.fromkeys(out)]


OPERAND_SAMPLES = ["3", "2.5", '"abc"', "true", "NOT_SET", "Flow.vDatetime", "Flow.vDuration", "Flow.vCurrency",
                   "Flow.cInteger", "Flow.cDecimal", "Flow.vPhonenumber", 'ToAudioTTS("hi")', "Flow.vQueue"]


def operator_cases() -> list[Case]:
    out: list[str] = []
    for op in ["+", "-", "*", "/", "%", "^", "==", "!=", "<", "<=", ">", ">=", "and", "or", "&", "|"]:
        for a in OPERAND_SAMPLES:
            for b in OPERAND_SAMPLES:
                out.append(f"{a} {op} {b}")
    for op in ["-", "!", "~"]:
        for a in OPERAND_SAMPLES:
            out.append(f"{op}{a}" if op != "-" or not a[0].isdigit() else f"-({a})")
    for c in ["true", "3", "NOT_SET", "Flow.vBoolean"]:
        for a in OPERAND_SAMPLES[:8]:
            for b in OPERAND_SAMPLES[:8]:
                out.append(f"{c} ? {a} : {b}")
                out.append(f"If({c}, {a}, {b})")
    for coll in ["Flow.cString", "Flow.cInteger", "Flow.vString", "MakeList(1, 2)"]:
        for idx in ["0", "1.5", '"x"', "Flow.vInteger", "NOT_SET", "-1"]:
            out.append(f"{coll}[{idx}]")
    for prop in ["id", "name", "email", "nope", '"id"']:
        for target in ["Flow.vQueue", "Flow.vUser", "Flow.vEmail", "Flow.vString", "FindQueue(\"q\")"]:
            out.append(f"{target}.{prop}")
    out += ["1 + 2 * 3 - 4 / 2", "(1 + 2) * 3", "2 ^ 3 ^ 2", "!(1 == 2) and true or false", "-Flow.vInteger",
            "1 < 2 < 3", "1 == 2 == true", "~-1", "--1", "Flow.vInteger.x", "Flow.", "(1", "1)", '"abc',
            "[1, 2]", "true && false", "not true", "Flow.nope", "nope", "Append(", "Append(\"a\",)"]
    return [Case(e, None, "operator") for e in dict.fromkeys(out)]


SLOT_TYPES = ["String", "Integer", "Decimal", "Boolean", "Audio", "DateTime", "Duration", "Queue", "Currency",
              "PhoneNumber"]


def slot_cases() -> list[Case]:
    out = []
    for t in SLOT_TYPES:
        for a in OPERAND_SAMPLES + ["Flow.vString", "Flow.vInteger", "Flow.vBoolean", "Flow.cString",
                                    "Flow.vPrompt", "Flow.vUser"]:
            out.append(Case(a, Ty(t), "slot"))
    return out


def example_cases(examples: list[dict]) -> list[Case]:
    seen = dict.fromkeys(e["input"] for e in examples if isinstance(e.get("input"), str))
    return [Case(e, None, "example") for e in seen if "\n" not in e]


def mutate(text: str) -> list[str]:
    """Corpus expression mutations: wrong arity, swapped argument types, misspelt name, unclosed."""
    from ivr_ci.expr import Call, ExprSyntaxError, parse, walk

    try:
        node = parse(text)
    except ExprSyntaxError:
        return []
    out: list[str] = []
    calls = [n for n in walk(node) if isinstance(n, Call)][:3]
    for c in calls:
        head, tail = text[:c.start], text[c.end:]
        args = [text[a.start:a.end] for a in c.args]
        name = text[c.start:c.name_end]
        if args:
            out.append(head + f"{name}({', '.join(args[:-1])})" + tail)
        out.append(head + f"{name}({', '.join([*args, args[-1] if args else '1'])})" + tail)
        for i in range(min(3, len(c.args))):
            swap = "3" if args[i].strip()[:1] == '"' else '"abc"'
            out.append(head + f"{name}({', '.join([*args[:i], swap, *args[i + 1:]])})" + tail)
        if len(name) > 3:
            out.append(head + name[:-1] + text[c.name_end:c.end] + tail)
    if text.rstrip().endswith(")"):
        out.append(text.rstrip()[:-1])
    return out
