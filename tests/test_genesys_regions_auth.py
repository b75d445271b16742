"""Regions, credentials from the environment, secret hygiene (offline)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ivr_ci.errors import OperationFailed
from ivr_ci.genesys import REGION_DOMAINS, ConfigurationError, Credentials, Secret, resolve_endpoints
from ivr_ci.genesys.errors import GenesysApiError, api_error, scrub

SECRET = "s3cr3t-value-for-tests-0042"


@pytest.mark.parametrize(
    ("given", "domain"),
    [
        ("us_east_1", "mypurecloud.com"),
        ("us-east-1", "mypurecloud.com"),
        ("US-EAST-1", "mypurecloud.com"),
        ("eu_west_1", "mypurecloud.ie"),
        ("eu-central-1", "mypurecloud.de"),
        ("ap-southeast-2", "mypurecloud.com.au"),
        ("eusc-de-east-1", "edee1.eusc-pure.cloud"),
        ("mypurecloud.ie", "mypurecloud.ie"),
        ("api.mypurecloud.jp", "mypurecloud.jp"),
        ("https://api.usw2.pure.cloud", "usw2.pure.cloud"),
        ("https://login.mypurecloud.de/", "mypurecloud.de"),
        ("dca", "inindca.com"),
    ],
)
def test_region_spellings(given: str, domain: str) -> None:
    ep = resolve_endpoints(given)
    assert ep.api_base == f"https://api.{domain}"
    assert ep.token_url == f"https://login.{domain}/oauth/token"
    assert ep.domain == domain


def test_every_documented_region_resolves() -> None:
    assert len(REGION_DOMAINS) == 20  # 18 public + dca/tca
    for key, domain in REGION_DOMAINS.items():
        assert resolve_endpoints(key).domain == domain
        assert resolve_endpoints(key.replace("_", "-")).domain == domain
        assert resolve_endpoints(domain).domain == domain
        assert resolve_endpoints(f"https://api.{domain}").domain == domain


def test_api_base_override_serves_the_token_endpoint() -> None:
    ep = resolve_endpoints("eu_west_1", "http://127.0.0.1:8123/")
    assert ep.api_base == "http://127.0.0.1:8123"
    assert ep.token_url == "http://127.0.0.1:8123/oauth/token"
    assert resolve_endpoints(None, "http://127.0.0.1:8123/api/v2").api_base == "http://127.0.0.1:8123"
    # a custom URL given as the region is a base too
    assert resolve_endpoints("http://localhost:9000").token_url == "http://localhost:9000/oauth/token"


@pytest.mark.parametrize("bad", ["narnia_1", "", "not a region"])
def test_unknown_region_is_a_config_error(bad: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_endpoints(bad)
    assert info.value.exit_code == 2


def test_missing_region_and_base() -> None:
    with pytest.raises(ConfigurationError, match="GENESYSCLOUD_REGION"):
        resolve_endpoints(None, None)


def test_credentials_from_gc_cli_variables() -> None:
    env = {"GENESYSCLOUD_OAUTHCLIENT_ID": "client-1", "GENESYSCLOUD_OAUTHCLIENT_SECRET": SECRET,
           "GENESYSCLOUD_REGION": "eu-west-1"}
    creds = Credentials.from_env(environ=env)
    assert creds.client_id == "client-1"
    assert creds.client_secret.reveal() == SECRET
    assert creds.region == "eu-west-1"


def test_credentials_from_per_environment_variables() -> None:
    env = {"PROD_ID": "prod-client", "PROD_SECRET": SECRET}
    creds = Credentials.from_env("PROD_ID", "PROD_SECRET", environ=env)
    assert creds.client_id == "prod-client"
    assert creds.region is None


def test_missing_credentials_name_the_variable_not_a_value() -> None:
    with pytest.raises(ConfigurationError) as info:
        Credentials.from_env("PROD_ID", "PROD_SECRET", environ={"PROD_ID": "x"})
    assert "PROD_SECRET" in str(info.value)
    assert "PROD_ID" not in str(info.value)


def test_secret_never_in_repr_str_or_format() -> None:
    creds = Credentials("client-abcdef", SECRET, "us-east-1")
    for text in (repr(creds), str(creds), f"{creds}", repr(creds.client_secret), str(creds.client_secret),
                 f"{creds.client_secret}", repr([creds]), repr({"c": creds})):
        assert SECRET not in text
    assert isinstance(creds.client_secret, Secret)
    with pytest.raises(TypeError):
        import pickle

        pickle.dumps(creds.client_secret)


def test_errors_scrub_registered_secrets() -> None:
    Secret(SECRET)
    err = api_error(401, {"message": f"bad token {SECRET}", "code": "bad.credentials", "contextId": "ctx-1"},
                    method="GET", path="/api/v2/flows")
    assert isinstance(err, GenesysApiError) and isinstance(err, OperationFailed)
    assert SECRET not in str(err) and SECRET not in repr(err) and SECRET not in err.message
    assert "bad.credentials" in str(err) and "ctx-1" in str(err)
    assert err.status == 401 and err.contextId == "ctx-1"
    assert scrub(f"x{SECRET}y") == "x***y"


def test_importing_the_package_does_not_import_requests() -> None:
    code = ("import sys, ivr_ci.genesys, ivr_ci.genesys.regions, ivr_ci.genesys.auth; "
            "assert 'requests' not in sys.modules; "
            "ivr_ci.genesys.GenesysClient; assert 'requests' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
