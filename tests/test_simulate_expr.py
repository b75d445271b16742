"""Expressions as the simulator follows them: the expression engine (ivr_ci.expr) over the
simulation's variables: operators, NOT_SET, unknowns, functions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from ivr_ci.expr import ExprSyntaxError, parse
from ivr_ci.expr.evaluate import evaluate_text
from ivr_ci.expr.values import Audio, ExprRuntimeError, NotSet, OrgObject, Unknown, Unsupported
from ivr_ci.simulate.state import Variables

MONDAY_10_UTC = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


def ev(text: str, now: datetime | None = MONDAY_10_UTC, **variables):
    vs = Variables({k.replace("__", "."): v for k, v in variables.items()}, now)
    vs.apply_pins()
    return evaluate_text(text, vs)


@pytest.mark.parametrize("text, expected", [
    ('1 + 2 * 3 == 7', True),
    ('(1 + 2) * 3', 9),
    ('!(1 == 2) and 3 >= 3', True),  # Architect has no `not` keyword: `!`
    ('!IsNotSetOrEmpty("x") AND 2 != 3', True),
    ('"a" + "b" + ToString(1)', "ab1"),
    ('10 / 4', Decimal("2.5")),
    ('7 * 12.2', Decimal("85.4")),  # exact, not 85.39999999999999
    ('7 % 4 - -1', 4),
    ('If(1 > 2, "big", "small")', "small"),
    ('Append("a", NOT_SET, "b")', "ab"),
    ('ToDisplayString(NOT_SET) == ""', True),
    ('ToString(NOT_SET) == ""', False),  # Architect: a NOT_SET string is not the empty string
    ('IsSet(NOT_SET) or IsNotSetOrEmpty("")', True),
    ('Substring("T0H1M0S", FindString("T0H1M0S", "H") + 1, 1)', "1"),
    ('ToInt("42") + Count(MakeList(1, 2, 3))', 45),
    ('Contains(Lower("Sales Team"), "sales") and StartsWith("+4420", "+44")', True),
    ('GetAt(Split("a,b,c", ","), 2)', "c"),
    ('GetJsonObjectProperty(JsonParse("{\\"tier\\": \\"gold\\"}"), "tier")', "gold"),
    ('Trim(Replace("  x-y ", "-", "+"))', "x+y"),
])
def test_operators_and_functions(text, expected):
    assert ev(text) == expected


def test_variables_are_case_insensitive_and_typed_by_use():
    assert ev("Flow.Choice == \"2\"", Flow__choice="2") is True
    assert ev("Task.n > 5", Task__n="12") is True  # command-line text compared as a number
    assert isinstance(ev("Flow.never"), NotSet)  # a flow variable nobody assigned


def test_time_functions_use_the_simulated_clock():
    assert ev("Hour(GetCurrentDateTimeUtc())") == 10
    assert ev("GetDayOfWeek(GetCurrentDateTimeUtc())") == 2  # Sunday = 1, so Monday = 2
    assert ev("DateTimeDiff(AddHours(GetCurrentDateTimeUtc(), 2), GetCurrentDateTimeUtc())") == timedelta(hours=2)
    assert ev("ToDateTime(\"2026-11-23T09:00:00Z\") < GetCurrentDateTimeUtc()") is True


def test_unknown_values_propagate_unless_the_answer_does_not_need_them():
    missing = ev("Call.Ani == \"+1555\"")
    assert isinstance(missing, Unknown) and "Call.Ani" in missing.reason and "--set Call.Ani" in missing.reason
    assert ev("1 == 2 and Call.Ani == \"x\"") is False
    assert ev("1 == 1 or Call.Ani == \"x\"") is True
    assert ev("If(true, \"known\", Call.Ani)") == "known"
    assert isinstance(ev("Hour(GetCurrentDateTimeUtc())", now=None), Unknown)
    assert ev("Call.Ani", Call__Ani="+15551234") == "+15551234"


def test_not_set_where_architect_forbids_it_is_a_runtime_error():
    # ToInt takes NOT_SET (the catalogue: "ToInt(NOT_SET)" is "A NOT_SET Integer"); the old
    # simulator raised here, which sent such paths to the error handler.
    missing = ev("ToInt(Flow.missing)")
    assert isinstance(missing, NotSet) and missing.type == "Integer"
    with pytest.raises(ExprRuntimeError):
        ev("Flow.missing + 5")
    with pytest.raises(ExprRuntimeError):
        ev("Flow.missing < 3")
    with pytest.raises(ExprRuntimeError):
        ev('ToInt("abc")')


def test_outside_the_subset_is_named_never_guessed():
    with pytest.raises(Unsupported, match=r"ResolveSlot\(\)"):
        ev('ResolveSlot("a")')
    with pytest.raises(Unsupported, match="placeholder"):
        ev("Flow.x == {{region}}")
    with pytest.raises(ExprSyntaxError):
        parse("1 +")


def test_audio_and_org_objects():
    audio = ev('AudioPlaybackOptions(Append(ToAudioTTS("Hi"), ToAudioBlank(100), ToAudioNumber(3), '
               'ToAudio(Prompt.Welcome)), true)')
    assert isinstance(audio, Audio) and audio.text() == "Hi 3 [prompt Prompt.Welcome]"
    assert ev('FindQueue("Sales")') == OrgObject("Queue", "Sales")
    assert ev('FindQueue("Sales").name') == "Sales"
    assert ev('ToPhoneNumber("+1 (555) 123").e164') == "+1555123"
    assert ev('MakeCommunication("Hello ", ToCommunication("there"))') == "Hello there"
