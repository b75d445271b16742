"""Audio, communications, org objects, phone numbers, email addresses, JSON and language.

Audio is what the caller would hear (text parts), org objects are known by name: nothing here
needs the org. Functions newer than the 2016 catalogue name the Genesys page documenting them.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from ivr_ci.expr.fn_text import text_or_empty
from ivr_ci.expr.registry import (
    EXPRESSION_HELP,
    JSON_HELP,
    Context,
    Registry,
    arg_type_error,
    as_int,
    as_str,
    need,
)
from ivr_ci.expr.values import (
    Audio,
    Collection,
    Communication,
    EmailAddress,
    EnumValue,
    ExprRuntimeError,
    JsonArray,
    NotSet,
    OrgObject,
    PhoneNumber,
    Unsupported,
    decimal_text,
    is_not_set,
    to_string,
)

HELP_FUNCTIONS = EXPRESSION_HELP
HELP_JSON = JSON_HELP
HELP_COMMUNICATION = EXPRESSION_HELP


# --- audio ---------------------------------------------------------------------------------------

def _spoken(value: Any) -> str:
    if isinstance(value, Decimal):
        return decimal_text(value)
    return text_or_empty(value)


def _audio_of(where: str) -> Any:
    def fn(_ctx: Context, value: Any, *_format: Any) -> Audio:
        if isinstance(value, Audio):
            return value
        return Audio(() if is_not_set(value) else (_spoken(value),))
    fn.__name__ = where
    return fn


def _tts(_ctx: Context, text: Any, *_voice: Any) -> Audio:
    if is_not_set(text):
        return Audio(())
    return Audio((as_str(text, "ToAudioTTS"),))


def _blank(_ctx: Context, _ms: Any) -> Audio:
    return Audio(())


def _audio_bool(_ctx: Context, value: Any, *fmt: Any) -> Audio:
    if is_not_set(value):
        return Audio(())
    yes_no = bool(fmt) and isinstance(fmt[0], EnumValue) and fmt[0].path.lower().endswith("playyesno")
    words = ("Yes", "No") if yes_no else ("True", "False")
    return Audio((words[0] if value else words[1],))


def _audio_duration(_ctx: Context, d: Any, *_rest: Any) -> Any:
    if is_not_set(d):
        return NotSet("Audio")  # catalogue: "A NOT_SET Audio."
    if not isinstance(d, timedelta):
        raise arg_type_error("ToAudioDuration", (d,))
    sign = "negative " if d < timedelta(0) else ""
    seconds = int(abs(d).total_seconds())
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    words = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in
             ((hours, "hour"), (minutes, "minute"), (seconds, "second")) if n]
    return Audio((sign + (" ".join(words) or "0 seconds"),))


def _audio_time_range(_ctx: Context, a: Any, b: Any, part: Any) -> Audio:
    """"4 to 6 minutes", "1 hour" (catalogue examples: the smaller bound first)."""
    low, high = sorted((as_int(a, "ToAudioTimeRange"), as_int(b, "ToAudioTimeRange")))
    unit = part.path.rsplit(".", 1)[-1].lower() if isinstance(part, EnumValue) else "minutes"
    if low == high:
        return Audio((f"{low} {unit.rstrip('s') if low == 1 else unit}",))
    return Audio((f"{low} to {high} {unit}",))


def _to_audio(_ctx: Context, value: Any) -> Audio:
    if isinstance(value, Audio):
        return value
    return Audio(() if is_not_set(value) else (f"[prompt {to_string(value)}]",))


def _playback(_ctx: Context, audio: Any, *_flags: Any) -> Any:
    return Audio(()) if is_not_set(audio) else audio


def _find_prompt(kind: str) -> Any:
    def fn(_ctx: Context, name: Any) -> Any:
        if is_not_set(name) or not str(name).strip():
            return NotSet("Prompt")
        text = as_str(name, f"Find{kind}Prompt")
        return Audio((f"[prompt {text}]",))
    return fn


# --- communications (newer than the 2016 catalogue) -------------------------------------------

def _make_comm(_ctx: Context, *parts: Any) -> Communication:
    return Communication("".join(_spoken(p) for p in parts))


def _to_comm(_ctx: Context, value: Any, *_rest: Any) -> Communication:
    if isinstance(value, Audio):
        return Communication(value.text())
    return Communication(_spoken(value))


def _comm_blank(_ctx: Context, *_a: Any) -> Communication:
    return Communication("")


# --- org objects -----------------------------------------------------------------------------------

def _finder(kind: str) -> Any:
    def find(_ctx: Context, name: Any, *_rest: Any) -> Any:
        if is_not_set(name):
            return NotSet(kind)
        if isinstance(name, OrgObject):
            return name
        text = to_string(name)
        return NotSet(kind) if not str(text).strip() else OrgObject(kind, str(text))
    return find


_FINDERS = (("FindQueue", "Queue"), ("FindQueueById", "Queue"), ("FindUser", "User"), ("FindUserById", "User"),
            ("FindGroup", "Group"), ("FindGroupById", "Group"), ("FindSkill", "Skill"),
            ("FindLanguageSkill", "Language Skill"), ("FindScheduleGroup", "ScheduleGroup"),
            ("FindSchedule", "Schedule"), ("FindEmergencyGroup", "EmergencyGroup"),
            ("ToScheduleGroup", "ScheduleGroup"), ("ToQueue", "Queue"), ("ToUser", "User"), ("ToGroup", "Group"),
            ("ToSkill", "Skill"), ("ToLanguageSkill", "Language Skill"), ("ToWrapupCode", "WrapupCode"))


# --- phone numbers and email addresses -----------------------------------------------------------

def _to_phone(_ctx: Context, value: Any) -> Any:
    if is_not_set(value):
        return NotSet("PhoneNumber")
    if isinstance(value, PhoneNumber):
        return value
    return PhoneNumber.parse(as_str(value, "ToPhoneNumber"))


def _audio_phone(_ctx: Context, number: Any, *_fmt: Any) -> Audio:
    if is_not_set(number):
        return Audio(())
    phone = number if isinstance(number, PhoneNumber) else PhoneNumber.parse(as_str(number, "ToAudioPhoneNumber"))
    digits = phone.fields.get("e164", "").lstrip("+")
    return Audio((" ".join(digits),) if digits else ())


def _email(where: str, part: str) -> Any:
    def fn(_ctx: Context, value: Any) -> Any:
        if is_not_set(value):
            return NotSet("String")
        address = value.address if isinstance(value, EmailAddress) else as_str(value, where)
        local, at, domain = address.rpartition("@")
        if not at:
            return NotSet("String")
        return local if part == "local" else domain
    return fn


def _make_email(_ctx: Context, address: Any, name: Any = None) -> EmailAddress:
    text = as_str(address, "MakeEmailAddress")
    return EmailAddress(text, NotSet("String") if name is None or is_not_set(name) else as_str(name, "MakeEmailAddress"))


# --- JSON ------------------------------------------------------------------------------------------

def _from_json(value: Any) -> Any:
    if isinstance(value, list):
        return JsonArray(_from_json(v) for v in value)
    if isinstance(value, dict):
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, float):
        return Decimal(repr(value))
    return NotSet("JSON") if value is None else value


def _json_parse(_ctx: Context, text: Any) -> Any:
    if is_not_set(text):
        return NotSet("JSON")
    try:
        return _from_json(json.loads(as_str(text, "JsonParse"), parse_float=Decimal))
    except json.JSONDecodeError as exc:
        raise ExprRuntimeError(f"JsonParse(): {exc.msg}") from None


def _json_get(_ctx: Context, obj: Any, name: Any) -> Any:
    value = need(obj, "GetJsonObjectProperty")
    key = as_str(name, "GetJsonObjectProperty")
    if not isinstance(value, dict):
        raise ExprRuntimeError("GetJsonObjectProperty(): the value is not a JSON object")
    return value.get(key, NotSet("JSON"))  # property names are case-sensitive (HELP_JSON)


def _is_json_object(_ctx: Context, value: Any) -> bool:
    return isinstance(value, dict)


def _json_names(_ctx: Context, obj: Any) -> Collection:
    value = need(obj, "GetJsonObjectPropertyNames")
    if not isinstance(value, dict):
        raise ExprRuntimeError("GetJsonObjectPropertyNames(): the value is not a JSON object")
    return Collection(list(value), "String")


def _to_json(_ctx: Context, value: Any) -> Any:
    if is_not_set(value):
        return NotSet("JSON")
    if isinstance(value, (dict, JsonArray)):
        return value
    if isinstance(value, str):
        return value
    return _from_json(json.loads(json.dumps(value, default=str)))


def _to_json_collection(_ctx: Context, value: Any) -> Any:
    """A JSON array as a JSON Collection (JSON_HELP: ToJson, ToJsonCollection, JsonParse)."""
    if is_not_set(value):
        return NotSet("JSON Collection")
    if isinstance(value, list):
        return Collection(list(value), "JSON")
    raise ExprRuntimeError("ToJsonCollection(): the value is not a JSON array")


def _set_json(_ctx: Context, obj: Any, name: Any, value: Any) -> dict:
    base = need(obj, "SetJsonObjectProperty")
    if not isinstance(base, dict):
        raise ExprRuntimeError("SetJsonObjectProperty(): the value is not a JSON object")
    return {**base, as_str(name, "SetJsonObjectProperty"): value}


# --- language ---------------------------------------------------------------------------------------

def _detect_language(_ctx: Context, text: Any, default: Any) -> Any:
    """DetectLanguage needs Genesys's language service; blank or NOT_SET text gives the default
    (catalogue examples), anything else cannot be told offline."""
    if is_not_set(text) or not str(text).strip():
        return NotSet("String") if is_not_set(default) else default
    raise Unsupported("DetectLanguage() needs Genesys's language detection service")


def register(reg: Registry) -> None:
    reg.add("ToAudioTTS")(_tts)
    reg.add("ToAudioBlank")(_blank)
    reg.add("ToAudioBool")(_audio_bool)
    reg.add("ToAudioDuration")(_audio_duration)
    reg.add("ToAudioNumber", "ToAudioDigits")(_audio_of("ToAudioNumber"))
    for name in ("ToAudioNumberOrdinal", "ToAudioCurrency", "ToAudioPercent", "ToAudioDate", "ToAudioDateTime",
                 "ToAudioTime"):
        reg.add(name)(_audio_of(name))
    reg.add("ToAudioTimeRange")(_audio_time_range)
    reg.add("ToAudioPhoneNumber")(_audio_phone)
    reg.add("ToAudio")(_to_audio)
    reg.add("AudioPlaybackOptions")(_playback)
    reg.add("FindSystemPrompt")(_find_prompt("System"))
    reg.add("FindUserPrompt")(_find_prompt("User"))
    reg.add("MakeCommunication", source=HELP_COMMUNICATION)(_make_comm)
    reg.add("ToCommunication", source=HELP_COMMUNICATION)(_to_comm)
    reg.add("ToCommunicationSsml", source=HELP_COMMUNICATION)(_to_comm)
    reg.add("ToCommunicationBlank", source=HELP_COMMUNICATION)(_comm_blank)
    for name, kind in _FINDERS:
        reg.add(name, source="catalogue" if not name.endswith(("ById", "ScheduleGroup", "Schedule",
                                                                 "EmergencyGroup", "Group")) else HELP_FUNCTIONS)(
            _finder(kind))
    reg.add("ToPhoneNumber")(_to_phone)
    reg.add("EmailAddressDomainPart")(_email("EmailAddressDomainPart", "domain"))
    reg.add("EmailAddressLocalPart")(_email("EmailAddressLocalPart", "local"))
    reg.add("MakeEmailAddress")(_make_email)
    reg.add("JsonParse", source=HELP_JSON)(_json_parse)
    reg.add("ToJson", source=HELP_JSON)(_to_json)
    reg.add("ToJsonCollection", source=HELP_JSON)(_to_json_collection)
    reg.add("GetJsonObjectProperty", source=HELP_FUNCTIONS)(_json_get)
    reg.add("GetJsonObjectPropertyNames", source=HELP_FUNCTIONS)(_json_names)
    reg.add("IsJsonObject", source=HELP_FUNCTIONS)(_is_json_object)
    reg.add("SetJsonObjectProperty", source=HELP_FUNCTIONS)(_set_json)
    reg.add("DetectLanguage")(_detect_language)
