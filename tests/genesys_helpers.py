"""Shared by the Genesys client tests: a fast-retrying `client` fixture on the emulator (loaded as a
pytest plugin from tests/conftest.py) and the emulator admin call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from ivr_ci.genesys import Credentials, GenesysClient, PollPolicy, RetryPolicy


def admin(emu: Any, path: str, body: Any) -> Any:
    resp = requests.post(emu.url(path), json=body, timeout=10)
    resp.raise_for_status()
    return resp.json()


@pytest.fixture
def client(emulator: Any) -> Iterator[GenesysClient]:
    with GenesysClient(Credentials("local-client", "local-secret"), api_base=emulator.base_url, rate_limit=None,
                       retry=RetryPolicy(max_total=10, backoff_base=0.01, backoff_cap=0.05),
                       polling=PollPolicy(initial=0.01, factor=2.0, cap=0.05)) as c:
        yield c


# The client has methods only for what ivr-ci itself does; tests reach the rest of the API through
# the same transport (token, retries, rate limit) with these.
def flow_named(client: GenesysClient, name: str, flow_type: str | None = None) -> dict[str, Any]:
    """The flow called exactly `name` (through `iter_flows`, the listing promote and export use)."""
    return next(f for f in client.iter_flows(flow_type, name=name) if f["name"] == name)


def get_flow(client: GenesysClient, flow_id: str) -> dict[str, Any]:
    return client.transport.json("GET", f"/api/v2/flows/{flow_id}")


def flow_action(client: GenesysClient, action: str, flow_id: str, **params: Any) -> Any:
    """`POST /api/v2/flows/actions/{action}?flow=...` (checkout, checkin, publish, revert ...)."""
    return client.transport.json("POST", f"/api/v2/flows/actions/{action}", params={"flow": flow_id, **params})
