"""`ivr-ci audit-report`, end to end: settings → audit stream → drift → release metrics → report.

Only the audit stream is unbounded; it is consumed one record at a time (aggregate.py), and
the CSV form streams every event straight to its file.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import IO, Any

from ivr_ci.audit.aggregate import TIMELINE_LIMIT, Aggregator
from ivr_ci.audit.deployments import LedgerIndex
from ivr_ci.audit.drift import DriftResult, check_drift
from ivr_ci.audit.metrics import DEFAULT_WINDOW, release_outcomes
from ivr_ci.audit.report import AuditReport
from ivr_ci.audit.source import Progress, iter_records
from ivr_ci.audit.timerange import parse_duration, plan_windows, resolve_range
from ivr_ci.config import Config, load_config
from ivr_ci.errors import ConfigError, UsageError
from ivr_ci.util.files import atomic_file
from ivr_ci.util.numbers import whole_number

FORMATS = ("md", "html", "csv", "json")
FAIL_ON = ("drift", "out-of-band")


@dataclass
class ReportOptions:
    env: str
    since: str | None = None
    start: str | None = None
    end: str | None = None
    fmt: str = "md"
    out: str | None = None
    ledger: str | None = None
    fail_on: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    config: str | None = None
    api_base: str | None = None
    pipeline_clients: list[str] = field(default_factory=list)
    drift: bool = True
    metrics: bool = True
    metrics_window: str | None = None
    timeline_limit: int | None = None
    progress: bool = True
    now: datetime | None = None  # tests and benches pin the clock


@dataclass
class ReportRun:
    report: AuditReport
    text: str | None  # rendered report (None for CSV, which is streamed)
    exit_code: int


def audit_settings(config: Config) -> dict[str, Any]:
    """`audit:` in .ivr-ci.yaml: pipeline-clients, metrics-window, timeline-limit."""
    section = config.section("audit")
    where = config.path or ".ivr-ci.yaml"
    clients = section.get("pipeline-clients", [])
    if not isinstance(clients, list) or not all(isinstance(c, str) and c for c in clients):
        raise ConfigError(f"{where}: audit/pipeline-clients: expected a list of OAuth client ids")
    window = section.get("metrics-window")
    if window is not None and not isinstance(window, str):
        raise ConfigError(f"{where}: audit/metrics-window: expected a duration such as 24h")
    limit = section.get("timeline-limit")
    if limit is not None and whole_number(limit, 1, 1_000_000) is None:
        raise ConfigError(f"{where}: audit/timeline-limit: expected a whole number from 1 to 1000000")
    return {"pipeline-clients": list(clients), "metrics-window": window, "timeline-limit": limit}


@contextlib.contextmanager
def open_output(path: str | None) -> Iterator[IO[str]]:
    """stdout, or a temp file beside `path` renamed over it only when everything was written."""
    if not path:
        yield sys.stdout
        return
    with atomic_file(path, "w", encoding="utf-8", newline="") as fh:
        yield fh


def _release(config: Config, env: Any, paths: list[str]) -> tuple[Any, str | None]:
    """The repository's flows rendered for the environment, or a note saying why drift is skipped."""
    from ivr_ci.promote.release import render_release, source_paths

    if not paths and not config.data.get("flows"):
        from ivr_ci.flow import expand_paths

        if not expand_paths(["."]):
            return None, "no flow files (give --paths or `flows:` in .ivr-ci.yaml): drift not checked"
    files = source_paths(config, paths)
    return render_release(config, env, files, []), None


