"""Nothing half-written: files are written to a temp file beside them, then renamed."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import IO, Any


@contextlib.contextmanager
def atomic_file(path: str, mode: str = "wb", **open_args: Any) -> Iterator[IO[Any]]:
    """A temp file beside `path` (directories created), renamed over `path` only when the
    block completes; removed when it raises."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    import tempfile  # lazily: most runs write nothing

    fd, tmp = tempfile.mkstemp(prefix=".ivr-ci-", dir=directory)
    try:
        with os.fdopen(fd, mode, **open_args) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_atomic(path: str, text: str | bytes) -> None:
    """Write a report or output file the user named; a path that cannot be written (a
    directory, a parent that is a file, no permission) is their error, not a crash."""
    from ivr_ci.errors import UsageError

    data = text.encode("utf-8") if isinstance(text, str) else text
    if os.path.isdir(path):
        raise UsageError(f"cannot write {path}: it is a directory")
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):  # the nearest existing ancestor ("/" always exists)
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise UsageError(f"cannot write {path}: {parent} is a file, not a directory")
    try:
        with atomic_file(path) as fh:
            fh.write(data)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
