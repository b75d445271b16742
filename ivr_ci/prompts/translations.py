"""The translations table: every caller-facing text, out to CSV and back into the YAML in place.

Texts collected (docs/prompts.md, "Translations"):

* prompt files: each resource's `tts`, key `prompt:<Name>`, one row per language;
* flows: every `tts:` value and every `ToAudioTTS("...")` literal of an `exp:`, key
  `flow:<flow name>:<path>` where the path is built from names (`menus/Main Menu/audio`), never
  from line numbers, so a key survives edits elsewhere in the file. A per-language audio mapping
  (`audio: {en-us: {tts: ...}, es-us: {tts: ...}}`) gives one row per language; other flow TTS is
  in the flow's default language.

With `--languages`, every key gets a row per language asked for; a row whose text is empty is a
missing translation (the file:line says where it would go). Import writes each row's text over
the exact span of the YAML scalar it came from (located again by key, so the file may have moved
on), keeping comments, quoting style where it can, and every other byte; a missing prompt
language is inserted as a new resource line. Rows that cannot be placed are reported.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ivr_ci.flow import FlowDocument
from ivr_ci.flow.yamlpos import Pos, YMap, YSeq
from ivr_ci.prompts.model import PromptFile

COLUMNS = ("key", "language", "text", "source", "file", "line")
_TTS_CALL_RE = re.compile(r'ToAudioTTS\s*\(\s*"((?:[^"\\]|\\.)*)"')
_LANG_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$", re.IGNORECASE)


@dataclass
class TextSpan:
    """One caller-facing text and how to rewrite it."""

    key: str
    language: str
    text: str
    path: str
    line: int
    pos: Pos | None  # the YAML scalar holding it
    call: int | None = None  # index of the ToAudioTTS literal inside an `exp:` scalar
    exp: str | None = None  # that expression, as parsed


@dataclass
class Row:
    key: str
    language: str
    text: str
    source: str = ""
    file: str = ""
    line: int = 0

    def to_csv(self) -> list[str]:
        return [self.key, self.language, self.text, self.source, self.file, str(self.line or "")]


@dataclass
class Catalog:
    spans: list[TextSpan] = field(default_factory=list)
    missing: list[Row] = field(default_factory=list)  # languages asked for with no text

    def by_key(self) -> dict[tuple[str, str], TextSpan]:
        return {(s.key, s.language.lower()): s for s in self.spans}


# ---- collecting ------------------------------------------------------------------------------

def _flow_default(doc: FlowDocument) -> str:
    flow = doc.flow
    assert flow is not None
    default = flow.default_language
    if isinstance(default, str) and default:
        return default.lower()
    return (flow.supported_languages[0] if flow.supported_languages else "und").lower()


def _label(node: Any, key: Any) -> str:
    if isinstance(node, dict):
        name = node.get("name")
        if isinstance(name, str) and name:
            return name
    return str(key)


def flow_spans(doc: FlowDocument) -> list[TextSpan]:
    """Every TTS text of a flow, keyed by name path."""
    flow = doc.flow
    if flow is None or not isinstance(flow.raw, YMap):
        return []
    default = _flow_default(doc)
    out: list[TextSpan] = []
    base = f"flow:{flow.name}"

    def walk(node: Any, path: list[str], language: str) -> None:
        if isinstance(node, YMap):
            for key, value in node.items():
                if key == "tts" and isinstance(value, str):
                    pos = node.value_pos(key)
                    out.append(TextSpan("/".join([base, *path]), language, value, doc.path,
                                        pos.line if pos else 0, pos))
                elif key == "exp" and isinstance(value, str) and "ToAudioTTS" in value:
                    pos = node.value_pos(key)
                    for i, m in enumerate(_TTS_CALL_RE.finditer(value)):
                        suffix = f"#{i + 1}" if i else ""
                        out.append(TextSpan("/".join([base, *path]) + suffix, language,
                                            m.group(1).replace('\\"', '"'), doc.path, pos.line if pos else 0,
                                            pos, call=i, exp=value))
                elif isinstance(value, (YMap, YSeq)):
                    is_lang = isinstance(key, str) and _LANG_RE.match(key) and path and path[-1] in ("audio",
                                                                                                     "initialGreeting")
                    if is_lang:
                        walk(value, path, str(key).lower())
                    else:
                        walk(value, [*path, _label(value, key) if isinstance(value, YMap) else str(key)], language)
        elif isinstance(node, YSeq):
            for i, item in enumerate(node):
                body = next(iter(item.values())) if isinstance(item, YMap) and len(item) == 1 else None
                if isinstance(body, YMap):  # an action or choice: `- playAudio: {name: Greet, ...}`
                    walk(body, [*path, f"{next(iter(item))}:{_label(body, i)}"], language)
                elif isinstance(item, (YMap, YSeq)):
                    walk(item, [*path, str(i)], language)

    walk(flow.raw, [], default)
    return _unique(out)


def _unique(spans: list[TextSpan]) -> list[TextSpan]:
    """Two texts at the same name path (unnamed siblings): number the later ones."""
    seen: dict[tuple[str, str], int] = {}
    for s in spans:
        k = (s.key, s.language)
        seen[k] = seen.get(k, 0) + 1
        if seen[k] > 1:
            s.key = f"{s.key}~{seen[k]}"
    return spans


def prompt_spans(pf: PromptFile) -> list[TextSpan]:
    out = []
    for res in pf.resources.values():
        if res.tts is not None:
            pos = res.value_pos("tts")
            out.append(TextSpan(f"prompt:{pf.name}", res.language.lower(), res.tts, pf.path,
                                pos.line if pos else res.line, pos))
    return out


def collect(flows: Iterable[FlowDocument], prompts: Iterable[PromptFile], languages: list[str] | None = None) -> Catalog:
    cat = Catalog()
    prompt_files = [p for p in prompts if p.name]
    for doc in flows:
        cat.spans += flow_spans(doc)
    for pf in prompt_files:
        cat.spans += prompt_spans(pf)
    if languages:
        wanted = [lang.lower() for lang in languages]
        have = cat.by_key()
        where: dict[str, TextSpan] = {}
        for s in cat.spans:
            where.setdefault(s.key, s)
        prompt_lines = {f"prompt:{p.name}": (p.path, p.resources_line) for p in prompt_files}
        for key, first in where.items():
            for lang in wanted:
                if (key, lang) not in have:
                    path, line = prompt_lines.get(key, (first.path, first.line))
                    cat.missing.append(Row(key, lang, "", first.text, path, line))
        cat.spans = [s for s in cat.spans if s.language.lower() in wanted]
    return cat


def rows(cat: Catalog) -> list[Row]:
    sources: dict[str, str] = {}
    for s in cat.spans:
        sources.setdefault(s.key, s.text)
    out = [Row(s.key, s.language, s.text, sources[s.key] if sources[s.key] != s.text else "", s.path, s.line)
           for s in cat.spans]
    out += cat.missing
    return sorted(out, key=lambda r: (r.key, r.language))


def to_csv(table: list[Row]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in table:
        writer.writerow(r.to_csv())
    return buf.getvalue()


def read_csv(text: str, source: str) -> list[tuple[int, Row]]:
    """(line number, row) of a strings table; raises ValueError naming the line."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ValueError(f"{source}:1: empty file (expected the header {','.join(COLUMNS)})") from None
    header = [h.strip().lstrip("\ufeff") for h in header]
    missing = [c for c in ("key", "language", "text") if c not in header]
    if missing:
        raise ValueError(f"{source}:1: missing column(s) {', '.join(missing)} (header: {','.join(COLUMNS)})")
    idx = {name: header.index(name) for name in header}
    out = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        values = {name: (row[i] if i < len(row) else "") for name, i in idx.items()}
        out.append((reader.line_num, Row(values["key"], values["language"].strip().lower(), values["text"],
                                         values.get("source", ""), values.get("file", ""),
                                         int(values["line"]) if values.get("line", "").isdigit() else 0)))
    return out


