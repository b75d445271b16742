"""Numbers and currency: Ceiling, Floor, Round, Sum, Average, ToInt, ToDecimal, ToBool, the
currency functions (catalogue: purecloud-flow-scripting-api-sdk-javascript 0.0.18)."""

from __future__ import annotations

import decimal
from datetime import timedelta
from decimal import Decimal
from typing import Any

from ivr_ci.expr.ops import DECIMAL_CONTEXT, arithmetic
from ivr_ci.expr.registry import EXPRESSION_HELP, Context, Registry, arg_type_error, as_int, as_str, need
from ivr_ci.expr.values import (
    Collection,
    Currency,
    ExprRuntimeError,
    ExprTypeError,
    NotSet,
    is_not_set,
    is_number,
    normal,
    type_of,
)

# Java's Currency.getSymbol() in an en-US locale for the codes flows use most.
CURRENCY_SYMBOLS = {
    "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$", "NZD": "NZ$", "CNY": "CN¥",
    "INR": "₹", "KRW": "₩", "BRL": "R$", "MXN": "MX$", "ILS": "₪", "VND": "₫", "TWD": "NT$", "HKD": "HK$",
    "XAF": "FCFA", "XOF": "CFA", "XPF": "CFPF", "XCD": "EC$", "PHP": "₱",
}


def _values(args: tuple, where: str) -> tuple[list, str | None]:
    """Varargs or one collection -> the items and the item type (typed NOT_SETs count for it)."""
    if len(args) == 1 and isinstance(args[0], list):
        items = list(args[0])
        item_type = args[0].item_type if isinstance(args[0], Collection) else None
    else:
        items = list(args)
        item_type = None
    if item_type is None:
        item_type = next((type_of(v) for v in items if not is_not_set(v)), None)
    if item_type is None:
        item_type = next((v.type for v in items if isinstance(v, NotSet) and v.type), None)
    if item_type is None and items:
        raise ExprTypeError(f"{where}() cannot tell the type of only bare NOT_SETs")
    return [v for v in items if not is_not_set(v)], item_type


def _zero(item_type: str | None, where: str) -> Any:
    if item_type == "Integer":
        return 0
    if item_type == "Decimal":
        return Decimal("0.0")
    if item_type == "Duration":
        return timedelta(0)
    if item_type == "Currency":
        return Currency(Decimal("0.0"), NotSet("String"))
    raise ExprTypeError(f"{where}() takes numbers, currencies or durations, not {item_type}")


def _rounder(mode: str) -> Any:
    def round_value(_ctx: Context, value: Any, places: Any = None) -> Any:
        where = {decimal.ROUND_CEILING: "Ceiling", decimal.ROUND_FLOOR: "Floor"}.get(mode, "Round")
        need(value, where)
        digits = 0 if places is None else as_int(places, where)
        if isinstance(value, Currency):
            if is_not_set(value.amount):
                raise ExprRuntimeError(f"{where}(): a Currency with a NOT_SET amount")
            return Currency(_round(value.amount, digits, mode).quantize(Decimal("0.01")), value.code)
        if isinstance(value, bool) or not is_number(value):
            raise arg_type_error(where, (value,))
        if isinstance(value, int):
            return value
        return normal(_round(value, digits, mode))
    return round_value


def _round(value: Any, digits: int, mode: str) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=mode, context=DECIMAL_CONTEXT)


def _sum(_ctx: Context, *args: Any) -> Any:
    items, item_type = _values(args, "Sum")
    total = _zero(item_type, "Sum")
    for v in items:
        if isinstance(v, Currency) and is_not_set(v.amount):
            v = Currency(Decimal(0), v.code)
        if isinstance(total, Currency) and is_not_set(total.code) and isinstance(v, Currency):
            total = Currency(total.amount, v.code)
        total = arithmetic("+", total, v)
    return total


def _average(_ctx: Context, *args: Any) -> Any:
    items, item_type = _values(args, "Average")
    if item_type == "Integer":
        item_type = "Decimal"
    total = _sum(_ctx, *items) if items else _zero(item_type, "Average")
    if not items:
        return total
    if isinstance(total, timedelta):
        return total / len(items)
    if isinstance(total, int):
        total = Decimal(total)
    return arithmetic("/", total, len(items))


def _to_int(_ctx: Context, value: Any) -> Any:
    if is_not_set(value):
        return NotSet("Integer")
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return int(value)  # toward zero: ToInt(-5.7) is -5
    if isinstance(value, timedelta):
        return round(value / timedelta(milliseconds=1))
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return NotSet("Integer")
        try:
            return int(text)
        except ValueError:
            try:
                return int(Decimal(text))
            except decimal.InvalidOperation:
                raise ExprRuntimeError(f"ToInt(): \"{value}\" is not a number") from None
    raise arg_type_error("ToInt", (value,))


def _to_decimal(_ctx: Context, value: Any) -> Any:
    if is_not_set(value):
        return NotSet("Decimal")
    if isinstance(value, bool):
        return Decimal("1.0") if value else Decimal("0.0")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Currency):
        return value.amount if not is_not_set(value.amount) else NotSet("Decimal")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return NotSet("Decimal")
        try:
            result = Decimal(text)
        except decimal.InvalidOperation:
            raise ExprRuntimeError(f"ToDecimal(): \"{value}\" is not a number") from None
        if not result.is_finite():
            raise ExprRuntimeError(f"ToDecimal(): \"{value}\" is not a number")
        return result
    raise arg_type_error("ToDecimal", (value,))


