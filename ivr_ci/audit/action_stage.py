"""`python -m ivr_ci.action audit-report`: the composite action's inputs (INPUT_* variables) as an
`ivr-ci audit-report` command line.

Credentials arrive as the `client-id`/`client-secret` inputs (mapped from secrets by the
workflow); they are masked first, then exported under the variable names the environment
declares (`client_id_env`/`client_secret_env`), so the CLI reads them the usual way and the
values never appear on a command line.
"""

from __future__ import annotations

import os

from ivr_ci import gha

_EXT = {"md": "md", "html": "html", "csv": "csv", "json": "json"}



def _credential_names(config_path: str | None, env: str) -> tuple[str, str]:
    from ivr_ci.config import load_config

    spec = load_config(config_path or None).environments.get(env) or {}
    return (str(spec.get("client_id_env") or "GENESYSCLOUD_OAUTHCLIENT_ID"),
            str(spec.get("client_secret_env") or "GENESYSCLOUD_OAUTHCLIENT_SECRET"))


def audit_report_stage() -> int:
    from ivr_ci.cli import main

    client_id, secret = gha.get_input("client-id"), gha.get_input("client-secret")
    gha.mask(secret)
    gha.mask(client_id)
    env = gha.get_input("environment")
    if not env:
        gha.error("audit-report: the 'environment' input is required")
        return 2
    config = gha.get_input("config")
    if client_id or secret:
        id_var, secret_var = _credential_names(config, env)
        if client_id:
            os.environ[id_var] = client_id
        if secret:
            os.environ[secret_var] = secret
    fmt = gha.get_input("format") or "md"
    out = gha.get_input("out") or os.path.join(os.environ.get("RUNNER_TEMP") or os.getcwd(),
                                        f"ivr-ci-audit-report.{_EXT.get(fmt, 'txt')}")
    argv = ["audit-report", "--env", env, "--format", fmt, "--out", out]
    for name, flag in (("since", "--since"), ("from", "--from"), ("to", "--to"), ("ledger", "--ledger"),
                       ("config", "--config"), ("api-base", "--api-base")):
        if gha.get_input(name):
            argv += [flag, gha.get_input(name)]
    for value in gha.get_input("fail-on").replace(",", " ").split():
        argv += ["--fail-on", value]
    paths = gha.get_list_input("paths")
    if paths:
        argv += ["--paths", *paths]
    code = main(argv)
    if os.path.exists(out):
        gha.set_output("report", out)
    return code
