"""Entry point of the composite GitHub Actions: `python -m ivr_ci.action STAGE`.

The action.yml files stay thin: they install ivr-ci and hand their inputs over as
`INPUT_*` environment variables (never `${{ }}` inside `run:`). This module turns those
inputs into an `ivr-ci <stage>` command line, runs it in-process, and publishes outputs
and the job summary. One implementation serves `entrypoints/<stage>/action.yml` and the
root `action.yml` (which takes the stage as an input).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable

from ivr_ci import gha
from ivr_ci.stages import COMMANDS

# stage -> "module:function" of its runner, from the one command table (ivr_ci/stages.py)
STAGES: dict[str, str] = {c.name: c.action for c in COMMANDS if c.action}


def check_stage(stage: str) -> int:
    """lint-menu / validate-flow: annotations, SARIF file, summary, counts as outputs."""
    import json

    from ivr_ci.cli import main

    runner_temp = os.environ.get("RUNNER_TEMP") or os.getcwd()
    sarif = gha.get_input("sarif-file") or os.path.join(runner_temp, f"ivr-ci-{stage}.sarif")
    argv = [stage, *gha.get_list_input("paths"), "--format", "github", "--sarif-file", sarif, "--summary"]
    if gha.get_input("config"):
        argv += ["--config", gha.get_input("config")]
    if stage == "validate-flow" and gha.get_input("environment"):
        argv += ["--env", gha.get_input("environment")]
    code = main(argv)
    gha.set_output("sarif-file", sarif)
    counts = {"error": 0, "warning": 0, "note": 0}
    if os.path.exists(sarif):
        with open(sarif, encoding="utf-8") as fh:
            for result in json.load(fh)["runs"][0]["results"]:
                counts[result["level"]] = counts.get(result["level"], 0) + 1
    gha.set_output("errors", counts["error"])
    gha.set_output("warnings", counts["warning"])
    fail_on = gha.get_input("fail-on", "error")
    if code >= 2:
        return code  # usage/config problems always fail the step
    if fail_on == "never":
        return 0
    if fail_on == "warning" and counts["warning"]:
        return 1
    return code


def diff_comment_stage(stage: str) -> int:
    """diff-comment: the command sets its own outputs (changed, behavioural-changes, comment-url)."""
    from ivr_ci.cli import main

    # `--opt=value` and `--` before the paths: values starting with "-" stay values
    argv = [stage, f"--label={gha.get_input('label', 'default') or 'default'}",
            f"--mode={gha.get_input('mode', 'update') or 'update'}"]
    for name in ("base", "head", "config"):
        if gha.get_input(name):
            argv.append(f"--{name}={gha.get_input(name)}")
    if gha.get_flag_input("with-findings", False):
        argv.append("--with-findings")
    if gha.get_flag_input("delete-when-empty", False):
        argv.append("--delete-when-empty")
    token = gha.get_input("github-token")
    if token:
        gha.mask(token)
        argv.append(f"--github-token={token}")  # in-process: never on a command line or in a log
    temp = os.environ.get("RUNNER_TEMP")
    if temp:
        argv.append(f"--json-output={os.path.join(temp, 'ivr-ci-diff.json')}")
    return main([*argv, "--", *gha.get_list_input("paths")])


def audit_report_stage(stage: str) -> int:
    """audit-report: credentials, summary and outputs are handled in ivr_ci.audit.action_stage."""
    from ivr_ci.audit.action_stage import audit_report_stage as run

    return run()


def promote_stage(stage: str) -> int:
    """promote: credentials, outputs and the sticky plan comment: ivr_ci.promote.action_stage."""
    from ivr_ci.promote.action_stage import promote_stage as run

    return run()


def runner(stage: str) -> Callable[[str], int]:
    module, _, function = STAGES[stage].partition(":")
    run: Callable[[str], int] = getattr(importlib.import_module(module), function)
    return run


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    stage = (argv[0] if argv else gha.get_input("stage")).strip()
    if stage not in STAGES:
        gha.error(f"unknown ivr-ci stage {stage!r}; expected one of: {', '.join(STAGES)}")
        return 2
    return runner(stage)(stage)


if __name__ == "__main__":
    sys.exit(main())
