"""Every workflow our documentation shows passes the linters we hold our own actions to (zizmor,
offline, and actionlint), pins every action the one way, and the README's PR workflow behaves
as it says: the diff comment is posted even when lint fails, and the job still fails."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.action_expr import Evaluator, evaluate_if, interpolate, to_str
from tests.action_harness import run_action
from tests.diff_helpers import make_repo
from tests.docs_workflows import RELEASE_SHA, RELEASE_TAG, REPO, snippets, uses_lines

SNIPPETS = snippets()


def _tool(name: str) -> str:
    found = shutil.which(name) or (Path(__import__("sys").executable).parent / name)
    assert Path(found).exists(), f"{name} is a test dependency (pip install -e '.[test]')"
    return str(found)


@pytest.fixture(scope="module")
def workflow_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("docs-workflows")
    target = root / ".github" / "workflows"
    target.mkdir(parents=True)
    for s in SNIPPETS:
        name = re.sub(r"[^A-Za-z0-9]+", "_", s.where) + ".yml"
        (target / name).write_text(s.as_workflow(), encoding="utf-8")
    return root


def test_the_documentation_shows_workflows():
    where = {s.where.split(":")[0] for s in SNIPPETS}
    assert {"README.md", "docs/promote.md", "entrypoints/diff-comment/README.md",
            "entrypoints/audit-report/README.md", "entrypoints/promote/README.md"} <= where


def test_documented_workflows_pass_zizmor(workflow_dir):
    proc = subprocess.run([_tool("zizmor"), "--offline", "--format", "json", str(workflow_dir / ".github")],
                          capture_output=True, text=True)
    findings = json.loads(proc.stdout or "[]")
    report = [f"{f['ident']}: {f['desc']}: {json.dumps(f['locations'][:1])[:400]}" for f in findings]
    assert not findings, "\n".join(report)
    assert proc.returncode == 0, proc.stderr


def test_documented_workflows_pass_actionlint(workflow_dir):
    files = sorted(str(p) for p in (workflow_dir / ".github" / "workflows").glob("*.yml"))
    proc = subprocess.run([_tool("actionlint"), "-no-color", *files], capture_output=True, text=True,
                          cwd=workflow_dir)
    assert proc.returncode == 0 and not proc.stdout.strip(), proc.stdout + proc.stderr


def _all_uses() -> list[tuple[str, str, str]]:
    found = [(f"{s.where}+{n}", ref, comment) for s in SNIPPETS for n, ref, comment in uses_lines(s.text)]
    for path in [REPO / "action.yml", *sorted((REPO / "entrypoints").glob("*/action.yml"))]:
        found += [(f"{path.relative_to(REPO)}:{n}", ref, comment)
                  for n, ref, comment in uses_lines(path.read_text(encoding="utf-8"))]
    return found


def test_one_version_reference_convention():
    """A full commit SHA with the tag as a comment, for every action, ours included."""
    bad = []
    for where, ref, comment in _all_uses():
        if ref.startswith("./"):
            continue
        name, _, version = ref.partition("@")
        if not re.fullmatch(r"[0-9a-f]{40}", version) or not re.fullmatch(r"v\d+(\.\d+)*", comment):
            bad.append(f"{where}: {ref} # {comment}")
        elif name.startswith("ivr-ci/ivr-ci") and (version, comment) != (RELEASE_SHA, RELEASE_TAG):
            bad.append(f"{where}: ivr-ci is pinned to {RELEASE_SHA} # {RELEASE_TAG} everywhere, not {ref}")
    assert not bad, "\n".join(bad)


# --- the README's pull-request workflow, run job by job with our actions for real -----------------

BROKEN_MENU = """\
inboundCall:
  name: Broken
  defaultLanguage: en-us
  startUpRef: ./menus/menu[Main]
  initialGreeting:
    tts: Welcome.
  menus:
    - menu:
        name: Main
        refId: Main
        audio:
          tts: For sales press 1.
        choices:
          - menuDisconnect:
              name: Sales
              dtmf: digit_1
          - menuDisconnect:
              name: Also sales
              dtmf: digit_1
        settings:
          menuErrorHandling:
            noMatchHandling:
              disconnect: {}
"""
CONFIG = """\
environments:
  prod:
    region: mypurecloud.ie
    client_id_env: PROD_ID
    client_secret_env: PROD_SECRET
"""


def _run_job(job: dict, workspace: Path, fake_github) -> tuple[str, list[tuple[str, str]]]:
    """Run a job's steps as the runner would: each `if:` against the job status, our actions through
    the harness, checkout and upload-sarif as no-ops. (job conclusion, [(step, outcome)])."""
    status, record, steps_ctx = "success", [], {}
    for n, step in enumerate(job["steps"]):
        ctx = {"steps": lambda sid: steps_ctx.get(sid), "github": {}, "inputs": {}, "runner": {}, "env": lambda k: None}
        ev = Evaluator(ctx, status)
        cond = step.get("if")
        if isinstance(cond, str):
            cond = re.sub(r"^\$\{\{(.*)\}\}$", r"\1", cond.strip()).strip()
        name = step.get("id") or step["uses"].split("@")[0]
        if not evaluate_if(cond, ev):
            record.append((name, "skipped"))
            continue
        uses = step["uses"].split("@")[0]
        outcome = "success"
        if uses.startswith("ivr-ci/ivr-ci/entrypoints/"):
            with_ = {k: interpolate(to_str(v), ev) for k, v in (step.get("with") or {}).items()}
            result = run_action(REPO / uses.removeprefix("ivr-ci/ivr-ci/"), with_, workspace=workspace,
                                github_api_url=fake_github.base_url)
            outcome = "success" if result.returncode == 0 else "failure"
            steps_ctx[step.get("id", f"_{n}")] = {"outputs": result.outputs, "outcome": outcome}
        record.append((name, outcome))
        if outcome == "failure":
            status = "failure"
    return status, record


def test_readme_pr_workflow_comments_when_lint_fails_and_still_fails(tmp_path, fake_github, monkeypatch):
    (readme,) = [s for s in SNIPPETS if s.where.startswith("README.md")]
    job = yaml.safe_load(readme.text)["jobs"]["flows"]
    repo = make_repo(tmp_path / "repo", {"flows/broken.yaml": BROKEN_MENU, ".ivr-ci.yaml": CONFIG})
    monkeypatch.chdir(repo)
    conclusion, steps = _run_job(job, repo, fake_github)
    outcomes = dict(steps)
    assert outcomes["ivr-ci/ivr-ci/entrypoints/lint-menu"] == "failure"
    assert outcomes["ivr-ci/ivr-ci/entrypoints/diff-comment"] == "success"
    assert outcomes["validate"] != "skipped"
    assert conclusion == "failure"
    (comment,) = fake_github.comments(7)
    assert "Broken" in comment["body"]