_TRUE = frozenset({"true", "t", "1", "yes", "y"})
_FALSE = frozenset({"false", "f", "0", "no", "n"})


def _to_bool(_ctx: Context, value: Any) -> Any:
    if is_not_set(value):
        return NotSet("Boolean")
    if isinstance(value, bool):
        return value
    if is_number(value):
        return value != 0
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        if not low:
            return NotSet("Boolean")
        raise ExprRuntimeError(f"ToBool(): \"{value}\" is not a Boolean")
    raise arg_type_error("ToBool", (value,))


# --- currency ------------------------------------------------------------------------------------

def _make_currency(_ctx: Context, amount: Any, code: Any) -> Currency:
    if not is_not_set(amount) and (isinstance(amount, bool) or not is_number(amount)):
        raise arg_type_error("MakeCurrency", (amount, code))
    if not is_not_set(code) and not isinstance(code, str):
        raise arg_type_error("MakeCurrency", (amount, code))
    return Currency(NotSet("Decimal") if is_not_set(amount) else Decimal(amount),
                    NotSet("String") if is_not_set(code) else str(code))


def _make_list_currency(ctx: Context, amounts: Any, codes: Any) -> Collection:
    need(amounts, "MakeListCurrency")
    if isinstance(codes, list):
        if len(codes) != len(amounts):
            raise ExprRuntimeError("MakeListCurrency(): as many codes as amounts are needed")
        return Collection([_make_currency(ctx, a, c) for a, c in zip(amounts, codes, strict=True)], "Currency")
    return Collection([_make_currency(ctx, a, codes) for a in amounts], "Currency")


def _to_currency(_ctx: Context, value: Any) -> Any:
    if is_not_set(value):
        return NotSet("Currency")
    if isinstance(value, Currency):
        return value
    if is_number(value) and not isinstance(value, bool):
        return Currency(Decimal(value), NotSet("String"))
    if isinstance(value, str):
        amount, _, code = value.partition("|")
        try:
            dec: Any = Decimal(amount.strip()) if amount.strip() else NotSet("Decimal")
        except decimal.InvalidOperation:
            raise ExprRuntimeError(f"ToCurrency(): \"{value}\" is not amount|code") from None
        return Currency(dec, code.strip() or NotSet("String"))
    raise arg_type_error("ToCurrency", (value,))


def _currency_symbol(_ctx: Context, value: Any) -> Any:
    if isinstance(value, Currency):
        value = value.code
    if is_not_set(value):
        return NotSet("String")
    code = as_str(value, "GetCurrencySymbol").upper()
    return CURRENCY_SYMBOLS.get(code, code)


def _convert_currency(_ctx: Context, money: Any, code: Any, rate: Any = None) -> Any:
    if is_not_set(money):
        return NotSet("Currency")
    if not isinstance(money, Currency):
        raise arg_type_error("ConvertCurrency", (money, code))
    new_code = NotSet("String") if is_not_set(code) else as_str(code, "ConvertCurrency")
    if rate is None or not isinstance(money.amount, Decimal):
        return Currency(money.amount, new_code)
    factor = need(rate, "ConvertCurrency")
    if not is_number(factor):
        raise arg_type_error("ConvertCurrency", (money, code, rate))
    return Currency(normal(DECIMAL_CONTEXT.multiply(money.amount, Decimal(factor))), new_code)


def register(reg: Registry) -> None:
    reg.add("Ceiling")(_rounder(decimal.ROUND_CEILING))
    reg.add("Floor")(_rounder(decimal.ROUND_FLOOR))
    reg.add("Round")(_rounder(decimal.ROUND_HALF_UP))
    reg.add("Sum")(_sum)
    reg.add("Average")(_average)
    reg.add("ToInt")(_to_int)
    reg.add("ToDecimal")(_to_decimal)
    reg.add("ToBool")(_to_bool)
    reg.add("MakeCurrency")(_make_currency)
    reg.add("MakeListCurrency")(_make_list_currency)
    reg.add("ToCurrency")(_to_currency)
    reg.add("GetCurrencySymbol")(_currency_symbol)
    reg.add("ConvertCurrency")(_convert_currency)
    reg.add("Abs", source=EXPRESSION_HELP)(_abs)
    reg.add("Min", source=EXPRESSION_HELP)(_min_max(min))
    reg.add("Max", source=EXPRESSION_HELP)(_min_max(max))


def _abs(_ctx: Context, value: Any) -> Any:
    value = need(value, "Abs")
    if isinstance(value, bool) or not is_number(value):
        if isinstance(value, timedelta):
            return abs(value)
        raise arg_type_error("Abs", (value,))
    return abs(value)


def _min_max(pick: Any) -> Any:
    def fn(_ctx: Context, *args: Any) -> Any:
        items, _ = _values(args, pick.__name__.title())
        if not items:
            raise ExprRuntimeError(f"{pick.__name__.title()}(): no values that are set")
        return pick(items)
    return fn



