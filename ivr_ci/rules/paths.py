"""validate-flow: a flow's `*.paths.yaml` path assertions (IVR501).

A flow rule like any other (severity, `lint.disable`, inline and file suppression, reporting
all come from the engine): for a flow with a sibling paths file (`main-ivr.paths.yaml` beside
`main-ivr.yaml`) it simulates every case (ivr_ci.simulate) and reports each failing case at the
case's line in the paths file. `# ivr-ci: disable=IVR501` there (on the case's line or the one
above) or `disable-file=IVR501` in the paths file or the flow silences it. Cases that all stop
at the same error of the flow itself are one finding, at the first of them.
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
    failing = [r for r in results if not r.passed]
    # Cases that all stop at one error of the flow (no start, a broken reference) say it once:
    # seven copies of "the flow has neither startUpRef..." bury the flow's own finding.
    same_error: dict[str, list[str]] = {}
    for r in failing:
        got = r.result.outcome
        if got.kind == "error" and got.reason:
            same_error.setdefault(got.reason, []).append(r.case.name)
    for r in failing:
        got = r.result.outcome
        shared = same_error.get(got.reason or "") if got.kind == "error" else None
        if shared and len(shared) > 1:
            if r.case.name == shared[0]:
                names = ", ".join(f"'{n}'" for n in shared[:5]) + (f" and {len(shared) - 5} more" if len(shared) > 5 else "")
                yield Hit(r.case.line, 1, f"{len(shared)} path cases ({names}) stop at the same error in "
                          f"the flow: {got.reason}; fix the flow, then the cases run", path=paths_path)
            continue
        yield Hit(r.case.line, 1, f"path case '{r.case.name}' (keys "
                  f"{','.join(r.case.inp.keys) or 'none'}): {'; '.join(r.failures)}", path=paths_path)
