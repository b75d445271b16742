"""`ivr-ci diff`: git mode (refs, merge-base, added/deleted/renamed files, path filter), path mode,
renderers (text, JSON validated against the shipped schema, Markdown), exit codes."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from ivr_ci.cli import main
from tests.diff_helpers import BASE_FLOW, FEATURE_FLOW, HOLD_FLOW, git, make_repo


def run_diff(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["diff", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = make_repo(tmp_path / "repo")
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_BASE_REF", raising=False)
    return root


def test_git_mode_defaults_to_merge_base_with_main(repo, capsys):
    # main moves on after the branch point: its later change must not show up in the PR diff
    git(repo, "checkout", "-q", "main")
    (repo / "flows" / "legacy.yaml").write_text(HOLD_FLOW.replace("Acme Hold", "Legacy Hold 2"), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "main moves")
    git(repo, "checkout", "-q", "feature")
    code, out, err = run_diff(capsys, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["base"] == git(repo, "merge-base", "main", "feature")
    flows = {f["name"]: f for f in data["flows"]}
    assert set(flows) == {"Acme Main IVR", "Acme Hold"}
    assert flows["Acme Hold"]["status"] == "added"
    kinds = {c["kind"] for c in flows["Acme Main IVR"]["changes"]}
    assert kinds == {"choice-rerouted", "prompt-changed", "digit-changed"}
    assert data["summary"]["behavioural"] == 3  # reroute, digit, new flow


def test_github_base_ref_and_exit_code(repo, capsys, monkeypatch):
    git(repo, "branch", "-q", "release", "main")
    monkeypatch.setenv("GITHUB_BASE_REF", "release")
    code, out, _ = run_diff(capsys, "--exit-code")
    assert code == 1 and "now goes to queue Inside Sales (was queue Sales Queue)" in out
    code, _, _ = run_diff(capsys, "--base", "HEAD", "--exit-code")
    assert code == 0


def test_deleted_and_renamed_files_and_path_filter(tmp_path, monkeypatch, capsys):
    root = make_repo(tmp_path / "r", {"flows/legacy.yaml": None, "flows/main.yaml": None,
                                      "flows/ivr/acme-main.yaml": BASE_FLOW})
    monkeypatch.chdir(root)
    code, out, _ = run_diff(capsys, "--base", "main", "--format", "json")
    data = json.loads(out)
    by_name = {f["name"]: f for f in data["flows"]}
    assert by_name["Legacy Hold"]["status"] == "removed"
    moved = by_name["Acme Main IVR"]
    assert (moved["oldPath"], moved["newPath"]) == ("flows/main.yaml", "flows/ivr/acme-main.yaml")
    assert [c["kind"] for c in moved["changes"]] == ["flow-moved"]
    code, out, _ = run_diff(capsys, "--base", "main", "--format", "json", "flows/ivr")
    assert [f["name"] for f in json.loads(out)["flows"]] == ["Acme Main IVR"]


def test_renamed_flow_in_place_is_warned(tmp_path, monkeypatch, capsys):
    root = make_repo(tmp_path / "r", {"flows/main.yaml": BASE_FLOW.replace("name: Acme Main IVR", "name: Acme IVR")})
    monkeypatch.chdir(root)
    code, out, _ = run_diff(capsys, "--base", "main")
    assert code == 0
    assert "warning: flow renamed 'Acme Main IVR' → 'Acme IVR'" in out and "orphaned" in out


def test_json_output_matches_the_shipped_schema(repo, capsys, tmp_path):
    schema = json.loads(resources.files("ivr_ci.schemas").joinpath("diff.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for argv in (["--base", "main"], [str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]):
        (tmp_path / "a.yaml").write_text(BASE_FLOW, encoding="utf-8")
        (tmp_path / "b.yaml").write_text(FEATURE_FLOW.replace("Acme Main IVR", "Acme 2") + "", encoding="utf-8")
        code, out, _ = run_diff(capsys, *argv, "--format", "json")
        data = json.loads(out)
        jsonschema.validate(data, schema)
        assert data["flows"] and all(f["changes"] for f in data["flows"])
    # every change kind the engine knows is allowed by the schema, and nothing else
    from ivr_ci.diff.model import KINDS
    assert set(schema["$defs"]["change"]["properties"]["kind"]["enum"]) == set(KINDS)


def test_markdown_and_output_file(repo, capsys, tmp_path):
    target = tmp_path / "out" / "diff.md"
    code, out, _ = run_diff(capsys, "--format", "markdown", "-o", str(target))
    assert code == 0 and out == ""
    text = target.read_text(encoding="utf-8")
    assert text.startswith("### IVR flow changes") and "```mermaid" in text and "#### Behavioural changes (3)" in text


def test_bad_input_is_a_message_not_a_traceback(tmp_path, monkeypatch, capsys):
    code, _, err = run_diff(capsys, str(tmp_path / "missing.yaml"), "--base", "x")
    assert code == 2 and "error:" in err and "Traceback" not in err
    monkeypatch.chdir(tmp_path)
    code, _, err = run_diff(capsys, "--base", "main")
    assert code == 2 and "git" in err and "Traceback" not in err
    root = make_repo(tmp_path / "r", {"flows/main.yaml": "inboundCall:\n  name: [oops\n"})
    monkeypatch.chdir(root)
    code, out, err = run_diff(capsys, "--base", "main", "--format", "json")
    assert code == 1 and "flows/main.yaml:" in err and "could not compare the new version" in err
    # an unreadable side is a problem, not a flow removed (or added) on the other side
    assert json.loads(out)["flows"] == [] and json.loads(out)["problems"][0]["side"] == "new"
    code, _, err = run_diff(capsys, "--base", "no-such-ref")
    assert code == 2 and "unknown git ref 'no-such-ref'" in err


def test_path_mode_with_two_files(tmp_path, capsys):
    (tmp_path / "a.yaml").write_text(BASE_FLOW, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(FEATURE_FLOW, encoding="utf-8")
    code, out, _ = run_diff(capsys, str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"))
    assert code == 0
    assert "[BEHAVIOUR]" in out and "b.yaml:" in out
    assert "- Welcome to Acme." in out and "+ Welcome to Acme. Calls may be recorded." in out


def test_path_mode_reports_an_unreadable_file_instead_of_a_removed_flow(tmp_path, capsys):
    for side, broken in (("old", "a"), ("new", "b")):
        for name in "ab":
            d = tmp_path / side / name
            d.mkdir(parents=True)
            (d / "main.yaml").write_text(BASE_FLOW, encoding="utf-8")
            (d / "hold.yaml").write_text(HOLD_FLOW, encoding="utf-8")
        (tmp_path / side / broken / "main.yaml").write_bytes(b"\xff\xfe not utf-8")
        (tmp_path / side / "b" / "hold.yaml").write_text(HOLD_FLOW.replace("Acme Hold", "Acme Hold 2"),
                                                          encoding="utf-8")
        code, out, err = run_diff(capsys, str(tmp_path / side / "a"), str(tmp_path / side / "b"))
        assert "removed" not in out and "new inboundCall" not in out
        assert "hold.yaml" in out  # the readable pair still diffs
        if side == "new":  # the change breaks a file: a failure
            assert code == 1 and "could not compare the new version: not UTF-8" in err
            assert "1 file could not be compared" in out
        else:  # the change repairs a file that did not load: a fix, not a failure
            assert code == 0 and err == ""
            assert "fixed: the base version did not load (not UTF-8" in out and "1 file fixed" in out


def test_odd_shapes_are_compared_not_crashed_on(tmp_path, capsys):
    """A list where a dtmf belongs (unhashable when pairing choices), and a body that is one
    expression (no key to point at)."""
    menu = "inboundCall: {{name: x, menus: [{{menu: {{name: m, refId: m, choices: [{choices}]}}}}]}}\n"
    pairs = [
        (menu.format(choices="{menuDisconnect: {name: a, dtmf: digit_1}}"),
         menu.format(choices="{menuDisconnect: {name: a, dtmf: [1]}}, {menuDisconnect: {name: b, dtmf: [1]}}")),
        ("inboundCall:\n  name: x\n  menus:\n    - menu: {name: m, refId: m, a: 1}\n",
         "inboundCall:\n  name: x\n  menus:\n    - menu: {name: m, refId: m, exp: x}\n"),
        ("inboundCall:\n  name: x\n  a: 1\n", "inboundCall:\n  name: x\n  exp: x\n"),
    ]
    for old, new in pairs:
        (tmp_path / "a.yaml").write_text(old, encoding="utf-8")
        (tmp_path / "b.yaml").write_text(new, encoding="utf-8")
        for x, y in (("a", "b"), ("b", "a")):
            code, out, err = run_diff(capsys, str(tmp_path / f"{x}.yaml"), str(tmp_path / f"{y}.yaml"))
            assert code == 0 and "1 flow(s) changed" in out, err


def test_diff_does_not_import_requests(tmp_path):
    import subprocess
    import sys
    (tmp_path / "a.yaml").write_text(BASE_FLOW, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(FEATURE_FLOW, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "ivr_ci", "diff", str(tmp_path / "a.yaml"),
                           str(tmp_path / "b.yaml"), "--format", "markdown"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    imported = {line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "ivr_ci.diff.markdown" in imported and not imported & {"requests", "urllib3"}


def test_default_head_is_the_working_tree_like_git_diff(repo, capsys):
    (repo / "flows" / "main.yaml").write_text(FEATURE_FLOW.replace("Inside Sales", "Uncommitted Sales"), encoding="utf-8")
    (repo / "flows" / "draft.yaml").write_text(HOLD_FLOW.replace("Acme Hold", "Draft Hold"), encoding="utf-8")
    code, out, _ = run_diff(capsys, "--base", "HEAD", "--format", "json")
    data = json.loads(out)
    assert data["head"] == "working tree"
    names = {f["name"]: f for f in data["flows"]}
    assert names["Draft Hold"]["status"] == "added"  # untracked files count
    assert any(c.get("new") == "queue Uncommitted Sales" for c in names["Acme Main IVR"]["changes"])
    code, out, _ = run_diff(capsys, "--base", "HEAD", "--head", "HEAD", "--format", "json")
    assert json.loads(out)["flows"] == []


def test_every_change_kind_is_documented():
    from pathlib import Path

    from ivr_ci.diff.model import KINDS
    doc = (Path(__file__).resolve().parent.parent / "docs" / "diff-json.md").read_text(encoding="utf-8")
    assert [k for k in KINDS if f"| `{k}` | {KINDS[k].value} |" not in doc] == []
