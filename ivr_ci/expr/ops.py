"""Architect's operators on runtime values: arithmetic with exact decimals, bitwise, comparison,
equality, indexing and member access (the overloads of the catalogue's operator table)."""

from __future__ import annotations

import decimal
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ivr_ci.expr.values import (
    Audio,
    Collection,
    Currency,
    ExprRuntimeError,
    ExprTypeError,
    NotSet,
    PhoneNumber,
    Unknown,
    Unsupported,
    is_not_set,
    is_number,
    normal,
    type_of,
)

# Java's BigDecimal DECIMAL128 precision: 34 digits, half-even (what a JVM service divides with).
DECIMAL_CONTEXT = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN, Emax=999_999, Emin=-999_999)
INT_MIN, INT_MAX = -(2**63), 2**63 - 1  # Architect's Integer is a 64-bit long


def _int(result: int, op: str) -> int:
    if not INT_MIN <= result <= INT_MAX:
        raise ExprRuntimeError(f"'{op}': the Integer result {result} overflows 64 bits")
    return result


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


def _text_number(value: Any) -> Any:
    """Values given on the command line are text until a type says otherwise: "12" vs 5 compares
    as numbers (Architect itself would have typed the variable)."""
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text) if text.lstrip("+-").isdigit() else Decimal(text)
        except decimal.InvalidOperation:
            return value
    return value


def _no_not_set(op: str, *values: Any) -> None:
    for v in values:
        if is_not_set(v):
            raise ExprRuntimeError(f"operator '{op}' applied to a NOT_SET value")


def arithmetic(op: str, a: Any, b: Any) -> Any:
    _no_not_set(op, a, b)
    if op == "+" and isinstance(a, str) and isinstance(b, str):
        return a + b
    if is_number(a) and is_number(b):
        return _numbers(op, a, b)
    if isinstance(a, Currency) or isinstance(b, Currency):
        return _currency(op, a, b)
    if op == "+" and isinstance(a, datetime) and isinstance(b, timedelta):
        return a + b
    if op == "+" and isinstance(a, timedelta) and isinstance(b, datetime):
        return b + a
    if op in "+-" and isinstance(a, timedelta) and isinstance(b, timedelta):
        return a + b if op == "+" else a - b
    if op == "-" and isinstance(a, datetime) and isinstance(b, timedelta):
        return a - b
    if op == "+" and isinstance(a, Audio) and isinstance(b, Audio):
        return Audio(a.parts + b.parts)
    raise ExprTypeError(f"operator '{op}' takes no operands of types {type_of(a)} and {type_of(b)}")


def _numbers(op: str, a: Any, b: Any) -> Any:
    if op == "^":  # always a Decimal
        try:
            if isinstance(b, int) or (isinstance(b, Decimal) and b == b.to_integral_value()):
                result = DECIMAL_CONTEXT.power(_dec(a), int(b))
            else:
                result = DECIMAL_CONTEXT.power(_dec(a), _dec(b))
        except (decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow):
            raise ExprRuntimeError(f"{a} ^ {b} has no Decimal value") from None
        return normal(result)
    if isinstance(a, int) and isinstance(b, int):
        if op == "+":
            return _int(a + b, op)
        if op == "-":
            return _int(a - b, op)
        if op == "*":
            return _int(a * b, op)
        if op == "%":
            if b == 0:
                raise ExprRuntimeError("modulo by zero")
            return a - b * int(a / b) if abs(a) < 2**52 else int(Decimal(a) % Decimal(b))
        if op == "&":
            return a & b
        if op == "|":
            return a | b
    if op in "&|":
        raise ExprTypeError(f"operator '{op}' takes Integers, not {type_of(a)} and {type_of(b)}")
    x, y = _dec(a), _dec(b)
    try:
        if op == "+":
            return normal(DECIMAL_CONTEXT.add(x, y))
        if op == "-":
            return normal(DECIMAL_CONTEXT.subtract(x, y))
        if op == "*":
            return normal(DECIMAL_CONTEXT.multiply(x, y))
        if op == "/":
            if y == 0:
                raise ExprRuntimeError("division by zero")
            return normal(DECIMAL_CONTEXT.divide(x, y))
        if op == "%":
            if y == 0:
                raise ExprRuntimeError("modulo by zero")
            return normal(DECIMAL_CONTEXT.remainder(x, y))
    except (decimal.InvalidOperation, decimal.Overflow):
        raise ExprRuntimeError(f"{a} {op} {b} has no Decimal value") from None
    raise ExprTypeError(f"operator '{op}' takes no numbers")


def _currency(op: str, a: Any, b: Any) -> Currency:
    if isinstance(a, Currency) and isinstance(b, Currency) and op in "+-":
        if not is_not_set(a.code) and not is_not_set(b.code) and a.code != b.code:
            raise ExprRuntimeError(f"'{op}' on currencies of different codes ({a.code}, {b.code})")
        if is_not_set(a.amount) or is_not_set(b.amount):
            raise ExprRuntimeError(f"'{op}' on a Currency with a NOT_SET amount")
        code = a.code if not is_not_set(a.code) else b.code
        return Currency(_numbers(op, a.amount, b.amount), code)
    money, number = (a, b) if isinstance(a, Currency) else (b, a)
    if is_number(number) and (op == "*" or (op in "/%" and money is a)):
        if is_not_set(money.amount):
            raise ExprRuntimeError(f"'{op}' on a Currency with a NOT_SET amount")
        x, y = (money.amount, number) if money is a else (number, money.amount)
        return Currency(_numbers(op, x, y), money.code)
    raise ExprTypeError(f"operator '{op}' takes no operands of types {type_of(a)} and {type_of(b)}")


