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
