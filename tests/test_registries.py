"""The registries are written out and complete: one command table (ivr_ci/stages.py) from which
the CLI, the GC policy, the Action dispatch, the hooks and the rule stages come, and the rule
families listed in the catalogue."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import yaml

from ivr_ci import action, cli, generate, stages
from ivr_ci.rules import catalogue
from tests.conftest import REPO


def test_every_command_module_exists_with_the_command_interface():
    for command in stages.COMMANDS:
        module = importlib.import_module(f"ivr_ci.commands.{command.module}")
        assert callable(module.add_arguments) and callable(module.run), command.name
    modules = {p.stem for p in (REPO / "ivr_ci" / "commands").glob("*.py") if not p.stem.startswith("_")}
    assert modules == {c.module for c in stages.COMMANDS}, "a command module not in ivr_ci/stages.py"


def test_cli_action_hooks_and_rule_stages_come_from_the_table():
    table = {c.name: c for c in stages.COMMANDS}
    assert list(cli.COMMANDS) == list(table)
    assert {n for n, c in table.items() if c.batch} == cli.BATCH_COMMANDS
    assert list(action.STAGES) == [n for n, c in table.items() if c.action]
    assert tuple(action.STAGES) == generate.STAGE_ACTIONS
    assert [h.id for _, h in generate.HOOKS] == [h.id for c in stages.COMMANDS for h in c.hooks]
    assert ("load", *(n for n, c in table.items() if c.rules)) == catalogue.STAGES
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in manifest] == [h.id for _, h in generate.HOOKS]


def test_every_action_stage_has_an_entrypoint_that_runs_it():
    entrypoints = {p.name for p in (REPO / "entrypoints").iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert entrypoints == set(action.STAGES)
    for stage in action.STAGES:
        assert callable(action.runner(stage)), stage
        spec = yaml.safe_load((REPO / "entrypoints" / stage / "action.yml").read_text())
        runs = [s.get("run", "") for s in spec["runs"]["steps"]]
        assert any(r.strip().endswith(f"-m ivr_ci.action {stage}") for r in runs), stage


def test_unknown_action_stage_is_a_usage_error(capsys):
    assert action.main(["no-such-stage"]) == 2
    assert "unknown ivr-ci stage" in capsys.readouterr().out


def _modules_defining_rules() -> set[str]:
    """Rule modules found by reading the source: a module that calls `rule(...)`/`register(...)`."""
    found = set()
    for path in (REPO / "ivr_ci" / "rules").glob("*.py"):
        if path.stem in ("catalogue", "engine", "__init__"):
            continue
        tree = ast.parse(Path(path).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("rule", "register"):
                found.add(path.stem)
    return found


def test_rule_families_are_listed_explicitly():
    assert _modules_defining_rules() == set(catalogue.FAMILIES)
    rules = catalogue.load_catalogue()
    for r in rules.values():
        if r.check is not None:
            assert r.check.__module__.rsplit(".", 1)[-1] in catalogue.FAMILIES, r.id
    assert {r.stage for r in rules.values()} <= set(catalogue.STAGES)


def test_each_family_declares_exactly_the_stages_of_its_rules():
    # a command imports only the families of its stage: one declared wrongly would drop rules
    rules = catalogue.load_catalogue()
    by_family: dict[str, set[str]] = {}
    for r in rules.values():
        # rules without a check are the loader's own (load_rules registers them for docs and SARIF)
        family = r.check.__module__.rsplit(".", 1)[-1] if r.check else "load_rules"
        by_family.setdefault(family, set()).add(r.stage)
    assert by_family == {f: set(s) for f, s in catalogue.FAMILIES.items()}
    for stage in catalogue.STAGES:
        assert catalogue.load_catalogue(("load", stage)) == {
            k: r for k, r in rules.items() if r.stage in ("load", stage)}, stage


def test_a_stage_imports_only_its_own_rule_families():
    import subprocess
    import sys

    code = ("import sys; from ivr_ci.rules.catalogue import load_catalogue; load_catalogue(('load', sys.argv[1])); "
            "print(' '.join(sorted(m.rsplit('.', 1)[1] for m in sys.modules if m.startswith('ivr_ci.rules.'))))")
    for stage in catalogue.STAGES[1:]:
        out = subprocess.run([sys.executable, "-c", code, stage], capture_output=True, text=True, check=True,
                             cwd=REPO).stdout.split()
        expected = {f for f, s in catalogue.FAMILIES.items() if stage in s or "load" in s}
        assert expected <= set(out), stage
        others = {f for f, s in catalogue.FAMILIES.items() if f not in expected}
        assert not others & set(out), f"{stage} imported other stages' rule modules: {others & set(out)}"
