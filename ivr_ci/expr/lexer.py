"""Tokens of Architect's expression language, as the SDK's ANTLR lexer reads them.

Ground truth: the lexer embedded in purecloud-flow-scripting-api-sdk-javascript 0.0.18
(`scripting.bundle.js`, webpack module 290): identifiers start with a letter or `$` and go
on with letters, digits and `_`; `and`/`or` are case-insensitive keywords, `true`, `false`
and `NOT_SET` are case-sensitive; string escapes are only `\\"`, `\\\\`, `\\n`, `\\r`,
`\\t`; `1.`, `1.5` and `.5` are Decimals; `.name` / `."name"` right after an operand is one
field-access token. `{{key}}` template placeholders are ours (Archy substitutes them
before Architect sees the text): a placeholder alone is an operand, inside a name it is
part of the name.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ivr_ci.expr.errors import ExprSyntaxError

# Letters as Python's \w without digits and "_" (Unicode-aware): the SDK's ANTLR ranges
# (A-Z a-z \u00c0-\u1fff \u3040-... CJK) written out cost ~8 ms of regex compilation at every
# start; the two differ only on symbols no flow uses in a name.
_PH = r"\{\{[^{}\n]*\}\}"
_IDENT = rf"(?:[$]|[^\W\d_]|{_PH})(?:\w|{_PH})*"
_STRING = r'"(?:[^"\\]|\\.)*"'

_TOKEN_RE = re.compile(rf"""
    (?P<ws>[ \t\n\r]+)
  | (?P<dec>[0-9]+\.[0-9]*|\.[0-9]+)
  | (?P<int>[0-9]+)
  | (?P<str>{_STRING})
  | (?P<field>\.(?:{_IDENT}|{_STRING}))
  | (?P<ident>{_IDENT})
  | (?P<op>==|!=|<=|>=|[-+*/%^!~&|?:()\[\],<>.])
""", re.VERBOSE | re.DOTALL)

_PH_ONLY_RE = re.compile(rf"{_PH}\Z")
_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


class Token(NamedTuple):
    kind: str  # int dec str field ident ph op bool notset end
    text: str  # source text (for str: with quotes; for field: with the dot)
    start: int
    end: int
    value: object = None  # str: unescaped text; field: property name; bool: True/False


def unescape(body: str, start: int) -> str:
    """The value of a string literal's body; `start` is the body's offset (for errors)."""
    if "\\" not in body:
        return body

    def one(m: re.Match[str]) -> str:
        ch = m.group(1)
        if ch not in _ESCAPES:
            raise ExprSyntaxError(
                f"Error at position {start + m.start() + 1}.", start + m.start(),
                detail=f"'\\{ch}' is not an escape Architect knows (\\\" \\\\ \\n \\r \\t)")
        return _ESCAPES[ch]

    return _ESCAPE_RE.sub(one, body)


def tokenize(text: str) -> list[Token]:
    """All tokens but whitespace, ending with an `end` token; raises ExprSyntaxError."""
    out: list[Token] = []
    pos, n = 0, len(text)
    match = _TOKEN_RE.match
    while pos < n:
        m = match(text, pos)
        if m is None:
            ch = text[pos]
            if ch == '"':
                raise ExprSyntaxError(f'Missing end quote for the " at position {pos + 1}.', pos,
                                      detail="the string is not closed")
            if ch == "." and pos + 1 < n and text[pos + 1] == '"':
                raise ExprSyntaxError(f'Missing end quote for the " at position {pos + 2}.', pos + 1,
                                      detail="the string is not closed")
            raise ExprSyntaxError(f"Error at position {pos + 1}.", pos,
                                  detail=f"{ch!r} is not part of Architect's expression language")
        kind = m.lastgroup
        end = m.end()
        if kind == "ws":
            pos = end
            continue
        tok = m.group()
        value: object = None
        if kind == "str":
            value = unescape(tok[1:-1], pos + 1)
        elif kind == "field":
            value = unescape(tok[2:-1], pos + 2) if tok[1] == '"' else tok[1:]
        elif kind == "ident":
            if tok == "true" or tok == "false":
                kind, value = "bool", tok == "true"
            elif tok == "NOT_SET":
                kind = "notset"
            elif len(tok) <= 3 and tok.lower() in ("and", "or"):
                kind, value = "op", tok.lower()
            elif tok.startswith("{{") and _PH_ONLY_RE.match(tok):
                kind, value = "ph", tok[2:-2].strip()
        if kind == "op" and value is None:
            value = tok
        out.append(Token(kind, tok, pos, end, value))  # type: ignore[arg-type]
        pos = end
    out.append(Token("end", "", n, n))
    return out
