"""`python -m ivr_ci.action promote`: the composite action's inputs (INPUT_* variables) as an
`ivr-ci promote` run, plus the sticky plan comment on the pull request.

Credentials reach the step either as environment variables named by the environment's
`client_id_env`/`client_secret_env` (the workflow maps secrets into `env:`), or as the
`client-id`/`client-secret` inputs, which are exported under those names. Both are masked
before anything else runs and never appear on a command line.
"""

from __future__ import annotations

import os

from ivr_ci import gha


def _credentials(config: str | None, env: str) -> None:
    from ivr_ci.config import load_config

    spec = load_config(config or None).environments.get(env) or {}
    names = (str(spec.get("client_id_env") or "GENESYSCLOUD_OAUTHCLIENT_ID"),
             str(spec.get("client_secret_env") or "GENESYSCLOUD_OAUTHCLIENT_SECRET"))
    for value, var in zip((gha.get_input("client-id"), gha.get_input("client-secret")), names, strict=True):
        if value:
            os.environ[var] = value
    for var in names:
        gha.mask(os.environ.get(var))


def promote_stage() -> int:
    from ivr_ci.cli import main

    gha.mask(gha.get_input("client-secret"))
    gha.mask(gha.get_input("client-id"))
    env, mode = gha.get_input("environment"), gha.get_input("mode") or "plan"
    if not env:
        gha.error("promote: the 'environment' input is required")
        return 2
    if mode not in ("plan", "apply"):
        gha.error(f"promote: 'mode' must be plan or apply, not {mode!r}")
        return 2
    config = gha.get_input("config")
    try:
        _credentials(config, env)
    except Exception as exc:  # a bad config is reported by the command itself, with file:line
        gha.debug(f"credential names not read: {exc}")
    temp = os.environ.get("RUNNER_TEMP") or os.getcwd()
    markdown = os.path.join(temp, f"ivr-ci-promote-{env}-{mode}.md")
    argv = ["promote", f"--env={env}", f"--{mode}", f"--markdown-file={markdown}"]
    for name in ("plan-hash", "config", "ledger", "lock-dir", "api-base", "override-window", "concurrency"):
        if gha.get_input(name):
            argv.append(f"--{name}={gha.get_input(name)}")
    if gha.get_flag_input("force-unlock", False):
        argv.append("--force-unlock")
    for overlay in gha.get_list_input("menu-overlay"):
        argv.append(f"--menu-overlay={overlay}")
    code = main([*argv, "--", *gha.get_list_input("paths")])
    if os.path.exists(markdown):
        gha.set_output("report", markdown)
        if mode == "plan" and gha.get_flag_input("comment", True):
            _comment(markdown, env)
    return code


def _comment(path: str, env: str) -> None:
    """The plan as one sticky comment per environment (warning + summary when not possible)."""
    from ivr_ci.github.client import GitHubClient
    from ivr_ci.github.sticky import post_or_fallback

    with open(path, encoding="utf-8") as fh:
        body = fh.read()
    token = gha.get_input("github-token") or None
    if token:
        gha.mask(token)
    client = GitHubClient(token=token)
    try:
        result = post_or_fallback(body, kind="plan", label=env, client=client, summary_markdown="")
    finally:
        client.close()
    if result.url:
        gha.set_output("comment-url", result.url)
