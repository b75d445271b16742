"""Caller-path simulation and `*.paths.yaml` path assertions (see docs/simulate.md).

Public API:

* `load_for_simulation(path, config=None, env=None) -> FlowDocument` — a flow file with the
  environment's `{{key}}` substitutions applied (placeholders stay as text without `env`).
* `simulate(doc, SimInput(...), env=None) -> SimResult` — walk the flow; `result.outcome`,
  `result.steps`, `result.heard`, `result.to_json()`, `result.render_text()`.
* `ivr_ci.simulate.assertions.run_paths_file(path, ...)` — run a `*.paths.yaml` file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ivr_ci.flow import FlowDocument, load_flow_file, load_flow_text
from ivr_ci.flow.placeholders import substitute_placeholders as substitute
from ivr_ci.simulate.run import simulate
from ivr_ci.simulate.trace import Outcome, SimResult, Step
from ivr_ci.simulate.world import SimInput, Stub

if TYPE_CHECKING:
    from ivr_ci.config import Config

__all__ = ["Outcome", "SimInput", "SimResult", "Step", "Stub", "load_for_simulation", "simulate",
           "substitute"]


def load_for_simulation(path: str, config: Config | None = None, env: str | None = None) -> FlowDocument:
    if env is None or config is None:
        return load_flow_file(path)
    values = config.substitutions(env, path)
    raw = load_flow_file(path)
    if not raw.text:
        return raw
    text = raw.text
    if config.data.get("maintenance") and raw.flow is not None:
        # maintenance windows of the environment, rendered as promote would (docs/maintenance.md)
        from ivr_ci.maintenance.prelude import render_windows

        text = render_windows(config, env, text, raw.flow.name)
    return load_flow_text(substitute(text, values), path)
