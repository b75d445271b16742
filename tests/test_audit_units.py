"""audit package pieces in isolation: query windows, the pipeline/out-of-band rule, bounded state,
reverse substitution, file naming, and escaping in every report form."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest

from ivr_ci.audit.aggregate import Aggregator
from ivr_ci.audit.deployments import LedgerIndex
from ivr_ci.audit.drift import DriftResult
from ivr_ci.audit.naming import slug
from ivr_ci.audit.params import ReverseMap, parameterise
from ivr_ci.audit.render_csv import CsvEventWriter
from ivr_ci.audit.render_html import render_html
from ivr_ci.audit.render_md import render_markdown
from ivr_ci.audit.report import AuditReport
from ivr_ci.audit.timerange import REALTIME_DAYS, TimeRange, iso, plan_windows, resolve_range
from ivr_ci.errors import UsageError
from ivr_ci.promote.render import substitute

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=timezone.utc)


# ---- time windows --------------------------------------------------------------------------
@pytest.mark.parametrize("days", [1, 13, 20, 95, 400])
def test_windows_cover_the_range_once_and_respect_the_realtime_horizon(days):
    rng = resolve_range(f"{days}d", None, None, NOW)
    windows = plan_windows(rng, NOW)
    assert windows[0].range.start == rng.start and windows[-1].range.end == rng.end
    for a, b in zip(windows, windows[1:], strict=False):
        assert a.range.end == b.range.start  # contiguous, no overlap: no record twice
    horizon = NOW - timedelta(days=REALTIME_DAYS)
    for w in windows:
        assert w.range.end - w.range.start <= timedelta(days=30)
        if w.realtime:
            assert w.range.start >= horizon
    assert any(w.realtime for w in windows)
    assert any(not w.realtime for w in windows) == (days > REALTIME_DAYS)


def test_explicit_range_and_bad_ranges():
    rng = resolve_range(None, "2026-01-01", "2026-01-02T06:00:00Z", NOW)
    assert rng.interval == "2026-01-01T00:00:00.000Z/2026-01-02T06:00:00.000Z"
    assert all(not w.realtime for w in plan_windows(rng, NOW))  # half a year old: async only
    for args in [("2w", "2026-01-01", None), (None, "2026-01-02", "2026-01-01"), (None, None, "2026-01-01"),
                 ("-3d", None, None), (None, "yesterday", None)]:
        with pytest.raises(UsageError):
            resolve_range(*args, NOW)


@pytest.mark.parametrize("since", ["99999999999999999999w", "999999w", "36501d"])
def test_a_duration_beyond_100_years_is_a_usage_error(since):
    with pytest.raises(UsageError, match=r"--since: the duration must be more than 0 and at most 36500d"):
        resolve_range(since, None, None, NOW)
    assert resolve_range("36500d", None, None, NOW).end == NOW


# ---- the pipeline / out-of-band rule ---------------------------------------------------------
def _ledger(**entry):
    base = {"runId": "run1", "environment": "prod", "gitSha": "abcdef1234", "planHash": "0" * 64,
            "startedAt": "2026-06-30T10:00:00Z", "finishedAt": "2026-06-30T10:05:00Z", "outcome": "success",
            "flows": [{"name": "Main", "type": "inboundCall", "flowId": "f1", "previousVersion": "3.0",
                       "newVersion": "4.0", "status": "published"}]}
    base.update(entry)
    return base


def _record(action="Publish", minute=2, client="ci", user=None, version="4.0", flow=("f1", "Main")):
    rec = {"id": f"a{minute}{action}", "eventDate": iso(datetime(2026, 6, 30, 10, 0, tzinfo=timezone.utc)
                                                          + timedelta(minutes=minute)),
           "action": action, "entityType": "Flow", "entity": {"id": flow[0], "name": flow[1]},
           "context": {"version": version} if version else {}}
    if client:
        rec["client"] = {"id": client}
    if user:
        rec["user"] = {"id": "u1", "name": user}
    return rec


@pytest.mark.parametrize("record, entries, kind, why", [
    (_record(), [_ledger()], "pipeline", "deployment run1"),
    (_record(user="Ann", client="architect-ui"), [_ledger()], "out-of-band", "person (Ann)"),
    (_record(client="other"), [_ledger()], "out-of-band", "not the pipeline's client"),
    (_record(version="2.0"), [_ledger()], "out-of-band", "published version 2.0"),
    (_record(minute=60 * 5), [_ledger()], "out-of-band", "no deployment of this flow"),
    (_record(flow=("f9", "Other")), [_ledger()], "out-of-band", "no deployment of this flow"),
    (_record(minute=-1), [_ledger()], "pipeline", "run1"),  # clock skew before startedAt
    (_record(action="Update", version=None), [_ledger()], "pipeline", "run1"),
    (_record(version="3.0"), [_ledger(outcome="rolled-back", rollback={"flows": [
        {"name": "Main", "type": "inboundCall", "action": "restored", "version": "3.0", "ok": True}],
        "verified": True})], "pipeline", "run1"),
    # the ledger names the deploying client: the configured one no longer counts
    (_record(), [_ledger(clientId="deployer-2")], "out-of-band", "ci did not run deployment run1"),
    (_record(client="deployer-2"), [_ledger(clientId="deployer-2")], "pipeline", "run1"),
    (_record(), [_ledger(environment="dev")], "out-of-band", "no deployment"),
    (_record(client=None), [_ledger()], "out-of-band", "no user or OAuth client"),
])
def test_classification_rule(record, entries, kind, why):
    ledger = LedgerIndex.from_entries(entries, "prod", {"ci"})
    agg = Aggregator(ledger)
    item = agg.add(record)
    assert item is not None and item.kind == kind and why in item.verdict.reason


def test_the_latest_deployment_explains_an_event_not_an_older_overlapping_one():
    first = _ledger()
    second = _ledger(runId="run2", startedAt="2026-06-30T10:06:00Z", finishedAt="2026-06-30T10:07:00Z",
                     flows=[{**first["flows"][0], "previousVersion": "4.0", "newVersion": "5.0"}])
    ledger = LedgerIndex.from_entries([first, second], "prod", {"ci"})
    # version 4.0 published again after run2 started: run1's window still covers it, but run2 is what ran
    item = Aggregator(ledger).add(_record(minute=8, version="4.0"))
    assert item is not None and item.kind == "out-of-band" and "run2" in item.verdict.reason
    assert Aggregator(ledger).add(_record(minute=6, version="5.0")).verdict.deployment.run_id == "run2"


def test_state_is_bounded_whatever_the_number_of_records():
    agg = Aggregator(LedgerIndex([], {"ci"}), timeline_limit=5, headline_limit=7)
    for i in range(3000):
        agg.add(_record(minute=i % 600, user="Ann" if i % 2 else None, flow=(f"f{i % 4}", f"Flow {i % 4}")))
    agg.add({"entityType": "Queue"})
    agg.add(_record(action="Export"))
    t = agg.totals
    assert (t.records, t.changes, t.skipped, t.reads) == (3002, 3000, 1, 1)
    assert len(agg.flows) == 4 and all(len(f.timeline) == 5 for f in agg.flows.values())
    assert len(agg.headline) == 7 and t.out_of_band_publishes == 3000
    assert sum(f.events for f in agg.flows.values()) == 3000


# ---- reverse substitution and naming --------------------------------------------------------
VALUES = {"prefix": "DEV ", "sales": "DEV Sales", "queue": "Support", "division": "Support",
          "timeout": "5", "flag": "true", "crm": "Acme CRM"}
TEXT = """inboundCall:
  name: DEV Main IVR
  division: Support
  description: Presales line; DEV Sales and Acme CRM; true 5
  x: {lit: {name: DEV Sales}}
