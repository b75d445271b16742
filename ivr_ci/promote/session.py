"""Glue shared by `ivr-ci promote` and `ivr-ci validate-flow --online`: settings, rendering and
a Genesys client for one environment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ivr_ci.config import Config
from ivr_ci.findings import Finding
from ivr_ci.promote.overlay import MenuOverlay
from ivr_ci.promote.release import Release, offline_findings, render_release, source_paths
from ivr_ci.promote.settings import EnvSettings, PromotionSettings, environment_settings, promotion_settings

if TYPE_CHECKING:
    from ivr_ci.genesys.client import GenesysClient


@dataclass
class Session:
    config: Config
    env: EnvSettings
    promotion: PromotionSettings
    release: Release
    findings: list[Finding]  # render + offline validate-flow findings on the rendered flows


def prepare(config: Config, env_name: str, paths: list[str], overlays: list[MenuOverlay], *,
            ledger: str | None = None, lock_dir: str | None = None, offline_checks: bool = True) -> Session:
    env = environment_settings(config, env_name)
    promotion = promotion_settings(config, ledger=ledger, lock_dir=lock_dir)
    files = source_paths(config, paths)
    all_files = source_paths(config, []) if paths and config.data.get("flows") else files
    release = render_release(config, env, files, overlays, groups=promotion.groups, all_files=all_files)
    findings = list(release.findings)
    if release.flows and offline_checks:
        findings += offline_findings(config, release)
    return Session(config, env, promotion, release, sorted(set(findings), key=Finding.sort_key))


def make_client(env: EnvSettings, *, api_base: str | None = None, poll_initial: float | None = None,
                job_timeout: float | None = None, upload_timeout: float | None = None,
                **kwargs: Any) -> GenesysClient:
    """A client for the environment (rate limit, retries: the client's defaults). The polling
    knobs exist so tests and benchmarks run fast; extra keywords go to `GenesysClient`."""
    from dataclasses import replace

    from ivr_ci.genesys import PollPolicy
    from ivr_ci.genesys.client import client_for_environment

    changes: dict[str, float] = {}
    if poll_initial is not None:
        changes.update(initial=poll_initial, cap=max(poll_initial, min(5.0, poll_initial * 20)))
    if job_timeout is not None:
        changes["export_timeout"] = job_timeout  # import jobs: the Deployer's own timeout
    if upload_timeout is not None:
        changes["upload_timeout"] = upload_timeout
    policy = replace(PollPolicy(), **changes)
    if "limiter" not in kwargs:
        kwargs["limiter"] = window_limiter(env)
    return client_for_environment(env.raw, api_base=api_base, polling=policy, **kwargs)


def window_limiter(env: EnvSettings) -> Any:
    """The client-side limiter: the server's per-minute limit (`rate_limit`, default 300/min,
    the Genesys default per token) as a sliding window, see `ivr_ci.promote.ratewindow`."""
    from ivr_ci.promote.ratewindow import SlidingWindowLimiter

    return SlidingWindowLimiter(float(env.raw.get("rate_limit") or 300))


def online_preflight(config: Config, env_name: str, paths: list[str], *, api_base: str | None = None,
                     workers: int = 4) -> tuple[list[Finding], list[str]]:
    """`validate-flow --online --env NAME`: render for the environment, then check every org
    object the flows use exists in the target org (plus permissions and empty queues)."""
    from ivr_ci.promote.preflight import check_objects, permission_report
    from ivr_ci.promote.target import list_target

    # validate-flow runs the offline checks itself: only render problems are added here
    session = prepare(config, env_name, paths, [], offline_checks=False)
    findings = list(session.release.findings)
    release = session.release
    if not release.flows:
        return findings, []
    with make_client(session.env, api_base=api_base) as client:
        target = list_target(client, {f.yaml_type for f in release.flows if f.yaml_type})
        pre = check_objects(client, release.flows, target, release.keys, workers=workers,
                            release_prompts={str(p.name).casefold() for p in release.prompts if p.name})
        try:
            token_info = client.token_info()
        except Exception:  # noqa: BLE001 - informational
            token_info = None
    kinds = {r.kind for f in release.flows if f.doc.flow is not None for r in f.doc.flow.org_references()}
    perms = permission_report(pre, exported=False, force_unlock=False, token_info=token_info, uses_kinds=kinds)
    notes = list(release.notes) + list(pre.notes) + ([perms["note"]] if perms["note"] else [])
    from ivr_ci.promote.maintenance_render import relocate

    return findings + relocate(pre.findings, release.flows), notes
