"""The one policy every YAML file ivr-ci reads goes through: flows, `.ivr-ci.yaml`, Archy
options files, `*.paths.yaml`, menu overlays, emulator seeds and faults files.

A pull request is untrusted input that every hook and CI job reads, so reading is bounded:

* **Regular files only.** A FIFO named `x.yaml` would block `open()` for ever, a device can
  be endless; both are refused by their type from `os.stat`, before anything is opened (and
  the opened file is checked again, with O_NONBLOCK, in case the path changed between).
* **Size.** Files above `MAX_BYTES` are refused: the largest real flow is ~200 KB and the
  10,000-menu benchmark flow ~11 MB.
* **Depth.** libyaml stops at 1,000 levels; building the tree stops at Python's recursion
  limit (yamlpos reports where).
* **Aliases.** Composing shares an anchored node among its aliases (a DAG, linear in the
  text), but building the Python tree copies it per alias: nine levels of nine aliases
  ("billion laughs") is 387 million nodes. `check_aliases` sizes the expanded tree on the
  DAG first and refuses one that aliases grow by more than `ALIAS_BUDGET` nodes, naming the
  anchor that does it. Only documents containing `&` pay for that walk.
"""

from __future__ import annotations

import errno
import os
import stat

import yaml

MAX_BYTES = 32 * 1024 * 1024
ALIAS_BUDGET = 100_000  # nodes that aliases may add to a document once expanded

_TYPE_NAMES = (
    (stat.S_ISDIR, errno.EISDIR, "is a directory, not a file"),
    (stat.S_ISFIFO, errno.EINVAL, "is a FIFO (named pipe), not a regular file"),
    (stat.S_ISCHR, errno.EINVAL, "is a character device, not a regular file"),
    (stat.S_ISBLK, errno.EINVAL, "is a block device, not a regular file"),
    (stat.S_ISSOCK, errno.EINVAL, "is a socket, not a regular file"),
)


class AliasBudgetExceeded(Exception):
    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


def _refuse_mode(mode: int, path: str) -> None:
    for test, code, text in _TYPE_NAMES:
        if test(mode):
            raise OSError(code, text, path)
    if not stat.S_ISREG(mode):
        raise OSError(errno.EINVAL, "is not a regular file", path)


def _refuse_size(size: int, path: str, limit: int) -> None:
    if size > limit:
        raise OSError(errno.EFBIG, f"is {size / 2**20:.1f} MB; ivr-ci reads files up to "
                                   f"{limit // 2**20} MB", path)


def check_readable(path: str) -> None:
    """OSError (with a readable `strerror`) unless `path` is a regular file within the size
    limit. Never opens it."""
    st = os.stat(path)
    _refuse_mode(st.st_mode, path)
    _refuse_size(st.st_size, path, MAX_BYTES)


def read_bytes(path: str, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; OSError otherwise (its
    `strerror` says why: "is a FIFO (named pipe), not a regular file", "is 40.0 MB; ...")."""
    st = os.stat(path)
    _refuse_mode(st.st_mode, path)
    _refuse_size(st.st_size, path, limit)
    # O_NONBLOCK: if the path became a FIFO since the stat, open must not wait for a writer
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        _refuse_mode(st.st_mode, path)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            _refuse_size(total, path, limit)  # grew while being read
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def read_text(path: str, limit: int = MAX_BYTES) -> str:
    """A regular file's UTF-8 text with CRLF line ends made LF. Raises OSError or
    UnicodeDecodeError (callers already turn both into messages)."""
    text = read_bytes(path, limit).decode("utf-8")
    return text.replace("\r\n", "\n") if "\r" in text else text


_Scalar, _Sequence = yaml.ScalarNode, yaml.SequenceNode


def _children(node: yaml.Node) -> list[yaml.Node]:
    if node.__class__ is _Sequence:
        return node.value
    return [n for pair in node.value for n in pair]


def check_aliases(root: yaml.Node, budget: int = ALIAS_BUDGET) -> None:
    """Raise AliasBudgetExceeded when building `root` would make more than `budget` nodes
    beyond the distinct ones composed, or when an alias sits inside its own anchor (an
    endless tree). Iterative, with each shared node sized once: linear in the composed DAG."""
    size: dict[int, int] = {}  # id(node) -> nodes in its expanded tree
    parents: dict[int, int] = {}  # id(node) -> edges pointing at it
    nodes: dict[int, yaml.Node] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        key = id(node)
        if leaving:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in _children(node))
            continue
        if key in size:
            continue
        if node.__class__ is _Scalar:
            size[key] = 1
            nodes[key] = node
            continue
        if key in on_path:
            mark = node.start_mark
            raise AliasBudgetExceeded("an alias refers to the anchor it is inside (an endless structure)",
                                      mark.line + 1, mark.column + 1)
        on_path.add(key)
        nodes[key] = node
        stack.append((node, True))
        for child in _children(node):
            ck = id(child)
            parents[ck] = parents.get(ck, 0) + 1
            if ck not in size:
                stack.append((child, False))
    expanded, distinct = size[id(root)], len(size)
    if expanded - distinct <= budget:
        return
    # the anchor whose copies cost most: edges into it times its expanded size
    worst = max((k for k, n in parents.items() if n > 1), key=lambda k: parents[k] * size[k])
    mark = nodes[worst].start_mark
    raise AliasBudgetExceeded(
        f"aliases expand this document to {expanded:,} nodes (limit: {budget:,} more than the "
        f"{distinct:,} written); the anchor here is copied by {parents[worst] - 1} aliases, "
        f"{size[worst]:,} nodes each", mark.line + 1, mark.column + 1)
