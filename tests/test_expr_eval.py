"""The evaluator's Architect semantics, and `ivr-ci expr` (value, type, errors, JSON lines)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from ivr_ci.cli import main
from ivr_ci.expr.evaluate import Bindings, evaluate_text
from ivr_ci.expr.functions import build_registry
from ivr_ci.expr.registry import Registry
from ivr_ci.expr.values import (
    Collection,
    Currency,
    ExprRuntimeError,
    ExprTypeError,
    NotSet,
    Unsupported,
    display,
    type_of,
)

AT = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


def ev(text: str, **values):
    return evaluate_text(text, Bindings({k.replace("__", "."): v for k, v in values.items()}, AT))


@pytest.mark.parametrize("text, shown, atype", [
    ("7 * 12.2", "85.4", "Decimal"),             # exact decimals, not 85.39999999999999
    ("7.5 * 12.2", "91.5", "Decimal"),
    ("0.1 + 0.2", "0.3", "Decimal"),
    ("42 / 8", "5.25", "Decimal"),               # Integer / Integer is a Decimal
    ("2 + 3", "5", "Integer"),
    ("2 ^ 3", "8.0", "Decimal"),                 # ^ is a power, always Decimal
    ("81 ^ 0.5", "9.0", "Decimal"),
    ("-7 % 3", "-1", "Integer"),                 # the remainder takes the dividend's sign
    ("3 & 9", "1", "Integer"),
    ("-2 | 5", "-1", "Integer"),
    ("~ 256", "-257", "Integer"),
    ("5>3 ? \"hello\" : \"world\"", '"hello"', "String"),
    ("ToInt(NOT_SET) == ToDecimal(NOT_SET)", "true", "Boolean"),
    ("5 == 5.0", "true", "Boolean"),
    ("Sum(ToDecimal(NOT_SET), ToDecimal(NOT_SET))", "0.0", "Decimal"),  # NOT_SET is typed
    ("Sum(MakeEmptyList(ToInt(NOT_SET)))", "0", "Integer"),
    ("Average(8, 4)", "6.0", "Decimal"),
    ("Round(-3.6)", "-4.0", "Decimal"),
    ("Round(3.225, 2)", "3.23", "Decimal"),
    ('Compare("hello", "Hello")', "-1", "Integer"),  # collation: lower case first
    ('"Hello" < "World"', "true", "Boolean"),
    ('FindString("Hello Hello", "l", 3)', "8", "Integer"),
    ('Append("Hello", NOT_SET)', '"Hello"', "String"),
    ('ToString(MakeDuration(-10, 5, 30, 0, 456))', '"-P9DT18H29M59.544S"', "String"),
    ('ToString(MakeDateTime(2009, 1, 10, 6, 30, 0))', '"2009-01-10T06:30:00Z"', "String"),
    ('ToString(MakeCurrency(1.125, "USD"), 2)', '"1.13|USD"', "String"),
    ('WeekNum(MakeDateTime(2009, 12, 31, 3, 0, 0))', "53", "Integer"),
    ('ToPhoneNumber("tel:+13178723000") == ToPhoneNumber("13178723000")', "true", "Boolean"),
    ('MakeCurrency(5.25, "USD")["code"]', '"USD"', "String"),
    ('ToDuration("PT1H15M30.250567S")', 'ToDuration("PT1H15M30.25S")', "Duration"),
    ('MakeList(1, 2)', "MakeList(1, 2)", "Integer Collection"),
    ('MakeEmptyList(ToString(NOT_SET))', "MakeEmptyList(ToString(NOT_SET))", "String Collection"),
    ('ToString(NOT_SET)', "NOT_SET", "String"),
    ('AddMonths(MakeDateTime(2009, 1, 31, 6, 30, 0), 1)', 'ToDateTime("2009-02-28T06:30:00Z")', "DateTime"),
    ('ToDateTime("2009-01-10T06:30:00-07:00")', 'ToDateTime("2009-01-10T13:30:00Z")', "DateTime"),
    ('MakeCommunication("Hi ", 5)', 'ToCommunication("Hi 5")', "Communication"),
])
def test_values_types_and_display(text, shown, atype):
    value = ev(text)
    assert (display(value), type_of(value)) == (shown, atype)


def test_runtime_errors_type_errors_and_what_cannot_be_known_offline():
    with pytest.raises(ExprRuntimeError):
        ev('ToInt("A String")')  # the catalogue: "This would result in an error at runtime."
    with pytest.raises(ExprRuntimeError):
        ev("1 / 0")
    with pytest.raises(ExprRuntimeError):
        ev("Flow.x + 1", Flow__x=NotSet("Integer"))
    with pytest.raises(ExprTypeError):
        ev('Append("a", 5)')  # Architect does not cast arguments
    with pytest.raises(ExprTypeError):
        ev("Substring(\"abc\")")
    with pytest.raises(Unsupported):
        ev('DetectLanguage("Bonjour tout le monde", "en")')


def test_currency_and_collections_keep_their_types():
    assert ev('MakeCurrency(2.50, "USD") * 2') == Currency(Decimal("5.0"), "USD")
    items = ev('Split("a,b", ",")')
    assert isinstance(items, Collection) and items.item_type == "String" and items == ["a", "b"]
    assert ev("Flow.n * 2", Flow__n=21) == 42
    assert ev("DateTimeDiff(AddHours(GetCurrentDateTimeUtc(), 2), GetCurrentDateTimeUtc())") == timedelta(hours=2)


def test_the_registry_is_built_explicitly_not_on_import():
    fresh = build_registry()
    assert isinstance(fresh, Registry) and fresh is not build_registry()
    assert {"append", "tostring", "makecommunication", "jsonparse"} <= set(fresh.functions)
    assert "if" in fresh.lazy
    assert Registry().functions == {}  # nothing fills a registry by importing a module
    newer = [n for n, src in fresh.sources.items() if src != "catalogue" and not src.startswith("alias of ")]
    assert "MakeCommunication" in newer and all(fresh.sources[n].startswith("https://") for n in newer)


# --- the command -----------------------------------------------------------------------------------

def test_expr_prints_value_and_type(capsys):
    assert main(["expr", "7 * 12.2"]) == 0
    assert capsys.readouterr().out.splitlines() == ["85.4", "type: Decimal"]
    assert main(["expr", "Flow.x + 1", "--set", "Flow.x=3"]) == 0
    assert capsys.readouterr().out.splitlines() == ["4", "type: Integer"]
    assert main(["expr", "Hour(GetCurrentDateTimeUtc())", "--at", "2026-11-23T10:00"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "10"


def test_expr_errors_exit_1_and_usage_exits_2(capsys):
    assert main(["expr", 'Append("a", 5)']) == 1
    assert "type error" in capsys.readouterr().err
    assert main(["expr", "Flow.x"]) == 1
    assert "--set Flow.x" in capsys.readouterr().err
    assert main(["expr", 'Append("a",']) == 1
    assert "syntax error" in capsys.readouterr().err
    assert main(["expr"]) == 2
    assert main(["expr", "1", "--set", "nodot=1"]) == 2
    assert main(["expr", "1", "--at", "yesterday"]) == 2


def test_expr_json_lines_from_stdin():
    lines = ["7 * 12.2", "", 'Left("Hello", 2)', "ToInt(NOT_SET)", "Append(\"a\","]
    proc = subprocess.run([sys.executable, "-m", "ivr_ci", "expr", "--json", "-"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=60)
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 1  # one expression errors
    assert [r["expression"] for r in rows] == ["7 * 12.2", 'Left("Hello", 2)', "ToInt(NOT_SET)", "Append(\"a\","]
    assert all(set(r) == {"expression", "type", "value", "display", "error"} for r in rows)
    assert rows[0] == {"expression": "7 * 12.2", "type": "Decimal", "value": 85.4, "display": "85.4", "error": None}
    assert (rows[1]["display"], rows[1]["value"], rows[1]["type"]) == ('"He"', "He", "String")
    assert (rows[2]["display"], rows[2]["value"], rows[2]["type"]) == ("NOT_SET", None, "Integer")
    assert rows[3]["error"].startswith("syntax error") and rows[3]["display"] is None


@pytest.mark.parametrize("text, shown", [  # help.mypurecloud.com/articles/modify-collection-values/
    ("AddItem(MakeList(3, 4), 5)", "MakeList(3, 4, 5)"),
    ("AddItemAt(MakeList(3, 4), 0, 7)", "MakeList(7, 3, 4)"),
    ("RemoveDups(MakeList(1, 2, 1, 3))", "MakeList(1, 2, 3)"),
    ("RemoveItem(MakeList(1, 2, 1), 1)", "MakeList(2)"),
    ("RemoveItemAt(MakeList(1, 2, 3), 1)", "MakeList(1, 3)"),
    ("ReplaceItem(MakeList(1, 2, 1), 1, 9)", "MakeList(9, 2, 9)"),
    ("ReplaceItemFirst(MakeList(1, 2, 1), 1, 9)", "MakeList(9, 2, 1)"),
    ("ReplaceItemAt(MakeList(1, 2), 1, 5)", "MakeList(1, 5)"),
    ('RemoveItem(MakeList("a"), "a")', "MakeEmptyList(ToString(NOT_SET))"),  # the empty list keeps its type
    ('Count(ToJsonCollection(JsonParse("[1, {\\"a\\": 2}]")))', "2"),
    ('GetJsonObjectProperty(JsonParse("{\\"Tier\\": 1}"), "tier")', "NOT_SET"),  # names are case-sensitive
])
def test_collection_and_json_functions_from_genesys_docs(text, shown):
    assert display(ev(text)) == shown


def test_collection_index_outside_is_a_runtime_error():
    with pytest.raises(ExprRuntimeError):
        ev("RemoveItemAt(MakeList(1, 2), 5)")
    with pytest.raises(ExprRuntimeError):
        ev("GetAt(MakeList(1, 2), 2)")


@pytest.mark.parametrize("text, shown", [  # catalogue examples whose result is written in words
    ("RoundUp(MakeDuration(0, 0, 2, 35, 0))", 'ToDuration("PT5M")'),  # "A 5 minute Duration."
    ("RoundUp(MakeDuration(0, 0, 0, 37, 0))", 'ToDuration("PT1M")'),
    ("RoundUp(MakeDuration(0, 0, 2, 35, 0), MakeDuration(0, 0, 5, 0, 0), MakeList(MakeDuration(0, 0, 1, 0, 0), "
     "MakeDuration(0, 0, 2, 30, 0), MakeDuration(0, 0, 4, 0, 0)))", 'ToDuration("PT4M")'),
    ("Range(MakeDuration(0, 5, 0, 0, 0), MakeDuration(0, 2, 0, 0, 0))",
     'MakeList(ToDuration("PT3H"), ToDuration("PT7H"))'),
    ("ToAudioTimeRange(15, 8, Format.TimePart.minutes)", 'ToAudioTTS("8 to 15 minutes")'),
    ("MakeDuration(-10, 0, 30, 0)", 'ToDuration("-P9DT23H30M")'),  # "A negative Duration of 9 days, 23 hours and 30 minutes"
    ("GetDayOfWeekOccurrence(2, 53, 2017)", "NOT_SET"),  # no 53rd Monday in 2017
    ('Split("Hello World", "l")', 'MakeList("He", "", "o Wor", "d")'),
    ('ToString(MakeList(2000.5, -1.0), 2)', '"2000.50\\n-1.00"'),
    ('Sum(MakeCurrency(3.50, "USD"), MakeCurrency(5.50, "USD"))', 'MakeCurrency(9.00, "USD")'),
])
def test_worded_catalogue_examples(text, shown):
    assert display(ev(text)) == shown


def test_expr_type_errors_are_architects_verdict(capsys):
    # ivr_ci.expr.check gives the verdict, worded as Architect's checker words it
    assert main(["expr", 'If(5, "a", "b")']) == 1
    assert "There is no implementation that accepts parameters of Integer, String and String" in capsys.readouterr().err
    assert main(["expr", "Flow.x * 2", "--set", "Flow.x=2.5"]) == 0
    assert capsys.readouterr().out.splitlines() == ["5.0", "type: Decimal"]