"""


def test_parameterise_references_only_longest_first_and_renders_back():
    p = parameterise(TEXT, VALUES)
    assert "name: {{prefix}}Main IVR" in p.text
    assert "x: {lit: {name: {{sales}}}}" in p.text  # an org object literal, wherever it stands
    # free text is never parameterised: neither a whole value nor one inside a word
    assert "description: Presales line; DEV Sales and Acme CRM; true 5" in p.text
    assert p.used == {"prefix": 1, "sales": 1}
    assert p.ambiguous == {"Support": ["division", "queue"]} and "division: Support" in p.text
    assert p.reports == [(3, "division 'Support': 'Support' is the value of division, queue, so which one "
                             "is meant cannot be told; left as is")]
    assert substitute(p.text, VALUES)[0] == TEXT  # exactly what promote renders


def test_placeholder_text_is_never_matched_again():
    values = {"a": "Sales", "b": "Sales Queue"}
    rmap = ReverseMap.build(values)
    assert rmap.reverse_reference("Sales Queue") == "{{b}}" and rmap.reverse_reference("Sales") == "{{a}}"
    p = rmap.apply("inboundCall:\n  name: Sales Queue\n  x: {lit: {name: Sales}}\n")
    assert p.text == "inboundCall:\n  name: {{b}}\n  x: {lit: {name: {{a}}}}\n"


def test_slug_rule():
    rmap = ReverseMap.build({"prefix": "DEV "})
    assert slug("DEV Main IVR", rmap) == "main-ivr" == slug("Main IVR")
    assert slug("Ünïcode / Sales: 24x7!") == "n-code-sales-24x7"
    assert slug("***", fallback="inboundCall") == "inboundCall"


# ---- escaping in every report form ----------------------------------------------------------
def _hostile_report():
    evil = "<script>alert(1)</script> | @team #12 =cmd"
    agg = Aggregator(LedgerIndex([], {"ci"}))
    agg.add(_record(user=evil, flow=("f1", evil)))
    rng = TimeRange(NOW - timedelta(days=1), NOW)
    return AuditReport("prod<b>", rng, NOW, plan_windows(rng, NOW), agg, [], DriftResult(checked=False)), agg


def test_markdown_and_html_neutralise_org_supplied_text():
    report, _ = _hostile_report()
    md = render_markdown(report)
    assert "<script>" not in md and "@team" not in md and not re.search(r"(?<!&)#12", md)  # no ping, no link
    html = render_html(report)
    assert "<script" not in html.lower() and "&lt;script&gt;" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)  # self-contained


def test_csv_cells_cannot_become_formulas():
    _, agg = _hostile_report()
    buf = io.StringIO()
    writer = CsvEventWriter(buf)
    for flow in agg.flows.values():
        for item in flow.timeline:
            writer(item)
    (row,) = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert row["flow"].startswith("<script>") and row["class"] == "out-of-band"
    buf2 = io.StringIO()
    w2 = CsvEventWriter(buf2)
    w2(Aggregator(LedgerIndex([], set())).add(_record(user="=HYPERLINK(1)")))
    assert "'=HYPERLINK(1)" in buf2.getvalue()
