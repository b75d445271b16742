"""Genesys Cloud Platform API client (see docs/genesys-client.md).

`requests` is imported lazily: importing `ivr_ci.genesys`, `.errors`, `.regions` or `.auth`
does not import it; `GenesysClient` and friends load `.client` on first access.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ivr_ci.genesys.auth import Credentials, Secret
from ivr_ci.genesys.errors import (
    AuditQueryFailed,
    AuthenticationFailed,
    BadRequest,
    ConfigurationError,
    Conflict,
    ExportJobFailed,
    Forbidden,
    GenesysApiError,
    GenesysConnectionError,
    GenesysError,
    ImportJobFailed,
    JobTimeout,
    NotFound,
    RateLimited,
    ServerError,
    Unauthorized,
)
from ivr_ci.genesys.policy import PollPolicy, RetryPolicy
from ivr_ci.genesys.regions import REGION_DOMAINS, Endpoints, resolve_endpoints

if TYPE_CHECKING:
    from ivr_ci.genesys.client import GenesysClient, client_for_environment
    from ivr_ci.genesys.jobs import ImportJob
    from ivr_ci.genesys.ratelimit import RateLimiter

_LAZY = {
    "GenesysClient": "ivr_ci.genesys.client",
    "client_for_environment": "ivr_ci.genesys.client",
    "ImportJob": "ivr_ci.genesys.jobs",
    "RateLimiter": "ivr_ci.genesys.ratelimit",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ivr_ci.genesys' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "REGION_DOMAINS",
    "AuditQueryFailed",
    "AuthenticationFailed",
    "BadRequest",
    "ConfigurationError",
    "Conflict",
    "Credentials",
    "Endpoints",
    "ExportJobFailed",
    "Forbidden",
    "GenesysApiError",
    "GenesysClient",
    "GenesysConnectionError",
    "GenesysError",
    "ImportJob",
    "ImportJobFailed",
    "JobTimeout",
    "NotFound",
    "PollPolicy",
    "RateLimited",
    "RateLimiter",
    "RetryPolicy",
    "Secret",
    "ServerError",
    "Unauthorized",
    "client_for_environment",
    "resolve_endpoints",
]