# ---- writing back ----------------------------------------------------------------------------

def _offsets(text: str) -> list[int]:
    starts = [0]
    for m in re.finditer("\n", text):
        starts.append(m.end())
    return starts


def _scalar(new: str, original: str) -> str:
    """`new` as a YAML scalar in the style of `original` (its source text) where it is safe."""
    if original.startswith("'") and "\n" not in new:
        return "'" + new.replace("'", "''") + "'"
    if original.startswith(("'", '"', "|", ">")) or not _plain_safe(new):
        return json.dumps(new, ensure_ascii=False)
    return new


def _plain_safe(value: str) -> bool:
    if not value or value != value.strip() or "\n" in value:
        return False
    if value[0] in "!&*{}[]|>'\"%@`#,?:-" or ": " in value or " #" in value or value.endswith(":"):
        return False
    return value.lower() not in ("true", "false", "null", "~", "yes", "no") and not re.fullmatch(r"[-+.\d].*", value)


def _exp_with(exp: str, call: int, new: str) -> str:
    matches = list(_TTS_CALL_RE.finditer(exp))
    m = matches[call]
    literal = new.replace("\\", "\\\\").replace('"', '\\"')
    return exp[:m.start(1)] + literal + exp[m.end(1):]


@dataclass
class Edit:
    start: int
    end: int
    text: str


