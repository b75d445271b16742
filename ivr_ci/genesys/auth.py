"""Client credentials (from environment variables only) and the access-token cache."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping

from ivr_ci.genesys.errors import ConfigurationError, register_secret
from ivr_ci.genesys.regions import REGION_ENV

CLIENT_ID_ENV = "GENESYSCLOUD_OAUTHCLIENT_ID"
CLIENT_SECRET_ENV = "GENESYSCLOUD_OAUTHCLIENT_SECRET"


class Secret:
    """A string that never shows itself in repr/str/format; `.reveal()` returns it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        register_secret(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> tuple[object, ...]:  # never pickled with its value
        raise TypeError("Secret values cannot be pickled")


class Credentials:
    """OAuth client-credentials grant: client id, secret (a `Secret`) and optional region.

    Immutable; `repr`/`str` show a prefix of the client id and never the secret.
    """

    __slots__ = ("_client_id", "_client_secret", "_region", "_variables")

    def __init__(self, client_id: str, client_secret: str | Secret, region: str | None = None,
                 variables: tuple[str, str] | None = None) -> None:
        self._client_id = client_id
        self._client_secret = client_secret if isinstance(client_secret, Secret) else Secret(client_secret)
        self._region = region
        self._variables = variables or (CLIENT_ID_ENV, CLIENT_SECRET_ENV)

    @property
    def variables(self) -> tuple[str, str]:
        """The environment variables the id and secret come from (named in 401/403 messages)."""
        return self._variables

    @property
    def client_id(self) -> str:
        return self._client_id

    @property
    def client_secret(self) -> Secret:
        return self._client_secret

    @property
    def region(self) -> str | None:
        return self._region

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Credentials) and (self._client_id, self._client_secret, self._region) == (
            other._client_id, other._client_secret, other._region)

    def __hash__(self) -> int:
        return hash((self._client_id, self._client_secret, self._region))

    def __repr__(self) -> str:
        shown = self.client_id[:4] + "…" if len(self.client_id) > 4 else "…"
        return f"Credentials(client_id={shown!r}, client_secret=***, region={self.region!r})"

    __str__ = __repr__

    @classmethod
    def from_env(
        cls,
        client_id_env: str | None = None,
        client_secret_env: str | None = None,
        region_env: str | None = REGION_ENV,
        environ: Mapping[str, str] | None = None,
    ) -> Credentials:
        """Read the credentials from environment variables (never from files).

        Defaults are the `gc` CLI's variables (`GENESYSCLOUD_OAUTHCLIENT_ID`,
        `GENESYSCLOUD_OAUTHCLIENT_SECRET`, `GENESYSCLOUD_REGION`); an `.ivr-ci.yaml` environment
        names its own (`client_id_env`, `client_secret_env`). Errors name the variable, never a value.
        """
        env = os.environ if environ is None else environ
        id_var = client_id_env or CLIENT_ID_ENV
        secret_var = client_secret_env or CLIENT_SECRET_ENV
        missing = [v for v in (id_var, secret_var) if not (env.get(v) or "").strip()]
        if missing:
            raise ConfigurationError(
                "Genesys Cloud credentials missing: set the environment variable(s) " + ", ".join(missing)
            )
        region = (env.get(region_env) or "").strip() or None if region_env else None
        return cls(client_id=env[id_var].strip(), client_secret=Secret(env[secret_var].strip()), region=region,
                   variables=(id_var, secret_var))


class TokenCache:
    """Thread-safe cache of one access token, refreshed `refresh_margin` s before it expires.

    The margin shrinks to half the lifetime for short-lived tokens. `invalidate(token)` after a
    401 drops that token only, so several threads hitting 401 together cause one refresh.
    """

    def __init__(self, refresh_margin: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._margin = refresh_margin
        self._token: str | None = None
        self._refresh_at = 0.0
        self.issued = 0  # tokens fetched so far

    def __repr__(self) -> str:
        return f"TokenCache(issued={self.issued}, cached={self._token is not None})"

    def get(self, fetch: Callable[[], tuple[str, float | None]]) -> str:
        """The cached token, or a new one from `fetch() -> (access_token, expires_in)`."""
        with self._lock:
            now = self._clock()
            if self._token is not None and now < self._refresh_at:
                return self._token
            token, expires_in = fetch()
            register_secret(token)
            lifetime = float(expires_in) if expires_in else 3600.0
            margin = min(self._margin, lifetime / 2.0)
            self._token = token
            self._refresh_at = self._clock() + lifetime - margin
            self.issued += 1
            return token

    def invalidate(self, token: str | None = None) -> None:
        with self._lock:
            if token is None or token == self._token:
                self._token = None
                self._refresh_at = 0.0
