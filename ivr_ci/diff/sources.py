"""The two sides of a diff: flows at two git refs, or two files/directories on disk.

Git mode only reads files that changed between the refs (`git diff --name-status -M`), with
`git show REF:path`, so a PR touching one flow of hundreds reads two files. Paths are
repository-relative, which is what GitHub annotations and comments link to.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from typing import Any

from ivr_ci.diff.match import Entry
from ivr_ci.diff.model import Problem
from ivr_ci.errors import UsageError
from ivr_ci.flow import FLOW_SUFFIXES, FlowDocument, expand_paths, load_flow_file, load_flow_text
from ivr_ci.flow.types import FLOW_TYPES
from ivr_ci.flow.yamlpolicy import read_bytes


@dataclass
class Sides:
    base: str
    head: str
    old: list[Entry] = field(default_factory=list)
    new: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    fixed: list[Problem] = field(default_factory=list)
    # a file renamed between the sides: its old slot -> its new one (one file, two names)
    renamed: dict[str, str] = field(default_factory=dict)
    old_prompts: list[Any] = field(default_factory=list)  # path mode: prompt files (ivr_ci.prompts)
    new_prompts: list[Any] = field(default_factory=list)
    prompt_diffs: list[Any] | None = None  # git mode: computed over the prompt directory

    def file_of(self, side: str, slot: str | None) -> str | None:
        return self.renamed.get(slot, slot) if side == "old" and slot is not None else slot

    def settle(self) -> None:
        """Files that could not be read on a side are not diffed: the other side alone would read
        as a flow added or removed, which it is not. A base-side error whose file loads on the
        head side is a fix the change makes, not a failure of the diff."""
        bad = {self.file_of(p.side, p.slot) for p in self.problems}
        loaded_new = {e.slot for e in self.new}
        bad_new = {p.slot for p in self.problems if p.side == "new"}
        self.fixed = [p for p in self.problems if p.side == "old"
                      and self.file_of("old", p.slot) in loaded_new - bad_new]
        self.problems = [p for p in self.problems if p not in self.fixed]
        self.old = [e for e in self.old if self.file_of("old", e.slot) not in bad]
        self.new = [e for e in self.new if e.slot not in bad]


def _git(args: list[str], cwd: str | None = None, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise UsageError("git is not installed; compare two paths instead: ivr-ci diff OLD NEW") from None
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {' '.join(args[:2])} failed: {msg[-1] if msg else 'exit ' + str(proc.returncode)}")
    return proc


def _ref_exists(ref: str, cwd: str | None) -> bool:
    return _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd, check=False).returncode == 0


def default_base(head: str = "HEAD", cwd: str | None = None) -> str:
    """merge-base of the PR base branch (GITHUB_BASE_REF, else origin/HEAD, else main) and head."""
    candidates = []
    base_ref = os.environ.get("GITHUB_BASE_REF")
    if base_ref:
        candidates += [f"origin/{base_ref}", base_ref]
    candidates += ["origin/HEAD", "main", "origin/main", "master"]
    for ref in candidates:
        if _ref_exists(ref, cwd):
            proc = _git(["merge-base", ref, head], cwd, check=False)
            if proc.returncode == 0:
                return proc.stdout.decode().strip()
    raise UsageError("cannot find the base to compare with (tried "
                     f"{', '.join(candidates)}); pass --base REF (in Actions, check out with fetch-depth: 0)")


def _is_flow_path(path: str) -> bool:
    name = os.path.basename(path)
    parts = path.split("/")
    return (name.endswith(FLOW_SUFFIXES) and not name.endswith(".paths.yaml")
            and not name.startswith(".ivr-ci") and not any(p.startswith(".") for p in parts[:-1]))


WORKTREE = "working tree"


def changed_files(base: str, head: str, paths: list[str], cwd: str | None = None) -> list[tuple[str, str | None, str | None]]:
    """(status letter, old path, new path) of flow files that differ between base and head.

    `head=WORKTREE` compares with the files on disk (like `git diff BASE`), untracked ones included.
    """
    refs = [base] if head == WORKTREE else [base, head]
    proc = _git(["diff", "--name-status", "-z", "-M", "--no-ext-diff", "--no-color", *refs, "--", *paths], cwd)
    if head == WORKTREE:
        untracked = _git(["ls-files", "--others", "--exclude-standard", "--full-name", "-z", "--", *paths], cwd)
        extra = [f"A\0{p}" for p in untracked.stdout.decode("utf-8", "surrogateescape").split("\0") if p]
        proc.stdout += "\0".join(extra).encode("utf-8", "surrogateescape") + (b"\0" if extra else b"")
    fields = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    out: list[tuple[str, str | None, str | None]] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i][0]
        if status in "RC":
            old, new = fields[i + 1], fields[i + 2]
            i += 3
        else:
            old = new = fields[i + 1]
            i += 2
        old_p = None if status == "A" else old
        new_p = None if status == "D" else new
        if status == "C":
            old_p = None  # a copy: the old file is still there, unchanged
        if (old_p and _is_flow_path(old_p)) or (new_p and _is_flow_path(new_p)):
            out.append((status, old_p if old_p and _is_flow_path(old_p) else None,
                        new_p if new_p and _is_flow_path(new_p) else None))
    return out


def _load(text_or_none: bytes | None, path: str, side: str, sides: Sides, dest: list[Entry], key: str) -> None:
    if text_or_none is None:
        return
    try:
        text = text_or_none.decode("utf-8")
    except UnicodeDecodeError as exc:
        sides.problems.append(Problem(path, 0, f"not UTF-8 text: {exc.reason} at byte {exc.start}", side, key))
        return
    doc = load_flow_text(text.replace("\r\n", "\n"), path)
    _accept(doc, side, sides, dest, key)


def _accept(doc: FlowDocument, side: str, sides: Sides, dest: list[Entry], key: str) -> None:
    if doc.kind == "prompt":  # compared by ivr_ci.diff.prompts, over whole prompt sets
        if sides.prompt_diffs is None:
            from ivr_ci.prompts.load import load_prompt_text

            (sides.old_prompts if side == "old" else sides.new_prompts).append(load_prompt_text(doc.text, doc.path))
        return
    if doc.flow is None:
        p = doc.problems[0] if doc.problems else None
        sides.problems.append(Problem(doc.path, p.line if p else 0, p.message if p else "not a flow", side, key))
        return
    if doc.flow.type not in FLOW_TYPES:
        return  # some other YAML (CI config, compose file...): not ours to diff
    dest.append(Entry(doc.path, doc.flow, slot=key, doc=doc))


def from_git(base: str | None, head: str | None, paths: list[str], cwd: str | None = None,
             prompt_dir: str | None = None) -> Sides:
    """`head=None`: the working tree (in CI a clean checkout of the PR, i.e. HEAD).
    `prompt_dir` (absolute or repository-relative): prompt files compared there as a set."""
    top = _git(["rev-parse", "--show-toplevel"], cwd).stdout.decode().strip()
    if head is not None and not _ref_exists(head, cwd):
        raise UsageError(f"unknown git ref '{head}' (--head)")
    if base is None:
        base = default_base(head or "HEAD", cwd)
    elif not _ref_exists(base, cwd):
        raise UsageError(f"unknown git ref '{base}' (--base); in Actions, check out with fetch-depth: 0")
    sides = Sides(base, head or WORKTREE)
    if prompt_dir:
        from ivr_ci.diff.prompts import git_prompt_diffs

        rel = os.path.relpath(prompt_dir, top) if os.path.isabs(prompt_dir) else prompt_dir
        sides.prompt_diffs = [] if rel.startswith("..") else git_prompt_diffs(top, base, head, rel)
    for _status, old, new in changed_files(base, head or WORKTREE, paths, cwd):
        if old and new and old != new:
            sides.renamed[old] = new
        if old:
            proc = _git(["show", f"{base}:{old}"], cwd, check=False)
            _load(proc.stdout if proc.returncode == 0 else None, old, "old", sides, sides.old, old)
        if new and head is None:
            _load(_read(os.path.join(top, new)), new, "new", sides, sides.new, new)
        elif new:
            proc = _git(["show", f"{head}:{new}"], cwd, check=False)
            _load(proc.stdout if proc.returncode == 0 else None, new, "new", sides, sides.new, new)
    sides.settle()
    return sides


def _read(path: str) -> bytes | None:
    try:
        return read_bytes(path)
    except OSError:
        return None


def from_paths(old: str, new: str) -> Sides:
    """Two files, or two directories whose files are matched by relative path (then by flow)."""
    for p in (old, new):
        if not os.path.exists(p):
            raise UsageError(f"no such file or directory: {p}")
    if os.path.isdir(old) != os.path.isdir(new):
        raise UsageError(f"compare a file with a file or a directory with a directory: {old} vs {new}")
    sides = Sides(old, new)
    for root, side, dest in ((old, "old", sides.old), (new, "new", sides.new)):
        files = expand_paths([root])
        for f in files:
            rel = os.path.relpath(f, root) if os.path.isdir(root) else os.path.basename(f)
            if os.path.isfile(root):
                rel = "<file>"  # two files are always the same slot, whatever their names
            _accept(load_flow_file(f), side, sides, dest, rel)
    sides.settle()
    return sides
