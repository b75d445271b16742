"""What a prompt says: TTS text out of Archy audio values, and the keys it announces.

Audio is written `tts: <text>`, `exp: AudioPlaybackOptions(Append(ToAudioTTS("..."), ...))`
or `prompt: Prompt.X` (a recorded prompt: no text to read). Announced keys are found by
phrase: "press 3 for...", "for sales press 1", "dial 2", "press one", "press the star
key", lists such as "press 1, 2 or 3" and "press 1 for X, 2 for Y"; a few French and
Spanish verbs too (the corpus has French prompts).
"""

from __future__ import annotations

import re
from typing import Any

_TTS_CALL_RE = re.compile(r'ToAudioTTS\s*\(\s*"((?:[^"\\]|\\.)*)"')

_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "star": "*", "asterisk": "*",
    "pound": "#", "hash": "#", "#": "#", "*": "*",
    # fr / es
    "étoile": "*", "etoile": "*", "dièse": "#", "diese": "#", "asterisco": "*", "numeral": "#",
}
_KEY = (r"(?:(?<!\d)\d(?![\d,.-]\d|-\d)|zero|one(?!\s+(?:of|moment|more|another)\b)|two|three|four|five|six|"
        r"seven|eight|nine|star|asterisk|pound|hash|[#*]|étoile|etoile|dièse|diese|asterisco|numeral)")
_VERB = (r"(?:press(?:ing)?|dial(?:ling)?|enter|select|push|hit|touch|key\s+in|"
         r"appuyez(?:\s+sur)?|tapez|faites(?:\s+le)?|composez(?:\s+le)?|"
         r"oprima|marque|presione|pulse)")
_FILLER = r"(?:(?:the|la|le|el|touche|tecla|number|digit|key|button)\s+)*"
_LIST = rf"(?:\s*(?:,|\bor\b|\band\b|\bou\b|\bo\b|\by\b|\bet\b)\s*(?:then\s+)?{_FILLER}({_KEY})(?!\w))"
_PRESS_RE = re.compile(rf"\b{_VERB}\s*{_FILLER}({_KEY})(?!\w)((?:{_LIST})*)", re.IGNORECASE)
_LIST_RE = re.compile(_LIST, re.IGNORECASE)
# "..., 2 for billing" once a sentence has used a verb
_FOR_RE = re.compile(rf"(?:,|;|\bor\b|\band\b|\bou\b)\s*{_FILLER}({_KEY})\s+(?:for|to|pour|para)\b",
                     re.IGNORECASE)
_SENTENCE_RE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")


def tts_texts(audio: Any) -> list[str]:
    """The TTS text(s) of an audio value; [] for recorded prompts or unknown shapes."""
    if not isinstance(audio, dict):
        return []
    out: list[str] = []
    tts = audio.get("tts")
    if isinstance(tts, str):
        out.append(tts)
    exp = audio.get("exp")
    if isinstance(exp, str):
        out.extend(m.group(1).replace('\\"', '"') for m in _TTS_CALL_RE.finditer(exp))
    return out


def _key(token: str) -> str:
    token = token.lower()
    return token if token.isdigit() else _WORDS[token]


def announced_keys(text: str) -> set[str]:
    """Keypad keys a prompt tells the caller to press ('0'-'9', '*', '#')."""
    keys: set[str] = set()
    for sentence in _SENTENCE_RE.findall(text):
        found = False
        for m in _PRESS_RE.finditer(sentence):
            found = True
            keys.add(_key(m.group(1)))
            keys.update(_key(k.group(1)) for k in _LIST_RE.finditer(m.group(2) or ""))
        if found:
            keys.update(_key(m.group(1)) for m in _FOR_RE.finditer(sentence))
    return keys
