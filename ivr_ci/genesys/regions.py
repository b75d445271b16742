"""Genesys Cloud regions: API and login hosts.

A region may be given as an AWS-style key (`us_east_1`, `us-east-1`), a bare domain
(`mypurecloud.ie`), a host (`api.mypurecloud.ie`) or a full URL (`https://api.mypurecloud.ie`).
An explicit API base (`--api-base`, `IVR_CI_API_BASE`, an emulator) serves both `/api/v2` and
`/oauth/token` at the same base.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ivr_ci.genesys.errors import ConfigurationError

API_BASE_ENV = "IVR_CI_API_BASE"
REGION_ENV = "GENESYSCLOUD_REGION"

# PureCloudRegionHosts (Python SDK 269) / TF provider getRegionMap(), keyed by AWS region.
REGION_DOMAINS: dict[str, str] = {
    "us_east_1": "mypurecloud.com",
    "us_east_2": "use2.us-gov-pure.cloud",
    "us_west_2": "usw2.pure.cloud",
    "ca_central_1": "cac1.pure.cloud",
    "sa_east_1": "sae1.pure.cloud",
    "mx_central_1": "mxc1.pure.cloud",
    "eu_west_1": "mypurecloud.ie",
    "eu_west_2": "euw2.pure.cloud",
    "eu_central_1": "mypurecloud.de",
    "eu_central_2": "euc2.pure.cloud",
    "eusc_de_east_1": "edee1.eusc-pure.cloud",
    "me_central_1": "mec1.pure.cloud",
    "ap_south_1": "aps1.pure.cloud",
    "ap_southeast_1": "apse1.pure.cloud",
    "ap_southeast_2": "mypurecloud.com.au",
    "ap_northeast_1": "mypurecloud.jp",
    "ap_northeast_2": "apne2.pure.cloud",
    "ap_northeast_3": "apne3.pure.cloud",
    # Genesys-internal test environments (TF provider)
    "dca": "inindca.com",
    "tca": "inintca.com",
}
KNOWN_DOMAINS = frozenset(REGION_DOMAINS.values())


@dataclass(frozen=True)
class Endpoints:
    """Where to send API calls and token requests."""

    api_base: str  # e.g. https://api.mypurecloud.ie (no trailing slash, no /api/v2)
    token_url: str  # e.g. https://login.mypurecloud.ie/oauth/token
    domain: str | None = None  # the region domain; None for an explicit API base


def region_domain(region: str) -> str:
    """The region domain for any accepted spelling of a region; ConfigurationError if unknown."""
    value = region.strip().lower().rstrip("/")
    if not value:
        raise ConfigurationError("empty Genesys Cloud region")
    host = (urlsplit(value).hostname or "") if "://" in value else value.split("/", 1)[0]
    for prefix in ("api.", "login.", "apps."):
        if host.startswith(prefix) and "." in host[len(prefix):]:
            host = host[len(prefix):]
            break
    if host in KNOWN_DOMAINS:
        return host
    key = host.replace("-", "_")
    if key in REGION_DOMAINS:
        return REGION_DOMAINS[key]
    if "." in host and "_" not in host and " " not in host:
        return host  # a region domain newer than this table
    from ivr_ci.genesys.diagnose import did_you_mean, known_regions

    raise ConfigurationError(f"unknown Genesys Cloud region {region!r} ({did_you_mean(region)}known: "
                             f"{known_regions()}; or a domain such as mypurecloud.ie)")


def normalise_api_base(api_base: str) -> str:
    """`https://host[:port][/prefix]` without a trailing slash or `/api/v2`."""
    base = api_base.strip().rstrip("/")
    if "://" not in base:
        raise ConfigurationError(f"API base {api_base!r} must be a URL such as http://127.0.0.1:8080")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"API base {api_base!r} must be an http(s) URL")
    if base.endswith("/api/v2"):
        base = base[: -len("/api/v2")]
    return base


def resolve_endpoints(region: str | None = None, api_base: str | None = None) -> Endpoints:
    """Endpoints for an explicit API base (wins) or a region.

    An explicit base serves the token endpoint itself: `<api_base>/oauth/token`. A full
    `https://api.<known domain>` URL given as the region is treated as that region.
    """
    if api_base:
        base = normalise_api_base(api_base)
        host = urlsplit(base).hostname or ""
        if host.startswith("api.") and host[4:] in KNOWN_DOMAINS and urlsplit(base).path in ("", "/"):
            return for_domain(host[4:])
        return Endpoints(api_base=base, token_url=f"{base}/oauth/token")
    if not region:
        raise ConfigurationError(
            f"no Genesys Cloud region: set the environment's `region`, {REGION_ENV}, or an API base "
            f"(--api-base / {API_BASE_ENV})"
        )
    value = region.strip()
    if "://" in value:
        host = urlsplit(value).hostname or ""
        if not any(host.startswith(p) for p in ("api.", "login.")) or urlsplit(value).port:
            return resolve_endpoints(None, value)  # a custom base (emulator, proxy)
    return for_domain(region_domain(value))


def for_domain(domain: str) -> Endpoints:
    return Endpoints(api_base=f"https://api.{domain}", token_url=f"https://login.{domain}/oauth/token", domain=domain)

