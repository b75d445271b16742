"""`simulate(doc, inp)`: the walk with every action handler (the one place that joins them)."""

from __future__ import annotations

from ivr_ci.flow import FlowDocument
from ivr_ci.simulate.actions import CORE, Walker
from ivr_ci.simulate.engine import Simulator, describe_input
from ivr_ci.simulate.external import OUTSIDE
from ivr_ci.simulate.handlers import HandlerTable
from ivr_ci.simulate.trace import Outcome, SimResult
from ivr_ci.simulate.world import SimInput


def simulate(doc: FlowDocument, inp: SimInput, env: str | None = None) -> SimResult:
    """Walk `doc` with `inp`; a file that did not load gives an "error" outcome."""
    if doc.flow is None:
        result = SimResult(doc.path, None, None, list(inp.keys), env=env, inputs=describe_input(inp))
        first = doc.problems[0] if doc.problems else None
        result.outcome = Outcome("error", line=first.line if first else 0,
                                 reason=first.message if first else "the file holds no flow")
        return result
    walker = Walker(HandlerTable({**CORE, **OUTSIDE}))
    return Simulator(doc, inp, walker, env).run()
