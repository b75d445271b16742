"""The HTTP side: a stdlib ThreadingHTTPServer in front of the backend, and `start_emulator`,
the one entry point shared by the tests (in-process) and `ivr-ci emulator` (the CLI)."""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, unquote, urlsplit

from ivr_ci.emulator import urls
from ivr_ci.emulator.exceptions import (
    ConnectionReset,
    GenesysError,
    OAuthError,
    S3Error,
    conflict,
    method_not_allowed,
    not_found,
    server_error,
    too_many_requests,
)
from ivr_ci.emulator.models import EmulatorBackend
from ivr_ci.emulator.request import Request, Response
from ivr_ci.emulator.seed import add_faults, apply_seed, load_seed
from ivr_ci.emulator.settings import Settings
from ivr_ci.emulator.state import StateStore

MAX_API_BODY = 512_000  # request.bytes.max
MAX_ANY_BODY = 64 * 1024 * 1024


class Recorder:
    """Every non-admin exchange, for the OpenAPI fidelity test (`record=True`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[dict[str, Any]] = []

    def add(self, item: dict[str, Any]) -> None:
        with self._lock:
            self._items.append(item)

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _decode(body: bytes, content_type: str) -> Any:
    if not body:
        return None
    text = body.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes on a kept-alive connection: with Nagle's algorithm
    # the body waits for the client's delayed ACK (~40 ms a request).
    disable_nagle_algorithm = True
    server_version = "ivr-ci-emulator"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # the stdlib signature
        pass  # our own one-line log, and only with verbose

    def do_GET(self) -> None:  # the stdlib naming
        self._handle()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_ANY_BODY:
            raise GenesysError(413, "request.too.large", f"The request is over the size limit. "
                                                         f"Maximum bytes: {MAX_ANY_BODY}")
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        started = time.monotonic()
        context_id = str(uuid.uuid4())
        url = urlsplit(self.path)
        path = unquote(url.path) or "/"
        query = parse_qs(url.query, keep_blank_values=True)
        area = urls.area_of(path)
        method = self.command
        body = b""
        self._fault_hit = False
        try:
            body = self._read_body()
            response = self._dispatch(method, path, query, body, area)
        except ConnectionReset:
            self._reset()
            self._log(method, path, 0, started)
            return
        except GenesysError as exc:
            response = Response(exc.status, exc.body(context_id), dict(exc.headers))
        except OAuthError as exc:
            response = Response(exc.status, exc.body(), dict(exc.headers))
        except S3Error as exc:
            response = Response(exc.status, exc.body(context_id[:16]), content_type="application/xml")
        except Exception:  # a bug: answer like the platform does, and say so on stderr
            traceback.print_exc(file=self.server.log)
            response = Response(500, server_error(500).body(context_id))
        payload = b"" if method == "HEAD" else response.payload()
        # Recorded before the answer leaves: a client that has its response must find the
        # exchange already there (tests count and check exchanges right after a call).
        if self.server.recorder is not None and area != "admin":
            self.server.recorder.add({
                "method": method, "path": path, "query": query, "area": area,
                "requestBody": _decode(body, self.headers.get("Content-Type") or "json"),
                "status": response.status, "responseBody": _decode(payload, response.content_type),
                "headers": dict(response.headers), "fault": self._fault_hit,
            })
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        if area in ("api", "oauth"):
            self.send_header("ININ-Correlation-Id", context_id)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if payload:
            self.wfile.write(payload)
        self._log(method, path, response.status, started)

    def _log(self, method: str, path: str, status: int, started: float) -> None:
        if self.server.verbose:
            ms = (time.monotonic() - started) * 1000
            shown = status if status else "RESET"
            print(f"emulator: {method} {path} -> {shown} ({ms:.0f} ms)", file=self.server.log, flush=True)

    def _faults(self, method: str, path: str, area: str) -> None:
        backend = self.server.backend
        auth = self.headers.get("Authorization")
        token_key = None
        if auth and auth.lower().startswith("bearer "):
            import hashlib

            token_key = hashlib.sha256(auth[7:].strip().encode()).hexdigest()[:16]
        actions = backend.faults.on_request(method, path, token_key, backend.clock.now())
        for action, arg in actions:
            if action == "latency":
                time.sleep(arg / 1000)
        if any(action != "latency" for action, _ in actions):
            self._fault_hit = True
        for action, arg in actions:
            if action == "reset":
                raise ConnectionReset()
            if action == "expire_tokens":
                with backend.lock:
                    backend.expire_tokens()
            elif action in ("throttle", "rate_limit"):
                retry_after, limit = (arg, None) if action == "throttle" else arg
                if area == "s3":
                    raise S3Error(503, "SlowDown", "Please reduce your request rate.")
                if area == "oauth":
                    raise OAuthError(429, "too_many_requests", f"rate limit exceeded; retry in {retry_after} s",
                                     headers={"Retry-After": str(retry_after)})
                raise too_many_requests(retry_after, value=limit)
            elif action == "token_throttle":
                raise OAuthError(400, "invalid_request", f"rate limit exceeded; try again in {arg} seconds",
                                 headers={"Retry-After": str(arg)})
            elif action == "error":
                if area == "s3" and arg == 409:
                    raise S3Error(409, "OperationAborted", "A conflicting conditional operation is currently in "
                                  "progress against this resource. Please try again.")
                if area == "s3":
                    raise S3Error(arg, "InternalError", "We encountered an internal error. Please try again.")
                if area == "oauth":
                    raise OAuthError(arg, "server_error", "the authorization server had an internal error")
                if arg == 409:  # a concurrent change won: what the service says to a lost update
                    raise conflict("The resource was modified by another request. Reload it and try again.")
                raise server_error(arg)

    def _dispatch(self, method: str, path: str, query: dict[str, list[str]], body: bytes, area: str) -> Response:
        backend = self.server.backend
        if area != "admin":
            self._faults(method, path, area)
        if area == "api" and len(body) > MAX_API_BODY:
            raise GenesysError(413, "request.too.large",
                               f"The request is over the size limit. Maximum bytes: {MAX_API_BODY}")
        route, params, known = urls.resolve(method, path)
        if route is None:
            if area == "s3":
                raise S3Error(403 if known else 404, "AccessDenied" if known else "NoSuchKey",
                              "Access Denied" if known else "The specified key does not exist.")
            raise method_not_allowed(method) if known else not_found()
        req = Request(method=method, path=path, query=query, headers=self.headers, body=body, backend=backend,
                      base_url=backend.base_url, remote_ip=self.client_address[0], params=params)
        with backend.lock:
            backend.settle_jobs()  # the service's jobs run on its clock, not on its clients' polls
            if area == "api":
                req.principal = backend.authenticate(self.headers.get("Authorization"))
            response = route.handler(req)
        if method != "GET" and response.status < 400 and area != "oauth":
            backend.changed()
        return response

    def _reset(self) -> None:
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], backend: EmulatorBackend, recorder: Recorder | None,
                 verbose: bool, log: IO[str]) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.backend, self.recorder, self.verbose, self.log = backend, recorder, verbose, log
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, conn: socket.socket, alive: bool) -> None:
        with self._conns_lock:
            (self._conns.add if alive else self._conns.discard)(conn)

    def close_connections(self) -> None:
        """Drop idle keep-alive connections, so nothing is served after stop()."""
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return  # the client went away
        super().handle_error(request, client_address)


class RunningEmulator:
    """A started emulator: `.base_url`, `.backend`, `.stop()`; also a context manager."""

    def __init__(self, server: _Server, thread: threading.Thread, store: StateStore | None) -> None:
        self._server, self._thread, self._store = server, thread, store
        self.backend: EmulatorBackend = server.backend
        self.recorder: Recorder | None = server.recorder
        self.base_url = self.backend.base_url
        self._stopped = False

    @property
    def exchanges(self) -> list[dict[str, Any]]:
        return self.recorder.snapshot() if self.recorder else []

    def url(self, path: str) -> str:
        return self.base_url + path

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._server.shutdown()
        self._server.server_close()
        self._server.close_connections()
        self._thread.join(timeout=5)
        if self._store is not None:
            self._store.stop()

    def __enter__(self) -> RunningEmulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RunningEmulator({self.base_url!r}, orgs={list(self.backend.orgs)})"


def start_emulator(
    seed: dict[str, Any] | str | Path | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    state_file: str | Path | None = None,
    fault_seed: int = 0,
    *,
    faults: Iterable[dict[str, Any]] = (),
    faults_source: str = "<faults>",
    record: bool = False,
    verbose: bool = False,
    log: IO[str] | None = None,
) -> RunningEmulator:
    """Start the emulator on a background thread and return once it accepts connections.

    `seed`: a dict, a YAML/JSON file, or None for the default org (client `local-client` /
    `local-secret`). `state_file`: persisted JSON, loaded when present (then it wins over the
    seed's objects and flows). `faults`: extra rules, read from `faults_source`. `record`: keep
    every exchange (`.exchanges`) for OpenAPI checks. Raises `ConfigError` for a bad seed, `OSError` when the
    address cannot be bound.
    """
    seed_data, base_dir = load_seed(seed)
    source = str(seed) if isinstance(seed, (str, Path)) else "<seed>"
    backend = EmulatorBackend(Settings.from_seed(seed_data.get("settings")), fault_seed=fault_seed)
    store = StateStore(backend, state_file) if state_file else None
    if store is not None and store.exists():
        store.load()
        add_faults(backend, seed_data.get("faults", []) or [], source)
    else:
        apply_seed(backend, seed_data, base_dir, source)
    add_faults(backend, faults, faults_source)
    recorder = Recorder() if record else None
    server = _Server((host, port), backend, recorder, verbose, log or sys.stderr)
    bound_host, bound_port = server.server_address[:2]
    shown = "127.0.0.1" if bound_host in ("0.0.0.0", "") else str(bound_host)
    shown = f"[{shown}]" if ":" in shown else shown
    backend.base_url = f"http://{shown}:{bound_port}"
    backend.recorder = recorder
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              name="ivr-ci-emulator", daemon=True)
    thread.start()
    if store is not None:
        store.save()
        store.start()
    return RunningEmulator(server, thread, store)
