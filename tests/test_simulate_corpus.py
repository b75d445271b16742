"""The simulator over the real flows: no crash on any file, and every inboundCall top-level
choice reaches an outcome or a named "cannot decide".

`python -m tests.test_simulate_corpus` prints the counts (outcomes by kind, top reasons).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ivr_ci.flow.model import Menu
from ivr_ci.flow.refs import RefIndex
from ivr_ci.simulate import SimInput, Stub, load_for_simulation, simulate
from ivr_ci.simulate.trace import OUTCOME_KINDS, SimResult
from tests.conftest import corpus_files


def top_level_keys(path: Path) -> list[list[str]]:
    """One key list per choice of the first menu a caller meets ([[]] for flows without menus)."""
    doc = load_for_simulation(str(path))
    flow = doc.flow
    if flow is None or not flow.menus:
        return [[]]
    start = RefIndex(flow).resolve(flow.start_up_ref.value) if flow.start_up_ref else None
    menu = start if isinstance(start, Menu) else flow.menus[0]
    return [[c.digit] if c.digit else [f"say:{c.name}"] for c in menu.choices] or [[]]


def run_corpus(files: list[Path], normal_day: bool = False) -> list[tuple[Path, list[str], SimResult]]:
    """Every file with the keys of each top-level choice; `normal_day` also declares every schedule
    open and every data action/lookup successful (`--open '*=open' --data-action '*=success'`)."""
    out = []
    for path in files:
        doc = load_for_simulation(str(path))
        for keys in top_level_keys(path):
            inp = SimInput(keys=keys)
            if normal_day:
                inp.schedules = {"*": "open"}
                inp.stubs = {"*": Stub("success")}
            out.append((path, keys, simulate(doc, inp)))
    return out


def _pattern(reason: str) -> str:
    """A reason with names taken out, so equal causes count together."""
    return re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`|\b(Flow|Task|State|Call|Message|Chat|Email|Common|Slot|Survey|"
                  r"Workitem)\.[\w.]+", "…", reason)


def summary(runs: list[tuple[Path, list[str], SimResult]], flow_type: str | None = None) -> tuple[Counter, Counter]:
    kinds: Counter = Counter()
    reasons: Counter = Counter()
    for _path, _keys, r in runs:
        if flow_type and r.flow_type != flow_type:
            continue
        kinds[r.outcome.kind] += 1
        if r.outcome.kind == "cannot-decide":
            reasons[_pattern(r.outcome.reason or "")] += 1
    return kinds, reasons


def test_every_corpus_file_of_every_type_simulates_without_crashing(corpus):
    runs = run_corpus(corpus) + run_corpus(corpus, normal_day=True)
    assert {r.flow_type for _, _, r in runs} >= {"inboundCall", "workflow", "inboundShortMessage", "botFlow"}
    for path, keys, r in runs:
        assert r.outcome.kind in OUTCOME_KINDS
        # deployable flows: "error in flow" would be our bug, and every stop says why
        assert r.outcome.kind != "error", (path.name, keys, r.outcome.reason)
        if r.outcome.kind in ("cannot-decide", "loop"):
            assert r.outcome.reason and r.outcome.line > 0, (path.name, keys)
        assert all(step.line >= 0 for step in r.steps)


def test_inbound_call_top_level_choices_mostly_decide(corpus):
    runs = [x for x in run_corpus(corpus) if x[2].flow_type == "inboundCall"]
    kinds, reasons = summary(runs)
    decided = sum(n for k, n in kinds.items() if k not in ("cannot-decide", "error"))
    assert len(runs) >= 100
    assert decided / len(runs) >= 0.6, (kinds, reasons.most_common(5))
    assert kinds["transfer"] and kinds["disconnect"] and kinds["voicemail"]
    # with a declared normal day (all open, all data actions succeed) nearly all decide
    normal, _ = summary([x for x in run_corpus(corpus, normal_day=True) if x[2].flow_type == "inboundCall"])
    assert normal["cannot-decide"] <= kinds["cannot-decide"]
    assert sum(n for k, n in normal.items() if k != "cannot-decide") / len(runs) >= 0.8


def _main() -> None:  # pragma: no cover - the report behind the numbers in docs/simulate.md
    files = corpus_files()
    for label, normal in (("keys only", False), ("keys + --open '*=open' --data-action '*=success'", True)):
        runs = run_corpus(files, normal_day=normal)
        print(f"== {label}: {len(files)} files, {len(runs)} runs")
        for flow_type in ("inboundCall", None):
            kinds, reasons = summary(runs, flow_type)
            print(f"  {flow_type or 'all types'}: {sum(kinds.values())} runs: "
                  + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
            for reason, n in reasons.most_common(6):
                print(f"    {n:3d} cannot decide: {reason[:150]}")


if __name__ == "__main__":  # pragma: no cover
    _main()
