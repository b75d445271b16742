"""validate-flow: a flow's `*.paths.yaml` path assertions (IVR501).

A flow rule like any other (severity, `lint.disable`, inline and file suppression, reporting
all come from the engine): for a flow with a sibling paths file (`main-ivr.paths.yaml` beside
`main-ivr.yaml`) it simulates every case (ivr_ci.simulate) and reports each failing case at the
case's line in the paths file. `# ivr-ci: disable=IVR501` there (on the case's line or the one
above) or `disable-file=IVR501` in the paths file or the flow silences it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from ivr_ci.errors import ConfigError
from ivr_ci.rules.catalogue import Hit, rule
from ivr_ci.rules.context import FlowContext

RULE_ID = "IVR501"


@rule(
    RULE_ID, "path-assertion", stage="validate-flow", severity="error",
    summary="a case in the flow's *.paths.yaml does not end where it expects (or the file is invalid)",
    rationale="Path assertions (`main-ivr.paths.yaml` beside `main-ivr.yaml`) say where a caller who "
    "presses given keys ends up. validate-flow simulates every case offline (see "
    "docs/simulate.md); a case that reaches another queue, hangs up instead, or cannot be "
    "decided means the flow no longer does what its authors promised. "
    "`validate: {paths-files: false}` in .ivr-ci.yaml turns the check off.",
    bad="cases:\n  - name: sales\n    keys: \"1\"\n    expect: {queue: Support}   # the flow sends 1 to Sales",
    good="cases:\n  - name: sales\n    keys: \"1\"\n    expect: {queue: Sales}",
)
def path_assertions(ctx: FlowContext) -> Iterator[Hit]:
    if ctx.config.section("validate").get("paths-files") is False:
        return
    from ivr_ci.flow import sibling_paths_file

    paths_path = sibling_paths_file(ctx.doc.path)
    if paths_path is None:
        return  # the simulator is only imported when there is something to run
    from ivr_ci.simulate.assertions import PathsFileError, load_paths_file, run_paths_file

    try:
        paths = load_paths_file(paths_path)
    except PathsFileError as exc:
        for line, msg in exc.problems:
            yield Hit(line, 1, f"invalid paths file: {msg}", path=paths_path)
        return
    except ConfigError as exc:  # not YAML at all: "path:line:col: ..."
        m = re.match(rf"{re.escape(paths_path)}:(\d+)", str(exc))
        yield Hit(int(m.group(1)) if m else 1, 1, str(exc), path=paths_path)
        return
    if os.path.abspath(paths.flow_path) != os.path.abspath(ctx.doc.path):
        return  # its `flow:` names another file; that file's own run covers it
    _, results = run_paths_file(paths, ctx.config, ctx.env)
    for r in results:
        if not r.passed:
            yield Hit(r.case.line, 1, f"path case '{r.case.name}' (keys "
                      f"{','.join(r.case.inp.keys) or 'none'}): {'; '.join(r.failures)}", path=paths_path)