def negate(a: Any) -> Any:
    _no_not_set("-", a)
    if isinstance(a, bool):
        raise ExprTypeError("operator '-' takes no Boolean")
    if isinstance(a, int):
        return _int(-a, "-")
    if isinstance(a, Decimal):
        return -a if a != 0 else a.copy_abs()
    if isinstance(a, timedelta):
        return -a
    if isinstance(a, Currency):
        if is_not_set(a.amount):
            raise ExprRuntimeError("'-' on a Currency with a NOT_SET amount")
        return Currency(-a.amount, a.code)  # type: ignore[operator]
    raise ExprTypeError(f"operator '-' takes no {type_of(a)}")


def bit_not(a: Any) -> int:
    _no_not_set("~", a)
    if isinstance(a, bool) or not isinstance(a, int):
        raise ExprTypeError(f"operator '~' takes an Integer, not {type_of(a)}")
    return ~a


def logical_not(a: Any) -> bool:
    _no_not_set("!", a)
    if not isinstance(a, bool):
        raise ExprTypeError(f"operator '!' takes a Boolean, not {type_of(a)}")
    return not a


# --- comparison and equality --------------------------------------------------------------------

def collation_key(text: str, ignore_case: bool = False) -> tuple:
    """Strings ordered as Architect's (ICU-style) collation orders them: letters before case,
    lower case before upper case at equal letters ("hello" < "Hello" < "help")."""
    folded = text.casefold()
    if ignore_case:
        return (folded,)
    return (folded, tuple(c.isupper() for c in text))


def compare_strings(a: str, b: str, ignore_case: bool = False) -> int:
    ka, kb = collation_key(a, ignore_case), collation_key(b, ignore_case)
    return (ka > kb) - (ka < kb)


def order(op: str, a: Any, b: Any) -> bool:
    _no_not_set(op, a, b)
    if isinstance(a, str) != isinstance(b, str):
        a, b = _text_number(a), _text_number(b)
    if isinstance(a, str) and isinstance(b, str):
        c = compare_strings(a, b)
    elif is_number(a) and is_number(b):
        c = (a > b) - (a < b)
    elif isinstance(a, Currency) and isinstance(b, Currency):
        if is_not_set(a.amount) or is_not_set(b.amount):
            raise ExprRuntimeError(f"'{op}' on a Currency with a NOT_SET amount")
        c = (a.amount > b.amount) - (a.amount < b.amount)  # type: ignore[operator]
    elif (isinstance(a, datetime) and isinstance(b, datetime)) or (
            isinstance(a, timedelta) and isinstance(b, timedelta)):
        c = (a > b) - (a < b)  # type: ignore[operator]
    else:
        raise ExprTypeError(f"operator '{op}' takes no operands of types {type_of(a)} and {type_of(b)}")
    return {"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]


def equal(a: Any, b: Any, ignore_case: bool = False) -> bool:
    """Architect's `==`: NOT_SETs are equal to each other only; numbers by value (5 == 5.0);
    collections item by item; phone numbers by their normalised address."""
    if isinstance(a, NotSet) or isinstance(b, NotSet):
        return isinstance(a, NotSet) and isinstance(b, NotSet)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y, ignore_case) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        if isinstance(a, str) or isinstance(b, str):  # text from the command line
            return str(a).lower() == str(b).lower()
        return a is b
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold() if ignore_case else a == b
    if isinstance(a, str) != isinstance(b, str) and (is_number(a) or is_number(b)):
        a, b = _text_number(a), _text_number(b)
    if isinstance(a, Currency) and isinstance(b, Currency):
        return equal(a.amount, b.amount) and equal(a.code, b.code)
    if isinstance(a, PhoneNumber) or isinstance(b, PhoneNumber):
        if isinstance(a, str):
            a = PhoneNumber.parse(a)
        if isinstance(b, str):
            b = PhoneNumber.parse(b)
        return a == b
    return bool(a == b)


# --- indexing and member access -----------------------------------------------------------------

def index(value: Any, key: Any) -> Any:
    if is_not_set(value):
        raise ExprRuntimeError("indexing a NOT_SET value")
    need_key = key
    if is_not_set(need_key):
        raise ExprRuntimeError("a NOT_SET index")
    if isinstance(value, list):
        if isinstance(key, bool) or not isinstance(key, int):
            key = _text_number(key)
            if not isinstance(key, int):
                raise ExprTypeError(f"a collection index is an Integer, not {type_of(key)}")
        if not 0 <= key < len(value):
            raise ExprRuntimeError(f"index {key} outside a collection of {len(value)}")
        return value[key]
    if isinstance(key, str):
        return member(value, key)
    raise ExprTypeError(f"indexing a {type_of(value)} with a {type_of(key)}")


def member(value: Any, key: str) -> Any:
    if isinstance(value, Unknown):
        return value
    if is_not_set(value):
        return NotSet()
    if isinstance(value, dict):
        if key in value:
            return value[key]
        low = key.lower()
        for k, v in value.items():
            if str(k).lower() == low:
                return v
        return NotSet()
    attr = getattr(value, "attr", None)
    if attr is not None:
        return attr(key)
    if isinstance(value, Collection) and key.lower() == "count":
        return len(value)
    raise Unsupported(f"property '.{key}' of a {type_of(value)}")
