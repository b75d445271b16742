"""The per-environment deploy lock: `<lock-dir>/<environment>.lock`, a small JSON file.

Why a file: Genesys Cloud offers no compare-and-swap store, and Architect's own flow locks
belong to an OAuth client, so two CI runs sharing one client would both "hold" them. A file
created with O_EXCL is an atomic test-and-set on any POSIX filesystem, including a shared
mount (`promotion.lock-dir`) that several self-hosted runners see. For GitHub-hosted runners,
which share no disk, the workflow's `concurrency:` group per environment is the mutex and the
file guards local and self-hosted runs (docs/promote.md).

Staleness: the holder rewrites `expiresAt` (now + TTL) every TTL/3 while it runs, so a lock
whose `expiresAt` has passed belongs to a run that died or hung; a lock of a dead process on
this host is stale at once. Check-and-break happens under a short `flock` on a guard file, so
two runs cannot both break the same stale lock and then both acquire.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ivr_ci.errors import OperationFailed


class LockBusy(OperationFailed):
    """Another promote to the same environment holds the lock."""


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return True
    return True


@contextlib.contextmanager
def _guard(path: str) -> Iterator[None]:
    """Exclusive flock on `<lock>.guard` for the few milliseconds of a check-and-set."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - non-POSIX: O_EXCL alone
        yield
        return
    fd = os.open(path + ".guard", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@dataclass
class DeployLock:
    path: str
    run_id: str
    holder: dict[str, Any]
    ttl: float
    broken: dict[str, Any] | None = None  # the stale lock this run broke: its content and why
    _stop: threading.Event | None = None
    _thread: threading.Thread | None = None

    def _content(self) -> dict[str, Any]:
        now = time.time()
        return {**self.holder, "runId": self.run_id, "heartbeatAt": _iso(now), "expiresAt": _iso(now + self.ttl),
                "expiresAtEpoch": now + self.ttl}

    def _refresh(self) -> None:
        assert self._stop is not None
        while not self._stop.wait(max(1.0, self.ttl / 3)):
            with _guard(self.path):
                current = read_lock(self.path)
                if not current or current.get("runId") != self.run_id:
                    return  # broken by someone else: nothing of ours left to refresh
                _write(self.path, self._content(), exclusive=False)

    def release(self) -> None:
        if self._stop is not None:
            self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with _guard(self.path):
            current = read_lock(self.path)
            if current and current.get("runId") == self.run_id:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.path)

    def __enter__(self) -> DeployLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _write(path: str, content: dict[str, Any], *, exclusive: bool) -> None:
    data = json.dumps(content, indent=2).encode("utf-8")
    if exclusive:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def read_lock(path: str) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}  # unreadable: treated as stale below (a crash mid-write)
    return data if isinstance(data, dict) else {}


def stale_reason(data: dict[str, Any], now: float | None = None) -> str | None:
    now = time.time() if now is None else now
    if not data:
        return "unreadable lock file"
    expires = data.get("expiresAtEpoch")
    if not isinstance(expires, (int, float)) or expires <= now:
        return f"expired at {data.get('expiresAt', '?')}"
    if data.get("host") == socket.gethostname() and isinstance(data.get("pid"), int) \
            and not _pid_alive(data["pid"]):
        return f"process {data['pid']} on this host is gone"
    return None


def describe_broken(broken: dict[str, Any]) -> str:
    return (f"broke the stale deploy lock of run {broken.get('runId') or '?'} by {broken.get('actor') or '?'} on "
            f"{broken.get('host') or '?'} (pid {broken.get('pid')}, since {broken.get('acquiredAt') or '?'}): "
            f"{broken.get('reason')}")


def acquire(lock_dir: str, environment: str, run_id: str, *, ttl: float, info: dict[str, Any]) -> DeployLock:
    """Take the environment's deploy lock or raise LockBusy naming the holder. A stale lock is
    broken; `lock.broken` says whose and why (the caller prints it and records it)."""
    os.makedirs(lock_dir, exist_ok=True)
    path = os.path.join(lock_dir, f"{environment}.lock")
    holder = {"environment": environment, "host": socket.gethostname(), "pid": os.getpid(),
              "acquiredAt": _iso(time.time()), **info}
    lock = DeployLock(path, run_id, holder, ttl)
    with _guard(path):
        current = read_lock(path)
        if current is not None:
            reason = stale_reason(current)
            if reason is None:
                who = current.get("actor") or "?"
                raise LockBusy(
                    f"another promote to '{environment}' is running: run {current.get('runId', '?')} by {who} "
                    f"on {current.get('host', '?')} since {current.get('acquiredAt', '?')} (lock {path}, "
                    f"expires {current.get('expiresAt', '?')} unless refreshed)")
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)  # stale: broken under the guard, so only one run does it
            lock.holder["brokeStaleLock"] = f"run {current.get('runId', '?')}: {reason}"
            lock.broken = {"runId": current.get("runId"), "actor": current.get("actor"), "host": current.get("host"),
                           "pid": current.get("pid"), "acquiredAt": current.get("acquiredAt"), "reason": reason}
        _write(path, lock._content(), exclusive=True)
    lock._stop = threading.Event()
    lock._thread = threading.Thread(target=lock._refresh, name="ivr-ci-lock-heartbeat", daemon=True)
    lock._thread.start()
    return lock