def plan_edits(text: str, span: TextSpan, new: str) -> Edit | None:
    if span.pos is None:
        return None
    starts = _offsets(text)
    p = span.pos
    start = starts[p.line - 1] + p.col - 1
    end = starts[p.end_line - 1] + p.end_col - 1 if p.end_line - 1 < len(starts) else len(text)
    original = text[start:end]
    if original.startswith(("|", ">")):  # a block scalar ends at the next line's start: keep that newline
        end -= len(original) - len(original.rstrip("\n"))
    value = _exp_with(span.exp or "", span.call, new) if span.call is not None else new
    return Edit(start, end, _scalar(value, original))


def insert_resource(text: str, pf: PromptFile, language: str, new: str) -> Edit | None:
    """A new `<language>: {tts: ...}` line after the prompt's last resource, at its indentation."""
    if not pf.resources:
        return None
    last = max(pf.resources.values(), key=lambda r: r.raw.pos.end_line if r.raw.pos else r.line)
    starts = _offsets(text)
    end_line = last.raw.pos.end_line if last.raw.pos else last.line
    # a block mapping ends at the start of the next line; a flow mapping on its own line ends on it
    line_index = end_line - 1 if last.raw.pos and last.raw.pos.end_col == 1 else end_line
    offset = starts[line_index] if line_index < len(starts) else len(text)
    prefix = "" if offset == 0 or text[offset - 1] == "\n" else "\n"
    indent = " " * (last.col - 1)
    return Edit(offset, offset, f"{prefix}{indent}{language}: {{tts: {json.dumps(new, ensure_ascii=False)}}}\n")


@dataclass
class ImportResult:
    changed_files: dict[str, int] = field(default_factory=dict)  # path -> texts written
    unplaced: list[tuple[int, Row, str]] = field(default_factory=list)  # (csv line, row, why)
    unchanged: int = 0


def apply_rows(table: list[tuple[int, Row]], cat: Catalog, prompts: list[PromptFile],
               read: Any, write: Any) -> ImportResult:
    """Write every row's text into its file; `read(path) -> text`, `write(path, text)`."""
    result = ImportResult()
    spans = cat.by_key()
    by_name = {f"prompt:{p.name}": p for p in prompts if p.name}
    edits: dict[str, list[Edit]] = {}
    for number, row in table:
        if not row.text.strip():
            continue  # an empty cell is a translation still to do, not an instruction to erase
        span = spans.get((row.key, row.language))
        if span is not None:
            if span.text == row.text:
                result.unchanged += 1
                continue
            edit = plan_edits(read(span.path), span, row.text)
            if edit is None:
                result.unplaced.append((number, row, "the text's position is unknown"))
                continue
            edits.setdefault(span.path, []).append(edit)
            continue
        pf = by_name.get(row.key)
        if pf is not None and row.language not in pf.resources:
            edit = insert_resource(read(pf.path), pf, row.language, row.text)
            if edit is not None:
                edits.setdefault(pf.path, []).append(edit)
                continue
        if pf is not None:
            why = f"prompt {pf.name} has a {row.language} resource without TTS (a recording): add `tts:` by hand"
        elif any(k == row.key for k, _ in spans):
            why = (f"flow text is in one language; a {row.language} version needs a per-language audio mapping or a "
                   "prompt (Prompt.X)")
        else:
            why = "no text with this key (renamed, removed, or a typo)"
        result.unplaced.append((number, row, why))
    for path, items in edits.items():
        text = read(path)
        items.sort(key=lambda e: e.start, reverse=True)
        for e in items:
            text = text[:e.start] + e.text + text[e.end:]
        write(path, text)
        result.changed_files[path] = len(items)
    return result


def display(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel
