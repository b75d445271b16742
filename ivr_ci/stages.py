"""The one table of ivr-ci's commands and stages.

Everything that lists commands is derived from `COMMANDS`: the CLI's command table and its
batch GC policy (`ivr_ci.cli`), the stages whose rules the catalogue runs
(`ivr_ci.rules.catalogue.STAGES`, the sections of docs/rules.md), the GitHub Action dispatch
(`ivr_ci.action.STAGES`) and the stages behind the root action.yml, and the pre-commit hook
manifest (`ivr_ci.generate.HOOKS`). Adding a command is one entry here plus its module under
`ivr_ci.commands`; a stage with an Action also gets `entrypoints/<name>/action.yml`.

Pure data, standard library only: every entry point imports it, offline hooks included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FLOW_FILES = r"\.ya?ml(\.tftpl)?$"
_MANUAL = {"pass_filenames": False, "always_run": True, "verbose": True, "stages": ["manual"]}


@dataclass(frozen=True)
class Hook:
    """One pre-commit hook of `.pre-commit-hooks.yaml`."""

    id: str
    name: str
    entry: str
    description: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Command:
    name: str  # `ivr-ci <name>`
    module: str  # under ivr_ci.commands: add_arguments(parser), run(args) -> int
    help: str  # one line, in `ivr-ci --help`
    # A short-lived run that parses whole flows and keeps them to the end: the cyclic GC is
    # paused and frozen at exit (see ivr_ci/util/gcpause.py). Not for long-running or streaming
    # commands, whose garbage must be reclaimed.
    batch: bool = False
    rules: bool = False  # catalogue rules belong to this stage (`Rule.stage == name`)
    # The GitHub Action runner, "module:function" taking the stage name and returning the exit
    # code (`python -m ivr_ci.action <name>` calls it; entrypoints/<name>/action.yml runs that).
    action: str | None = None
    hooks: tuple[Hook, ...] = ()


_CHECK_ACTION = "ivr_ci.action:check_stage"

COMMANDS: tuple[Command, ...] = (
    Command("lint-menu", "lint_menu", "Offline lint of IVR menus (keypad, timeouts, depth, prompts...).",
            batch=True, rules=True, action=_CHECK_ACTION,
            hooks=(Hook("lint-menu", "ivr-ci lint-menu", "ivr-ci lint-menu --only-flows",
                        "Lint Genesys Cloud Architect IVR menus (Archy YAML) offline",
                        {"files": FLOW_FILES, "types": ["text"]}),)),
    Command("validate-flow", "validate_flow", "Offline structure, reference and substitution checks.",
            batch=True, rules=True, action=_CHECK_ACTION,
            # Cross-file rules need the whole set of flows in one process, not pre-commit's batches.
            hooks=(Hook("validate-flow", "ivr-ci validate-flow", "ivr-ci validate-flow --only-flows",
                        "Validate Archy flows offline: structure, references, cross-file calls, substitutions",
                        {"files": FLOW_FILES, "types": ["text"], "require_serial": True}),)),
    Command("rules", "rules", "List the rule catalogue.", batch=True),
    Command("diff", "diff", "Semantic diff of flows between two git refs or two paths.", batch=True,
            hooks=(Hook("diff-flows", "ivr-ci diff", "ivr-ci diff --base HEAD",
                        "Show the semantic diff of staged flow changes against HEAD (manual stage; pre-commit "
                        "sets unstaged edits aside, so `git add` them first)", _MANUAL),)),
    Command("diff-comment", "diff_comment", "Semantic diff posted as one sticky pull-request comment.",
            batch=True, action="ivr_ci.action:diff_comment_stage"),
    Command("promote", "promote", "Plan or apply a release of flows to an environment.",
            action="ivr_ci.action:promote_stage",
            hooks=(Hook("promote-plan", "ivr-ci promote --plan", "ivr-ci promote --plan",
                        "Plan a promote to an environment (add args: [--env, NAME]; manual stage)", _MANUAL),)),
    Command("audit-report", "audit_report", "Change-management report from the Genesys audit API.",
            action="ivr_ci.action:audit_report_stage",
            hooks=(Hook("audit-report", "ivr-ci audit-report", "ivr-ci audit-report",
                        "Change-management report from the Genesys audit API (add args: [--env, NAME]; "
                        "manual stage)", _MANUAL),)),
    Command("export", "export", "Export flows from an org into parameterised Archy YAML."),
    Command("simulate", "simulate", "Walk a flow as a caller would, offline.", batch=True),
    Command("test", "test_paths", "Run *.paths.yaml path assertions.", batch=True),
    Command("expr", "expr", "Evaluate Architect expressions offline: value, type, errors."),
    Command("emulator", "emulator", "Run the Genesys Cloud API emulator on loopback."),
    Command("maintenance", "maintenance",
            "Scheduled maintenance windows: states in the org, start/end notifications."),
    Command("translations", "translations",
            "Caller-facing texts to a CSV table and back into the YAML (docs/prompts.md)."),
)

BY_NAME: dict[str, Command] = {c.name: c for c in COMMANDS}
# Rules of stage "load" are the loader's problems, reported by every checking stage.
RULE_STAGES: tuple[str, ...] = ("load", *(c.name for c in COMMANDS if c.rules))
ACTION_STAGES: tuple[str, ...] = tuple(c.name for c in COMMANDS if c.action)
