"""Pytest plugin: the Genesys Cloud API emulator on loopback (loaded from tests/conftest.py).

Fixtures:
* `emulator` — a fresh emulator (default org, client `local-client` / `local-secret`) that
  records every exchange and, at teardown, checks each `/api/v2` and `/oauth/token` request
  and response against the Genesys OpenAPI subset. Mark a test `@pytest.mark.emulator_unchecked`
  when it sends invalid requests on purpose.
* `emulator_factory` — `emulator_factory(seed=..., faults=..., state_file=...)` starts more
  (same checks, stopped at teardown).
* `emulator_token`, `emulator_session`, `emulator_api` — a bearer token, a `requests.Session`
  carrying it, an `EmulatorApi` (get/post/import_flow).

Helper: `start_emulator(...)` (the package's own; returns a `RunningEmulator` usable as a
context manager), `EMULATOR_FIXTURES` (tests/emulator_fixtures), `openapi_problems(emu)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ivr_ci.emulator.server import RunningEmulator, start_emulator

__all__ = ["EMULATOR_FIXTURES", "EmulatorApi", "get_token", "openapi_problems", "start_emulator"]

EMULATOR_FIXTURES = Path(__file__).resolve().parent / "emulator_fixtures"
DEFAULT_CLIENT = ("local-client", "local-secret")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "emulator_unchecked: do not check the emulator's traffic against the OpenAPI subset")


def openapi_problems(emu: RunningEmulator) -> list[str]:
    """Every recorded API/OAuth exchange checked against genesys-openapi-subset.json (with the
    repository's extensions, reference/genesys-openapi-*.json).

    Responses produced by an injected fault are not checked (they stand in for proxies and
    load balancers, e.g. a 502); their requests still are.
    """
    from tests.openapi_check import ReferenceMissing, genesys_document

    try:
        doc = genesys_document()  # the shared subset plus the repository's extensions (user prompts)
    except ReferenceMissing as exc:  # a missing reference is a failure, not a check silently skipped
        return [f"{exc}: the exchanges cannot be checked"]
    problems: list[str] = []
    for ex in emu.exchanges:
        if ex["area"] not in ("api", "oauth"):
            continue
        label = f"{ex['method']} {ex['path']} -> {ex['status']}"
        ctype = "application/x-www-form-urlencoded" if ex["area"] == "oauth" else "application/json"
        body = ex["requestBody"]
        if ex["area"] == "oauth" and isinstance(body, str):
            from urllib.parse import parse_qs

            body = {k: v[0] for k, v in parse_qs(body).items()}
        problems += [f"{label}: request: {p}" for p in
                     doc.check_request(ex["method"], ex["path"], ex["query"], body, ctype)]
        if ex.get("fault"):
            continue  # an injected fault (gateway 502, reset, throttle...) stands in for infrastructure
        problems += [f"{label}: response: {p}" for p in
                     doc.check_response(ex["method"], ex["path"], ex["status"], ex["responseBody"])]
    return problems


def _check(request: pytest.FixtureRequest, emu: RunningEmulator) -> None:
    if request.node.get_closest_marker("emulator_unchecked"):
        return
    problems = openapi_problems(emu)
    if problems:
        shown = "\n".join(problems[:30])
        pytest.fail(f"emulator traffic does not match the Genesys OpenAPI subset:\n{shown}", pytrace=False)


@pytest.fixture
def emulator(request: pytest.FixtureRequest) -> Iterator[RunningEmulator]:
    with start_emulator(record=True) as emu:
        yield emu
        _check(request, emu)


@pytest.fixture
def emulator_factory(request: pytest.FixtureRequest) -> Iterator[Callable[..., RunningEmulator]]:
    started: list[RunningEmulator] = []

    def _start(**kwargs: Any) -> RunningEmulator:
        kwargs.setdefault("record", True)
        emu = start_emulator(**kwargs)
        started.append(emu)
        return emu

    try:
        yield _start
        for emu in started:
            if emu.recorder is not None:
                _check(request, emu)
    finally:
        for emu in started:
            emu.stop()


def get_token(emu: RunningEmulator, client: tuple[str, str] = DEFAULT_CLIENT) -> str:
    import requests

    resp = requests.post(emu.url("/oauth/token"), auth=client, data={"grant_type": "client_credentials"},
                         timeout=10)
    resp.raise_for_status()
    return str(resp.json()["access_token"])


@pytest.fixture
def emulator_token(emulator: RunningEmulator) -> str:
    return get_token(emulator)


@pytest.fixture
def emulator_session(emulator: RunningEmulator, emulator_token: str) -> Iterator[Any]:
    import requests

    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {emulator_token}"
        yield session


class EmulatorApi:
    """A tiny `requests` client for tests: bearer auth, JSON, and an import-job helper."""

    def __init__(self, emu: RunningEmulator, client: tuple[str, str] = DEFAULT_CLIENT) -> None:
        import requests

        self.emu = emu
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {get_token(emu, client)}"

    def request(self, method: str, path: str, **kw: Any) -> Any:
        kw.setdefault("timeout", 30)
        return self.session.request(method, self.emu.url(path), **kw)

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, json: Any = None, **params: Any) -> Any:
        return self.request("POST", path, json=json, params=params or None)

    def import_flow(self, yaml_text: str, create_stubs: bool = False, max_polls: int = 10) -> dict[str, Any]:
        import requests

        reg = self.post("/api/v2/flows/jobs", {"createStubs": True} if create_stubs else None)
        assert reg.status_code == 200, reg.text
        job = reg.json()
        put = requests.put(job["presignedUrl"], data=yaml_text.encode(), headers=job["headers"], timeout=30)
        assert put.status_code == 200, put.text
        for _ in range(max_polls):
            state = self.get(f"/api/v2/flows/jobs/{job['id']}", expand="messages").json()
            if state["status"] in ("Success", "Failure"):
                return dict(state)
        raise AssertionError(f"import job {job['id']} did not finish")


@pytest.fixture
def emulator_api(emulator: RunningEmulator) -> Iterator[EmulatorApi]:
    api = EmulatorApi(emulator)
    yield api
    api.session.close()
