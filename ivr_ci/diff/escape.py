"""Make text from flows (names, TTS, expressions) inert in Markdown, HTML and Mermaid.

Flow names and prompt text are written by whoever edits the YAML; in a PR comment they must not
close a table cell (`|`), open HTML (`<script>`, `<details>`), start a code span, ping people
(`@org/team`), link issues (`#12`) or end a Mermaid label/edge (`"`, `-->`, `]`).
"""

from __future__ import annotations

import re

ZWSP = "\u200b"  # breaks @mention / #ref auto-linking without changing what people read
_MD_PUNCT = re.compile(r"([\\`*_\[\]|~#!$])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_HTML_RE = re.compile(r"[&<>]")
_ENTITY_PUNCT = re.compile(r"[\\`*_\[\]|~#!$]")


def _defuse_links(text: str) -> str:
    # "@name" pings and "#12" auto-links; a zero-width space after the sigil stops both
    return re.sub(r"([@#])(?=[\w-])", lambda m: m.group(1) + ZWSP, text)


def _one_line(text: object, limit: int | None) -> str:
    s = " ".join(str(text).split())
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    return _defuse_links(s)


def md_inline(text: object, limit: int | None = 300) -> str:
    """Text for a table cell, a list item or a heading: one line, every special char inert."""
    s = _HTML_RE.sub(lambda m: _HTML[m.group(0)], _one_line(text, limit))
    return _MD_PUNCT.sub(r"\\\1", s)


def html_text(text: object, limit: int | None = 300) -> str:
    """Text inside an HTML element such as <summary>, where backslash escapes are not read."""
    s = _HTML_RE.sub(lambda m: _HTML[m.group(0)], _one_line(text, limit))
    return _ENTITY_PUNCT.sub(lambda m: f"&#{ord(m.group(0))};", s)


def code_block(text: str, lang: str = "") -> str:
    """A fenced block that no content can close: the fence is longer than any backtick run."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}"


def mermaid_label(text: object, limit: int = 80) -> str:
    """A double-quoted Mermaid label body: letters, digits and spaces as is, the rest as #NNN;."""
    s = " ".join(str(text).split())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    out = []
    for ch in s:
        if ch.isascii() and (ch.isalnum() or ch in " .,:-_/()'?"):
            out.append(ch)
        else:
            out.append(f"#{ord(ch)};")
    label = "".join(out)
    # entity-free words still reach the renderer's Markdown/HTML layer: keep `end`, `-->` etc. inert
    return label.replace("--", "-#45;")
