"""validate-flow: a flow's `*.paths.yaml` path assertions (IVR501).

The rule has no per-flow check function: `validate-flow` calls `paths_findings()` once for
the files it was given, which simulates each flow's sibling paths file (ivr_ci.simulate) and
reports every failing case at the case's line in the paths file.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from ivr_ci.errors import ConfigError
from ivr_ci.findings import Finding, Severity
from ivr_ci.rules.catalogue import RULES, Rule, register

if TYPE_CHECKING:
    from ivr_ci.config import Config
    from ivr_ci.flow import FlowDocument

RULE_ID = "IVR501"

register(Rule(
    RULE_ID, "path-assertion", "validate-flow", Severity.ERROR,
    "a case in the flow's *.paths.yaml does not end where it expects (or the file is invalid)",
    "Path assertions (`main-ivr.paths.yaml` beside `main-ivr.yaml`) say where a caller who "
    "presses given keys ends up. validate-flow simulates every case offline (see "
    "docs/simulate.md); a case that reaches another queue, hangs up instead, or cannot be "
    "decided means the flow no longer does what its authors promised. "
    "`validate: {paths-files: false}` in .ivr-ci.yaml turns the check off.",
    "cases:\n  - name: sales\n    keys: \"1\"\n    expect: {queue: Support}   # the flow sends 1 to Sales",
    "cases:\n  - name: sales\n    keys: \"1\"\n    expect: {queue: Sales}",
))


def _severity(config: Config) -> Severity | None:
    lint = config.section("lint")
    override = (lint.get("severity") or {}).get(RULE_ID)
    if RULE_ID in {str(i).upper() for i in lint.get("disable") or []} or override == "off":
        return None
    return Severity(override) if override else RULES[RULE_ID].severity


def paths_findings(docs: list[FlowDocument], config: Config, env: str | None = None) -> list[Finding]:
    """Run the sibling `*.paths.yaml` of each loaded flow; failures become IVR501 findings."""
    if config.section("validate").get("paths-files") is False:
        return []
    severity = _severity(config)
    if severity is None:
        return []
    from ivr_ci.flow import sibling_paths_file

    pairs = [(doc, sibling_paths_file(doc.path)) for doc in docs if doc.flow is not None]
    pairs = [(doc, p) for doc, p in pairs if p is not None]
    if not pairs:
        return []  # the simulator is only imported when there is something to run
    from ivr_ci.simulate.assertions import PathsFileError, load_paths_file, run_paths_file

    out: list[Finding] = []
    for doc, paths_path in pairs:
        flow_name = str(doc.flow.name) if doc.flow and doc.flow.name is not None else None
        try:
            paths = load_paths_file(paths_path)
        except PathsFileError as exc:
            out += [Finding(RULE_ID, severity, f"invalid paths file: {msg}", paths_path, line, 1, flow=flow_name)
                    for line, msg in exc.problems]
            continue
        except ConfigError as exc:  # not YAML at all: "path:line:col: ..."
            m = re.match(rf"{re.escape(paths_path)}:(\d+)", str(exc))
            out.append(Finding(RULE_ID, severity, str(exc), paths_path, int(m.group(1)) if m else 1, 1,
                               flow=flow_name))
            continue
        if os.path.abspath(paths.flow_path) != os.path.abspath(doc.path):
            continue  # its `flow:` names another file; that file's own run covers it
        _, results = run_paths_file(paths, config, env)
        for r in results:
            if not r.passed:
                out.append(Finding(RULE_ID, severity, f"path case '{r.case.name}' (keys "
                                   f"{','.join(r.case.inp.keys) or 'none'}): {'; '.join(r.failures)}",
                                   paths_path, r.case.line, 1, flow=flow_name))
    return out