def build_report(opts: ReportOptions, *, stream_events: Any = None) -> AuditReport:
    from ivr_ci.promote.ledger import read_ledger
    from ivr_ci.promote.session import make_client
    from ivr_ci.promote.settings import environment_settings, promotion_settings

    if opts.fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}")
    now = opts.now or datetime.now(timezone.utc)
    rng = resolve_range(opts.since, opts.start, opts.end, now)
    config = load_config(opts.config)
    settings = audit_settings(config)
    env = environment_settings(config, opts.env)
    promotion = promotion_settings(config, ledger=opts.ledger)
    window_text = opts.metrics_window or settings["metrics-window"]
    window = parse_duration(window_text, "--metrics-window") if window_text else DEFAULT_WINDOW
    release, drift_note = _release(config, env, opts.paths) if opts.drift else (None, "--no-drift: not checked")
    entries = read_ledger(promotion.ledger)
    notes: list[str] = []
    ledger_path: str | None = promotion.ledger
    if not os.path.exists(promotion.ledger):
        from ivr_ci.promote.github_deployments import ledger_from_github

        found = ledger_from_github(env) if opts.ledger is None else None
        if found is not None:
            entries, ledger_path, note = found
            notes.append(note)
        else:
            notes.append(f"no deployment ledger at {promotion.ledger}: no event can be matched to a deployment")

    with make_client(env, api_base=opts.api_base) as client:
        clients = set(opts.pipeline_clients) | set(settings["pipeline-clients"]) or {client.client_id}
        ledger = LedgerIndex.from_entries(entries, env.name, clients)
        windows = plan_windows(rng, now)
        agg = Aggregator(ledger, timeline_limit=opts.timeline_limit or settings["timeline-limit"] or TIMELINE_LIMIT,
                         on_event=stream_events)
        progress = Progress(len(windows), enabled=opts.progress)
        for record in iter_records(client, windows, progress):
            agg.add(record)
        if release is not None:
            progress.note(f"checking content drift of {len(release.flows)} flow(s)")
            drift = check_drift(client, release, export_timeout=promotion.job_timeout)
        else:
            drift = DriftResult(checked=False, notes=[drift_note or "drift not checked"])
        in_range = ledger.in_range(rng)
        releases = []
        if opts.metrics and in_range:
            progress.note(f"flow metrics around {len(in_range)} deployment(s)")
            releases = release_outcomes(client, in_range, now, window)
    return AuditReport(opts.env, rng, now, windows, agg, in_range, drift, releases,
                       ledger_path=ledger_path, ledger_entries=len(ledger.deployments),
                       pipeline_clients=sorted(clients), notes=notes)


def render(report: AuditReport, fmt: str) -> str:
    if fmt == "html":
        from ivr_ci.audit.render_html import render_html

        return render_html(report)
    if fmt == "json":
        import json

        return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
    from ivr_ci.audit.render_md import render_markdown

    return render_markdown(report)


def exit_code(report: AuditReport, fail_on: list[str]) -> int:
    if report.drift.errors or report.drift.problems:
        return 1  # a flow could not be exported or rendered: the report is incomplete
    if "drift" in fail_on and report.has_drift:
        return 1
    if "out-of-band" in fail_on and report.has_out_of_band:
        return 1
    return 0


def run_report(opts: ReportOptions) -> ReportRun:
    if opts.fmt == "csv":
        from ivr_ci.audit.render_csv import CsvEventWriter

        with open_output(opts.out) as fh:
            report = build_report(opts, stream_events=CsvEventWriter(fh))
        return ReportRun(report, None, exit_code(report, opts.fail_on))
    report = build_report(opts)
    text = render(report, opts.fmt)
    with open_output(opts.out) as fh:
        fh.write(text)
    return ReportRun(report, text, exit_code(report, opts.fail_on))


def publish_to_actions(run: ReportRun) -> None:
    """In GitHub Actions: the Markdown report into the job summary, counts as step outputs."""
    from ivr_ci import gha

    report = run.report
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        gha.append_summary(run.text if run.text and run.text.startswith("# Audit report") else render(report, "md"))
    t = report.totals
    gha.set_output("out-of-band-publishes", t.out_of_band_publishes)
    gha.set_output("out-of-band", t.out_of_band)
    gha.set_output("pipeline", t.pipeline)
    gha.set_output("drifted", len(report.drift.drifted))
    gha.set_output("records", t.records)


__all__ = ["FAIL_ON", "FORMATS", "ReportOptions", "ReportRun", "build_report", "exit_code", "publish_to_actions",
           "render", "run_report"]
