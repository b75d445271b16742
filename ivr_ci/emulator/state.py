"""`--state FILE`: the backend persisted as JSON between runs.

Loaded at start (when the file exists; it then wins over the seed), written atomically
(temp file + `os.replace`) shortly after changes and on shutdown. Client secrets are kept
only as SHA-256 hashes; tokens are never written.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path

from ivr_ci.emulator.models import EmulatorBackend
from ivr_ci.errors import ConfigError


class StateStore:
    def __init__(self, backend: EmulatorBackend, path: str | Path, debounce: float = 0.2) -> None:
        self.backend = backend
        self.path = Path(path)
        self.debounce = debounce
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._write_lock = threading.Lock()

    def exists(self) -> bool:
        return self.path.is_file() and self.path.stat().st_size > 0

    def load(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{self.path}: cannot read the state file: {exc}") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{self.path}:{exc.lineno}: invalid state file: {exc.msg}") from None
        if not isinstance(data, dict) or data.get("version") != 1:
            raise ConfigError(f"{self.path}: not an ivr-ci emulator state file (version 1)")
        for key in ("orgs", "clients"):
            items = data.get(key, [])
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise ConfigError(f"{self.path}: invalid state file: '{key}' must be a list of objects")
        with self.backend.lock:
            try:
                self.backend.load_state(data)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a hand-edited or foreign file
                detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
                raise ConfigError(f"{self.path}: invalid state file: {detail}") from None

    def save(self) -> None:
        with self.backend.lock:
            data = self.backend.to_state()
        text = json.dumps(data, separators=(",", ":"), default=str)
        with self._write_lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

    def mark_dirty(self) -> None:
        self._dirty.set()

    def start(self) -> None:
        self.backend.listeners.append(self.mark_dirty)
        self._thread = threading.Thread(target=self._run, name="emulator-state", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._dirty.wait(0.5) and not self._stop.is_set():
                self._stop.wait(self.debounce)
                self._dirty.clear()
                self.save()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.mark_dirty in self.backend.listeners:
            self.backend.listeners.remove(self.mark_dirty)
        self.save()
