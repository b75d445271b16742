"""Prompt file changes between two sides: text per language, recordings by hash, languages
added or removed, prompts added or removed (docs/prompts.md).

Prompts are matched by name (case-insensitive, as Architect compares), so moving a file is no
change. A recording is compared by content hash: in git mode the blob id git already has (no
audio is read), on disk the sha256 of the bytes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ivr_ci.prompts.load import load_prompt_text, looks_like_prompt_file
from ivr_ci.prompts.model import PromptFile

AudioHash = Callable[[PromptFile, str], str | None]  # (file, audio path as written) -> hash


@dataclass
class LanguageDiff:
    language: str
    status: str  # added | removed | changed
    changed: list[str] = field(default_factory=list)  # tts, text, audio
    tts: tuple[str | None, str | None] = (None, None)  # old, new
    text: tuple[str | None, str | None] = (None, None)
    audio: tuple[str | None, str | None] = (None, None)  # hashes
    line: int = 0  # in the new file (old file when removed)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"language": self.language, "status": self.status, "changed": self.changed,
                               "line": self.line}
        if "tts" in self.changed or self.status != "changed":
            out["tts"] = {"old": self.tts[0], "new": self.tts[1]}
        if "text" in self.changed:
            out["text"] = {"old": self.text[0], "new": self.text[1]}
        if "audio" in self.changed:
            out["audio"] = {"old": self.audio[0], "new": self.audio[1]}
        return out

    def summary(self) -> str:
        if self.status == "added":
            return f"{self.language} added"
        if self.status == "removed":
            return f"{self.language} removed"
        parts = []
        if "tts" in self.changed:
            parts.append("text changed")
        if "text" in self.changed:
            parts.append("transcript changed")
        if "audio" in self.changed:
            parts.append("recording " + ("added" if self.audio[0] is None else "removed" if self.audio[1] is None
                                         else "changed"))
        return f"{self.language}: {', '.join(parts)}"


@dataclass
class PromptDiff:
    name: str
    status: str  # added | removed | changed
    old_path: str | None
    new_path: str | None
    languages: list[LanguageDiff] = field(default_factory=list)
    description: tuple[str | None, str | None] | None = None

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "status": self.status, "oldPath": self.old_path,
                               "newPath": self.new_path, "languages": [lang.to_json() for lang in self.languages]}
        if self.description is not None:
            out["description"] = {"old": self.description[0], "new": self.description[1]}
        return out

    def summary(self) -> str:
        if self.status in ("added", "removed"):
            langs = ", ".join(lang.language for lang in self.languages)
            return f"prompt {self.status}" + (f" ({langs})" if langs else "")
        parts = [lang.summary() for lang in self.languages]
        if self.description is not None:
            parts.insert(0, "description changed")
        return "; ".join(parts)


def compare_prompt_sets(old: list[PromptFile], new: list[PromptFile], old_audio: AudioHash,
                        new_audio: AudioHash) -> list[PromptDiff]:
    before = {str(p.name).casefold(): p for p in old if p.name}
    after = {str(p.name).casefold(): p for p in new if p.name}
    out: list[PromptDiff] = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a is None and b is not None:
            out.append(PromptDiff(str(b.name), "added", None, b.path,
                                  [LanguageDiff(r.language, "added", tts=(None, r.tts), line=r.line)
                                   for r in b.resources.values()]))
        elif b is None and a is not None:
            out.append(PromptDiff(str(a.name), "removed", a.path, None,
                                  [LanguageDiff(r.language, "removed", tts=(r.tts, None), line=r.line)
                                   for r in a.resources.values()]))
        elif a is not None and b is not None:
            diff = _compare(a, b, old_audio, new_audio)
            if diff.languages or diff.description is not None:
                out.append(diff)
    return out


def _compare(a: PromptFile, b: PromptFile, old_audio: AudioHash, new_audio: AudioHash) -> PromptDiff:
    diff = PromptDiff(str(b.name), "changed", a.path, b.path)
    if (a.description or None) != (b.description or None):
        diff.description = (a.description, b.description)
    for lang in [*a.resources, *(k for k in b.resources if k not in a.resources)]:
        ra, rb = a.resources.get(lang), b.resources.get(lang)
        if ra is None and rb is not None:
            diff.languages.append(LanguageDiff(rb.language, "added", tts=(None, rb.tts), line=rb.line))
        elif rb is None and ra is not None:
            diff.languages.append(LanguageDiff(ra.language, "removed", tts=(ra.tts, None), line=ra.line))
        elif ra is not None and rb is not None:
            ld = LanguageDiff(rb.language, "changed", tts=(ra.tts, rb.tts), text=(ra.text, rb.text),
                              line=rb.value_line("tts") if rb.tts is not None else rb.line)
            ld.audio = (old_audio(a, ra.audio) if ra.audio else None, new_audio(b, rb.audio) if rb.audio else None)
            if (ra.tts or None) != (rb.tts or None):
                ld.changed.append("tts")
            if (ra.text or None) != (rb.text or None):
                ld.changed.append("text")
            if ld.audio[0] != ld.audio[1]:
                ld.changed.append("audio")
                if "tts" not in ld.changed:
                    ld.line = rb.value_line("audio")
            if ld.changed:
                diff.languages.append(ld)
    return diff


# ---- sources ---------------------------------------------------------------------------------

def file_sha256(pf: PromptFile, audio: str) -> str | None:
    path = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(pf.path)), audio))
    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def load_dir(files: list[str]) -> list[PromptFile]:
    out = []
    for path in files:
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError):
            continue
        if looks_like_prompt_file(text):
            out.append(load_prompt_text(text, path))
    return out


class GitPrompts:
    """The prompt files under a directory at one git ref (or the working tree: ref None)."""

    def __init__(self, top: str, ref: str | None, directory: str) -> None:
        self.top, self.ref, self.directory = top, ref, directory.strip("/")
        self.blobs: dict[str, str] = {}  # repository path -> blob id
        if ref is not None:
            proc = subprocess.run(["git", "ls-tree", "-r", ref, "--", self.directory], cwd=top,
                                  capture_output=True, check=False)
            for line in proc.stdout.decode("utf-8", "surrogateescape").splitlines():
                meta, _, path = line.partition("\t")
                parts = meta.split()
                if len(parts) == 3 and parts[1] == "blob":
                    self.blobs[path] = parts[2]

    def files(self) -> list[PromptFile]:
        if self.ref is None:
            root = os.path.join(self.top, self.directory)
            paths = []
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                paths += [os.path.join(dirpath, n) for n in sorted(filenames) if n.endswith((".yaml", ".yml"))]
            return [self._rel(pf) for pf in load_dir(paths)]
        out = []
        for path in sorted(self.blobs):
            if not path.endswith((".yaml", ".yml")):
                continue
            proc = subprocess.run(["git", "show", f"{self.ref}:{path}"], cwd=self.top, capture_output=True,
                                  check=False)
            try:
                text = proc.stdout.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if proc.returncode == 0 and looks_like_prompt_file(text):
                out.append(load_prompt_text(text, path))
        return out

    def _rel(self, pf: PromptFile) -> PromptFile:
        pf.path = os.path.relpath(pf.path, self.top)
        return pf

    def audio_hash(self, pf: PromptFile, audio: str) -> str | None:
        rel = os.path.normpath(os.path.join(os.path.dirname(pf.path), audio))
        if self.ref is not None:
            return self.blobs.get(rel)
        proc = subprocess.run(["git", "hash-object", "--", rel], cwd=self.top, capture_output=True, check=False)
        return proc.stdout.decode().strip() or None if proc.returncode == 0 else None


def git_prompt_diffs(top: str, base: str, head: str | None, directory: str) -> list[PromptDiff]:
    old, new = GitPrompts(top, base, directory), GitPrompts(top, head, directory)
    return compare_prompt_sets(old.files(), new.files(), old.audio_hash, new.audio_hash)
