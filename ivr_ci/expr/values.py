"""Architect's runtime values in Python, and how they are written.

Architect is typed; each Python value stands for exactly one Architect type:

    Integer  int            Decimal   decimal.Decimal (exact: 7 * 12.2 is 85.4)
    String   str            Boolean   bool
    DateTime aware datetime (UTC)     Duration  timedelta
    Currency Currency       Audio     Audio         PhoneNumber PhoneNumber
    Queue, User, Group, Skill, ... OrgObject        EmailAddress EmailAddress
    Communication  Communication (a str)            JSON  dict / JsonArray
    collections    Collection (a list that knows its item type)

and NOT_SET is `NotSet(type)`: a *typed* "no value" (`ToInt(NOT_SET)` is a NOT_SET Integer), so
`Sum(ToDecimal(NOT_SET), ToDecimal(NOT_SET))` knows it gives the Decimal 0.0. Two NOT_SETs are
equal whatever their types (`ToInt(NOT_SET) == ToDecimal(NOT_SET)` is true).

`Unknown` is not Architect's: it is a value the *evaluation* was not given (`Call.Ani` in a
simulation without `--set`); it flows through expressions until a decision needs it.

`display(value)` writes a value as the catalogue's examples write results (`5`, `85.4`, `"Hello"`,
`true`, `NOT_SET`) and, for the types examples describe in words, as an expression that gives the
value back (`MakeCurrency(5.00, "USD")`, `ToDuration("PT1H")`). `to_string` is Architect's ToString.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


class ExprError(Exception):
    """Base of what evaluating an expression can raise."""


class ExprRuntimeError(ExprError):
    """What Architect fails on at runtime (NOT_SET where not allowed, ToInt("x"), 1 / 0...).

    In a flow, Architect then runs the flow's error handling; so does the simulator.
    """


class ExprTypeError(ExprError):
    """Arguments no overload of the function or operator takes: Architect rejects the expression
    when the flow is validated, so there is no runtime behaviour to follow."""


class Unsupported(ExprError):
    """Not evaluable offline (needs the org, a service, or outside the implemented catalogue):
    the answer is never guessed."""


# --- NOT_SET and Unknown ------------------------------------------------------------------------

class NotSet:
    """Architect's NOT_SET; `type` is the Architect type it stands for (None: the bare literal)."""

    __slots__ = ("type",)

    def __init__(self, type: str | None = None) -> None:
        self.type = type

    def __repr__(self) -> str:
        return f"NOT_SET({self.type})" if self.type else "NOT_SET"

    def __bool__(self) -> bool:
        return False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NotSet)

    def __hash__(self) -> int:
        return hash(NotSet)


NOT_SET = NotSet()


def is_not_set(value: Any) -> bool:
    return isinstance(value, NotSet)


@dataclass(frozen=True)
class Unknown:
    """A value the evaluation was not given; `reason` says what to declare to know it."""

    reason: str

    def __repr__(self) -> str:
        return f"<unknown: {self.reason}>"


def first_unknown(*values: Any) -> Unknown | None:
    for v in values:
        if isinstance(v, Unknown):
            return v
        if isinstance(v, list):
            inner = first_unknown(*v)
            if inner is not None:
                return inner
    return None


# --- value classes ------------------------------------------------------------------------------

class Collection(list[Any]):
    """An Architect collection: a list with its item type (an empty one has a type too)."""

    def __init__(self, items: Any = (), item_type: str | None = None) -> None:
        super().__init__(items)
        if item_type is None:
            item_type = next((type_of(v) for v in self if not is_not_set(v)), None)
            if item_type is None:
                item_type = next((v.type for v in self if isinstance(v, NotSet) and v.type), None)
        self.item_type = item_type


class JsonArray(list[Any]):
    """A JSON array (a JSON value, not an Architect collection)."""


class Communication(str):
    """Architect's Communication (what a message action sends): text with its own type."""

    __slots__ = ()


@dataclass(frozen=True)
class Currency:
    amount: Decimal | NotSet
    code: str | NotSet

    def attr(self, key: str) -> Any:
        low = key.lower()
        if low == "amount":
            return self.amount if not is_not_set(self.amount) else NotSet("Decimal")
        if low == "code":
            return self.code if not is_not_set(self.code) else NotSet("String")
        raise ExprTypeError(f"a Currency has no property '{key}' (amount, code)")


@dataclass(frozen=True)
class Audio:
    """What the caller hears: TTS text, prompt names, silences, spoken numbers."""

    parts: tuple[str, ...] = ()

    def text(self) -> str:
        return " ".join(p for p in self.parts if p)


@dataclass(frozen=True)
class OrgObject:
    """A queue, user, group, skill, schedule group... known by name (or id when only the id is)."""

    kind: str  # Architect type name: "Queue", "User", "Skill"...
    name: str

    def attr(self, key: str) -> Any:
        if key.lower() in ("name", "id"):
            return self.name
        raise Unsupported(f"property '.{key}' of a {self.kind} needs the org")

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class EmailAddress:
    address: str
    name: str | NotSet = NOT_SET

    def attr(self, key: str) -> Any:
        low = key.lower()
        if low in ("id", "address"):
            return self.address
        if low == "name":
            return self.name if not is_not_set(self.name) else NotSet("String")
        raise ExprTypeError(f"an EmailAddress has no property '{key}' (id, name)")


@dataclass(frozen=True)
class PhoneNumber:
    """A phone number or SIP address as Architect's ToPhoneNumber makes it."""

    raw: str
    fields: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def parse(cls, text: str) -> PhoneNumber:
        raw = text.strip()
        low = raw.lower()
        if low.startswith(("sip:", "sips:")):
            scheme, _, rest = raw.partition(":")
            rest = rest.rstrip("@")
            user = rest.split("@", 1)[0]
            return cls(raw, {"scheme": scheme.lower(), "uri": f"{scheme.lower()}:{rest}", "isvalid": bool(user),
                             "e164": "", "dialstring": rest, "subscribernumber": user, "isTel": False})
        body = raw[4:] if low.startswith("tel:") else raw
        digits = "".join(c for c in body if c.isdigit())
        e164 = ("+" + digits) if digits else ""
        sub = digits[-10:] if len(digits) > 10 else digits
        return cls(raw, {"scheme": "tel", "uri": f"tel:{body}", "isvalid": bool(digits), "e164": e164,
                         "dialstring": body, "subscribernumber": sub, "isTel": True})

    @property
    def identity(self) -> str:
        """What makes two numbers equal: E.164 digits for tel:, the URI for sip:/sips:."""
        if self.fields.get("isTel"):
            return "tel:" + self.fields["e164"].lstrip("+")
        return str(self.fields.get("uri", self.raw)).lower()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PhoneNumber) and self.identity == other.identity

    def __hash__(self) -> int:
        return hash(self.identity)

    def attr(self, key: str) -> Any:
        low = key.lower()
        if low in self.fields and low != "istel":
            return self.fields[low]
        raise Unsupported(f"phone number property '.{key}' is not simulated")

    def __str__(self) -> str:
        return str(self.fields.get("e164") or self.fields.get("uri") or self.raw)


@dataclass(frozen=True)
class EnumValue:
    """A format/enum constant such as Format.Bool.playYesNo."""

    path: str


# --- types --------------------------------------------------------------------------------------

def type_of(value: Any) -> str:
    """The Architect type of a runtime value ("Integer", "String Collection", ...)."""
    if isinstance(value, NotSet):
        return value.type or "NOT_SET"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, Decimal):
        return "Decimal"
    if isinstance(value, Communication):
        return "Communication"
    if isinstance(value, str):
        return "String"
    if isinstance(value, datetime):
        return "DateTime"
    if isinstance(value, timedelta):
        return "Duration"
    if isinstance(value, Currency):
        return "Currency"
    if isinstance(value, Collection):
        return f"{value.item_type or 'Any'} Collection"
    if isinstance(value, (dict, JsonArray)):
        return "JSON"
    if isinstance(value, list):
        return "Any Collection"
    if isinstance(value, Audio):
        return "Audio"
    if isinstance(value, PhoneNumber):
        return "PhoneNumber"
    if isinstance(value, OrgObject):
        return value.kind
    if isinstance(value, EmailAddress):
        return "EmailAddress"
    if isinstance(value, EnumValue):
        return "Enum"
    if isinstance(value, Unknown):
        return "Unknown"
    return type(value).__name__


def is_number(value: Any) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


def normal(d: Decimal) -> Decimal:
    """An arithmetic result without trailing zeros (91.50 -> 91.5) and without a negative zero."""
    if d == 0:
        return Decimal(0)
    return d.normalize()


# --- how values are written ---------------------------------------------------------------------

def decimal_text(d: Decimal) -> str:
    """A Decimal as Architect writes it: plain digits, always with a fraction (5 -> 5.0)."""
    if d == 0 and d.is_signed():
        d = -d
    text = format(d, "f")
    return text if "." in text else text + ".0"


def duration_text(value: timedelta) -> str:
    """ISO-8601 as Architect's ToString writes a Duration: PT1H, -P9DT18H29M59.544S, PT0S."""
    ms = round(value / timedelta(milliseconds=1))
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    days, ms = divmod(ms, 86_400_000)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    seconds, ms = divmod(ms, 1000)
    time = ""
    if hours:
        time += f"{hours}H"
    if minutes:
        time += f"{minutes}M"
    if seconds or ms:
        time += f"{seconds}.{ms:03d}".rstrip("0").rstrip(".") + "S"
    if not days and not time:
        return "PT0S"
    return f"{sign}P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")


def datetime_text(value: datetime) -> str:
    """ISO-8601 in UTC as Architect's ToString writes a DateTime: 2009-01-10T06:30:00Z."""
    utc = value.astimezone(timezone.utc) if value.tzinfo else value
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond // 1000:03d}"
    return text + "Z"


def money_text(amount: Decimal) -> str:
    """A currency amount with at least two decimal places (9.00, 3.4685), as the catalogue writes them."""
    if amount.as_tuple().exponent > -2:  # type: ignore[operator]
        amount = amount.quantize(Decimal("0.01"))
    return format(amount, "f")


def currency_text(value: Currency, places: int | None = None) -> str:
    amount = ""
    if isinstance(value.amount, Decimal):
        step = Decimal(1).scaleb(-(2 if places is None else places))
        amount = format(value.amount.quantize(step, rounding=ROUND_HALF_UP), "f")
    code = "" if is_not_set(value.code) else str(value.code)
    return f"{amount}|{code}"


def to_string(value: Any) -> Any:
    """Architect's ToString(value): NOT_SET stays a (String) NOT_SET."""
    if is_not_set(value):
        return NotSet("String")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, datetime):
        return datetime_text(value)
    if isinstance(value, timedelta):
        return duration_text(value)
    if isinstance(value, Currency):
        return currency_text(value)
    if isinstance(value, PhoneNumber):
        return str(value.fields.get("uri", value.raw))
    if isinstance(value, EmailAddress):
        return value.address
    if isinstance(value, Audio):
        return value.text()
    if isinstance(value, (dict, JsonArray)):
        return json.dumps(value, separators=(",", ":"), default=_json_default)
    if isinstance(value, list):
        return "\n".join(_item_text(v) for v in value)
    return str(value)


def _item_text(value: Any) -> str:
    text = to_string(value)
    return "" if is_not_set(text) else text


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return to_string(value)


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def display(value: Any) -> str:
    """A value written as the catalogue's examples write results, or as an expression giving it."""
    if is_not_set(value):
        return "NOT_SET"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, Communication):
        return f"ToCommunication({quote(value)})"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, datetime):
        return f"ToDateTime({quote(datetime_text(value))})"
    if isinstance(value, timedelta):
        return f"ToDuration({quote(duration_text(value))})"
    if isinstance(value, Currency):
        amount = money_text(value.amount) if isinstance(value.amount, Decimal) else "NOT_SET"
        code = "NOT_SET" if is_not_set(value.code) else quote(str(value.code))
        return f"MakeCurrency({amount}, {code})"
    if isinstance(value, Collection):
        if not value:
            return f"MakeEmptyList({_typed_not_set(value.item_type)})"
        return "MakeList(" + ", ".join(display(v) for v in value) + ")"
    if isinstance(value, (dict, JsonArray)):
        return f"JsonParse({quote(to_string(value))})"
    if isinstance(value, list):
        return "MakeList(" + ", ".join(display(v) for v in value) + ")"
    if isinstance(value, PhoneNumber):
        return f"ToPhoneNumber({quote(value.raw)})"
    if isinstance(value, EmailAddress):
        if is_not_set(value.name):
            return f"MakeEmailAddress({quote(value.address)})"
        return f"MakeEmailAddress({quote(value.address)}, {quote(str(value.name))})"
    if isinstance(value, Audio):
        return "ToAudioTTS(" + quote(value.text()) + ")"
    if isinstance(value, OrgObject):
        return f"Find{value.kind.replace(' ', '')}({quote(value.name)})"
    if isinstance(value, EnumValue):
        return value.path
    if isinstance(value, Unknown):
        return f"<unknown: {value.reason}>"
    return str(value)


_NOT_SET_MAKERS = {"Integer": "ToInt", "Decimal": "ToDecimal", "String": "ToString", "Boolean": "ToBool",
                   "DateTime": "ToDateTime", "Duration": "ToDuration", "Currency": "ToCurrency",
                   "PhoneNumber": "ToPhoneNumber", "User": "ToUser", "Queue": "ToQueue", "Skill": "ToSkill",
                   "Group": "ToGroup", "Language Skill": "ToLanguageSkill", "WrapupCode": "ToWrapupCode"}


def _typed_not_set(item_type: str | None) -> str:
    maker = _NOT_SET_MAKERS.get(item_type or "")
    return f"{maker}(NOT_SET)" if maker else "NOT_SET"


def trace_text(value: Any) -> str:
    """A value as a simulation trace shows it: text unquoted, audio as heard."""
    if isinstance(value, Audio):
        return value.text()
    if isinstance(value, Unknown):
        return f"<unknown: {value.reason}>"
    if isinstance(value, str):
        return str(value)
    if isinstance(value, (OrgObject, PhoneNumber)):
        return str(value)
    if isinstance(value, Collection) or (isinstance(value, list) and not isinstance(value, JsonArray)):
        return "[" + ", ".join(trace_text(v) for v in value) + "]"
    if isinstance(value, (Decimal, datetime, timedelta, Currency, EmailAddress, dict, JsonArray)):
        return str(to_string(value))
    return display(value)


def json_value(value: Any) -> Any:
    """A value as JSON for `ivr-ci expr --json` (exact text for Decimals is in `display`)."""
    if is_not_set(value) or isinstance(value, Unknown):
        return None
    if isinstance(value, (bool, int)):
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Currency):
        return {"amount": float(value.amount) if isinstance(value.amount, Decimal) else None,
                "code": None if is_not_set(value.code) else value.code}
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_value(v) for v in value]
    return to_string(value)
