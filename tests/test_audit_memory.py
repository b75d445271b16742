"""audit-report streams the audit log: 12,000 records cost no more memory than 2,000.

The emulator runs in its own process (it holds the records), so tracemalloc here sees only the
report side: query windows, cursor/realtime pages, classification and the bounded aggregates.
bench/bench_audit_memory.py measures peak RSS at 10k and 100k the same way.
"""

from __future__ import annotations

import tracemalloc

import pytest

from bench.bench_audit_memory import CLIENT, SEED, add_records, emulator_process, write_project
from ivr_ci.audit.run import ReportOptions, build_report


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_ID", CLIENT[0])
    monkeypatch.setenv("BENCH_SECRET", CLIENT[1])
    monkeypatch.delenv("IVR_CI_API_BASE", raising=False)


def _measure(opts: ReportOptions):
    tracemalloc.start()
    try:
        report = build_report(opts)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return report, peak


@pytest.mark.slow
def test_ten_thousand_records_are_paged_through_in_flat_memory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with emulator_process(SEED) as base_url:
        config = write_project(tmp_path, base_url)
        opts = ReportOptions(env="bench", since="31d", config=str(config), drift=False, metrics=False,
                             progress=False)
        add_records(base_url, 2_000, seed=1)
        build_report(opts)  # warm-up: lazy imports and caches are not the stream's cost
        small, small_peak = _measure(opts)
        add_records(base_url, 10_000, seed=2)
        large, large_peak = _measure(opts)

    assert small.totals.records == 2_000 and large.totals.records == 12_000  # > 24 pages of at most 500
    assert {w.mode for w in large.windows} == {"async", "realtime"}
    users = sum(f.by_class["out-of-band"] for f in large.flows)
    assert large.totals.changes == sum(f.events for f in large.flows) and users > 0
    assert all(len(f.timeline) <= 50 for f in large.flows)
    # six times the records, (nearly) the same peak: nothing grows with the record count
    print(f"tracemalloc peak: {small_peak / 2**20:.2f} MB (2k) vs {large_peak / 2**20:.2f} MB (12k)")
    assert large_peak < small_peak * 1.2 + 512 * 1024, (small_peak, large_peak)
