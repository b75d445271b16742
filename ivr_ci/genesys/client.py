"""`GenesysClient`: the façade other packages use (promote, audit-report, export ...)."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

from ivr_ci.genesys.audits import AuditsMixin
from ivr_ci.genesys.auth import Credentials
from ivr_ci.genesys.errors import ConfigurationError
from ivr_ci.genesys.flows import FlowsMixin
from ivr_ci.genesys.insights import InsightsMixin
from ivr_ci.genesys.jobs import JobsMixin
from ivr_ci.genesys.lookups import LookupsMixin
from ivr_ci.genesys.policy import PollPolicy, RetryPolicy
from ivr_ci.genesys.prompts import PromptsMixin
from ivr_ci.genesys.ratelimit import Limiter, RateLimiter
from ivr_ci.genesys.regions import API_BASE_ENV, Endpoints, resolve_endpoints
from ivr_ci.genesys.transport import Transport, TransportStats
from ivr_ci.util.numbers import read_number

DEFAULT_RATE_LIMIT = 300.0  # requests per minute per token (Genesys default)


class GenesysClient(FlowsMixin, JobsMixin, LookupsMixin, AuditsMixin, InsightsMixin, PromptsMixin):
    """A Genesys Cloud API client for one OAuth client (one token, one rate limit).

    Thread-safe: share one client between worker threads; they share its token and its rate
    limiter. `rate_limit` is requests/minute (None: no client-side limit).
    """

    def __init__(
        self,
        credentials: Credentials,
        *,
        region: str | None = None,
        api_base: str | None = None,
        rate_limit: float | None = DEFAULT_RATE_LIMIT,
        retry: RetryPolicy | None = None,
        polling: PollPolicy | None = None,
        timeout: tuple[float, float] = (10.0, 60.0),
        refresh_margin: float = 60.0,
        limiter: Limiter | None = None,
    ) -> None:
        self.credentials = credentials
        self.endpoints: Endpoints = resolve_endpoints(region or credentials.region, api_base)
        self.client_id = credentials.client_id
        self.polling = polling or PollPolicy()
        self._t = Transport(
            self.endpoints,
            credentials,
            retry=retry,
            limiter=limiter or RateLimiter(rate_limit),
            timeout=timeout,
            refresh_margin=refresh_margin,
        )
        self._lookup_cache: dict[tuple[str, ...], Any] = {}
        self._lookup_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"GenesysClient(api_base={self.endpoints.api_base!r}, credentials={self.credentials!r})"

    # --- plumbing for callers ----------------------------------------------------------------
    @property
    def transport(self) -> Transport:
        """The underlying transport: `request(method, path, ...)`/`json(...)` for calls the
        client has no method for (same retries, token, rate limit)."""
        return self._t

    @property
    def stats(self) -> TransportStats:
        return self._t.stats

    def close(self) -> None:
        self._t.close()

    def __enter__(self) -> GenesysClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def client_for_environment(
    env_config: Mapping[str, Any],
    api_base: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> GenesysClient:
    """A client for one `.ivr-ci.yaml` environment (its dict form).

    Keys: `region` or `api_base`, `client_id_env`, `client_secret_env`, optional `rate_limit`
    (requests/minute). The API base is, in order: the argument (`--api-base`),
    `IVR_CI_API_BASE`, the environment's `api_base`; otherwise the region (the environment's,
    else `GENESYSCLOUD_REGION`). Extra keyword arguments go to `GenesysClient`.
    """
    env = os.environ if environ is None else environ
    creds = Credentials.from_env(env_config.get("client_id_env"), env_config.get("client_secret_env"), environ=env)
    base = api_base or env.get(API_BASE_ENV) or env_config.get("api_base") or None
    region = env_config.get("region") or creds.region
    if not base and not region:
        name = env_config.get("name") or "the environment"
        raise ConfigurationError(f"{name}: no `region` or `api_base` (and GENESYSCLOUD_REGION is not set)")
    if "rate_limit" in env_config and "rate_limit" not in kwargs:
        value = env_config["rate_limit"]
        number = read_number(value) if isinstance(value, (int, float)) else None
        if value is not None and (number is None or number.value is None or not 0 < number.value <= 1e6):
            shown = number.shown if number else repr(value)[:40]
            raise ConfigurationError(f"rate_limit must be a positive number of requests per minute "
                                     f"(at most 1000000), not {shown}")
        kwargs["rate_limit"] = number.value if number else None
    return GenesysClient(creds, region=region, api_base=base, **kwargs)
