"""lint-menu rules on what callers hear: announced keys and per-language prompts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ivr_ci.rules.catalogue import Hit, rule
from ivr_ci.rules.context import FlowContext, key_line
from ivr_ci.rules.menu_common import choice_label, menu_label
from ivr_ci.rules.prompt_text import announced_keys, tts_texts

_KEY_ORDER = "1234567890*#"


def _keys(keys: set[str]) -> str:
    return ", ".join(sorted(keys, key=_KEY_ORDER.index))


@rule(
    "IVR110", "prompt-keys-mismatch", stage="lint-menu", severity="warning",
    summary="the keys a menu prompt announces differ from the keys its choices answer",
    rationale="""
        Prompts are edited separately from choices and drift: published flows tell callers to
        "press 9 to disconnect" in a menu with no 9, or keep choices the prompt never
        mentions. A caller pressing an announced key that nothing answers hears the prompt
        again and again. Keys are read from the menu's TTS (`tts:` or `ToAudioTTS("...")` in
        `exp:`) by phrase: "press 3 for...", "for sales press 1", "dial 2", "press one",
        "press the star key", "press 1, 2 or 3". Recorded prompts (`prompt:`) and prompts
        that announce no key at all (speech menus) are not checked.
    """,
    bad="""
        audio: {tts: "Press 1 for sales, press 2 for support."}
        choices:
          - menuTransferToAcd: {name: Sales, dtmf: digit_1, ...}
          - menuTransferToAcd: {name: Support, dtmf: digit_3, ...}
    """,
    good="""
        audio: {tts: "Press 1 for sales, press 2 for support."}
        choices:
          - menuTransferToAcd: {name: Sales, dtmf: digit_1, ...}
          - menuTransferToAcd: {name: Support, dtmf: digit_2, ...}
    """,
)
def prompt_keys_mismatch(ctx: FlowContext) -> Iterator[Hit]:
    for menu in ctx.flow.menus:
        said: set[str] = set()
        for text in tts_texts(menu.audio):
            said |= announced_keys(text)
        if not said:
            continue
        offered = {c.digit: c for c in reversed(menu.choices) if c.digit is not None}
        missing, silent = said - offered.keys(), offered.keys() - said
        if not missing and not silent:
            continue
        parts = []
        if missing:
            parts.append(f"announces {_keys(missing)} but no choice answers "
                         f"{'it' if len(missing) == 1 else 'them'}")
        if silent:
            names = ", ".join(choice_label(offered[k]) for k in sorted(silent, key=_KEY_ORDER.index))
            parts.append(f"never announces {_keys(silent)} (choice {names})")
        yield Hit(key_line(menu.raw, "audio", menu.line), message=(
            f"menu {menu_label(menu)}: the prompt {' and '.join(parts)}; make the prompt and the "
            "choices agree"))


_LANG_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$", re.IGNORECASE)


def _language_keys(audio: dict) -> set[str] | None:
    """Languages of a per-language audio mapping `{en-us: ..., fr-fr: ...}`, else None."""
    keys = [k for k in audio if isinstance(k, str)]
    if keys and all(_LANG_RE.match(k) for k in keys) and not {"tts", "exp", "prompt"} & set(keys):
        return {k.lower() for k in keys}
    return None


def _uncovered(audio: Any, languages: list[str]) -> tuple[str, list[str]] | None:
    """(what the audio is, languages it cannot serve), or None when it serves them all."""
    if not isinstance(audio, dict):
        return None
    per_language = _language_keys(audio)
    if per_language is not None:
        missing = [lang for lang in languages if lang.lower() not in per_language]
        return ("per-language audio", missing) if missing else None
    if "prompt" in audio:
        return None  # user prompts hold one recording per language
    exp = audio.get("exp")
    if isinstance(exp, str) and ("Prompt." in exp or "Language" in exp):
        return None  # recorded prompts, or text chosen by the call's language
    if isinstance(audio.get("tts"), str) or (isinstance(exp, str) and "ToAudioTTS" in exp):
        return "single-language TTS text", languages[1:]
    return None


@rule(
    "IVR111", "prompt-language-missing", stage="lint-menu", severity="warning",
    summary="a multi-language flow has a menu prompt or greeting that serves only one language",
    rationale="""
        With several `supportedLanguages`, each caller hears the flow in their language. Archy
        TTS is one text (`tts: ...` or `ToAudioTTS("...")`): it is read as written whatever the
        caller's language, so everyone but the default-language callers hears a foreign
        prompt. Recorded prompts (`prompt: Prompt.X`, `ToAudio(Prompt.X)`) carry one resource
        per language and pass; so does an expression that picks the text by language
        (mentions `Language`), and a per-language audio mapping that lists every supported
        language. No published corpus flow supports two languages; the rule is defined on
        these Archy shapes. Checked: `initialGreeting` and every menu's `audio`.
    """,
    bad="""
        supportedLanguages: {en-us: {...}, es-us: {...}}
        initialGreeting: {tts: Welcome to Acme}
    """,
    good="""
        supportedLanguages: {en-us: {...}, es-us: {...}}
        initialGreeting: {exp: "ToAudio(Prompt.Welcome)"}   # recorded in both languages
    """,
)
def prompt_language_missing(ctx: FlowContext) -> Iterator[Hit]:
    flow = ctx.flow
    languages = list(flow.supported_languages)
    if len(languages) < 2:
        return
    default = str(flow.default_language or "").lower()
    languages.sort(key=lambda lang: lang.lower() != default)  # default first: TTS is in it
    spoken = [("initial greeting", flow.initial_greeting, key_line(flow.raw, "initialGreeting", flow.line))]
    spoken += [(f"menu {menu_label(m)}", m.audio, key_line(m.raw, "audio", m.line)) for m in flow.menus]
    for what, audio, line in spoken:
        found = _uncovered(audio, languages)
        if found:
            shape, missing = found
            yield Hit(line, message=(
                f"{what}: {shape} leaves {', '.join(missing)} callers without a prompt in their "
                "language; use a recorded prompt (Prompt.X) with a resource per language, or choose "
                "the text by Call.Language"))
