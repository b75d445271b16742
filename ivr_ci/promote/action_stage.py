"""`python -m ivr_ci.action promote`: the composite action's inputs (INPUT_* variables) as an
`ivr-ci promote` run, plus the sticky plan comment on the pull request.

Credentials reach the step either as environment variables named by the environment's
`client_id_env`/`client_secret_env` (the workflow maps secrets into `env:`), or as the
`client-id`/`client-secret` inputs, which are exported under those names. Both are masked
before anything else runs and never appear on a command line.
"""

from __future__ import annotations

import os
import shlex

from ivr_ci import gha


def _input(name: str) -> str:
    return os.environ.get(f"INPUT_{name.upper().replace('-', '_')}", "").strip()


def _flag(name: str, default: bool) -> bool:
    raw = _input(name).lower()
    return default if not raw else raw in ("1", "true", "yes", "on")


def _lines(name: str) -> list[str]:
    return [p for line in _input(name).splitlines() for p in shlex.split(line)]


def _credentials(config: str | None, env: str) -> None:
    from ivr_ci.config import load_config

    spec = load_config(config or None).environments.get(env) or {}
    names = (str(spec.get("client_id_env") or "GENESYSCLOUD_OAUTHCLIENT_ID"),
             str(spec.get("client_secret_env") or "GENESYSCLOUD_OAUTHCLIENT_SECRET"))
    for value, var in zip((_input("client-id"), _input("client-secret")), names, strict=True):
        if value:
            os.environ[var] = value
    for var in names:
        gha.mask(os.environ.get(var))


def promote_stage() -> int:
    from ivr_ci.cli import main

    gha.mask(_input("client-secret"))
    gha.mask(_input("client-id"))
    env, mode = _input("environment"), _input("mode") or "plan"
    if not env:
        gha.error("promote: the 'environment' input is required")
        return 2
    if mode not in ("plan", "apply"):
        gha.error(f"promote: 'mode' must be plan or apply, not {mode!r}")
        return 2
    config = _input("config")
    try:
        _credentials(config, env)
    except Exception as exc:  # a bad config is reported by the command itself, with file:line
        gha.debug(f"credential names not read: {exc}")
    temp = os.environ.get("RUNNER_TEMP") or os.getcwd()
    markdown = os.path.join(temp, f"ivr-ci-promote-{env}-{mode}.md")
    argv = ["promote", f"--env={env}", f"--{mode}", f"--markdown-file={markdown}"]
    for name in ("plan-hash", "config", "ledger", "lock-dir", "api-base", "override-window", "concurrency"):
        if _input(name):
            argv.append(f"--{name}={_input(name)}")
    if _flag("force-unlock", False):
        argv.append("--force-unlock")
    for overlay in _lines("menu-overlay"):
        argv.append(f"--menu-overlay={overlay}")
    code = main([*argv, "--", *_lines("paths")])
    if os.path.exists(markdown):
        gha.set_output("report", markdown)
        if mode == "plan" and _flag("comment", True):
            _comment(markdown, env)
    return code


def _comment(path: str, env: str) -> None:
    """The plan as one sticky comment per environment (warning + summary when not possible)."""
    from ivr_ci.github.client import GitHubClient
    from ivr_ci.github.sticky import post_or_fallback

    with open(path, encoding="utf-8") as fh:
        body = fh.read()
    token = _input("github-token") or None
    if token:
        gha.mask(token)
    client = GitHubClient(token=token)
    try:
        result = post_or_fallback(body, kind="plan", label=env, client=client, summary_markdown="")
    finally:
        client.close()
    if result.url:
        gha.set_output("comment-url", result.url)
