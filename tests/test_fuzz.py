"""The fuzz harness on a small fixed budget (issue 12): seeded, so every run draws the same
cases; the full campaign (>= 10,000 cases) is bench/bench_fuzz.py."""

from __future__ import annotations

import json

from tests.fuzz.harness import Seeds, campaign, make_case
from tests.fuzz.mutate import alias_bomb, mutate

CI_CASES = 400  # ~25 s on a loaded 2-core runner; the time budget below caps it anyway


def test_a_fixed_seeded_budget_finds_no_internal_error_timeout_or_memory_blow_up():
    report = campaign(cases=CI_CASES, seed=12, subprocess_every=40, timeout=20.0, memory_mb=300.0,
                      time_budget=50.0)
    assert report.cases >= 50 and report.subprocess_cases >= 2
    assert report.ok, json.dumps(report.failures[:3], indent=2)
    assert set(report.by_command) >= {"lint-menu", "validate-flow", "simulate", "test", "diff", "promote"}
    assert len(report.exits) >= 3  # the mutations reach clean runs, findings and usage errors alike


def test_cases_are_reproducible_from_their_seed():
    seeds = Seeds.load(use_corpus=False)
    a, b = make_case(seeds, 7, 123), make_case(seeds, 7, 123)
    assert (a.argv, a.files) == (b.argv, b.files)
    assert make_case(seeds, 8, 123).files != a.files or make_case(seeds, 8, 123).argv != a.argv


def test_mutations_change_the_text_and_a_bomb_stays_a_bomb():
    import random

    text = "inboundCall:\n  name: x\n  menus: []\n"
    rng = random.Random(1)
    assert any(mutate(rng, text) != text for _ in range(20))
    assert "*b1" in alias_bomb(random.Random(3), text)
