"""The semantic diff on messy real edits and at real sizes: renames with their refIds, duplicate
declarations, a PR that fixes a broken file, comment and job-summary budgets, links."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ivr_ci.cli import main
from ivr_ci.diff import diff_paths
from ivr_ci.diff.markdown import Links, render_markdown
from ivr_ci.diff.render import render_text
from ivr_ci.github.sticky import marker
from tests.conftest_github import PR_NUMBER
from tests.diff_helpers import BASE_FLOW, git, make_repo, many_menus_flow

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "diff-real"
BEFORE, AFTER = FIXTURES / "voicemail_before.yaml", FIXTURES / "voicemail_after.yaml"


def _kinds(result) -> list[str]:
    return [c.kind for f in result.changed_flows for c in f.changes]


def test_task_renamed_with_its_refid_is_one_rename_and_the_prompt_change(capsys):
    result = diff_paths(str(BEFORE), str(AFTER))
    assert sorted(_kinds(result)) == ["block-renamed", "prompt-changed"]
    (prompt,) = [c for f in result.changed_flows for c in f.changes if c.kind == "prompt-changed"]
    assert prompt.old.startswith("Our office is closed") and prompt.new.startswith("We are closed right now")
    text = render_text(result)
    assert text.count("renamed 'Move to voicemail' → 'Voicemail Queue'") == 1
    assert "removed" not in text and "added" not in text and "starts at" not in text
    md = render_markdown(result)
    assert md.count("Move to voicemail") == 1 and "We are closed right now" in md
    assert main(["diff", str(BEFORE), str(AFTER), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["kind"] for c in data["flows"][0]["changes"]] == ["prompt-changed", "block-renamed"] or \
        sorted(c["kind"] for c in data["flows"][0]["changes"]) == ["block-renamed", "prompt-changed"]


TWO_TASKS = """\
inboundCall:
  name: Tasks
  startUpRef: "/inboundCall/tasks/task[{first_ref}]"
  tasks:
    - task:
        name: {a_name}
        refId: {a_ref}
        actions:
          - playAudio:
              name: Greeting
              audio:
                tts: {a_tts}
          - transferToAcd:
              name: To sales
              targetQueue:
                lit:
                  name: Sales
    - task:
        name: {b_name}
        refId: {b_ref}
        actions:
          - disconnect:
              name: Bye
"""


def _pair(tmp_path, old: dict, new: dict):
    (tmp_path / "a.yaml").write_text(TWO_TASKS.format(**old))
    (tmp_path / "b.yaml").write_text(TWO_TASKS.format(**new))
    return diff_paths(str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"))


BASE = {"first_ref": "Sales_1", "a_name": "Sales", "a_ref": "Sales_1", "a_tts": "Hello.",
        "b_name": "Goodbye", "b_ref": "Goodbye_2"}


def test_refid_wins_over_names_when_names_are_swapped(tmp_path):
    """refIds are what references use: two tasks that swapped names are two renames, not two
    tasks that swapped bodies."""
    new = dict(BASE, a_name="Goodbye", b_name="Sales")
    kinds = _kinds(_pair(tmp_path, BASE, new))
    assert sorted(kinds) == ["block-renamed", "block-renamed"]


def test_unlike_tasks_are_not_paired_by_similarity(tmp_path):
    """Below the threshold a renamed-and-rewritten task is what it is: one removed, one added."""
    new = dict(BASE, b_name="Survey", b_ref="Survey_9")
    (tmp_path / "a.yaml").write_text(TWO_TASKS.format(**BASE))
    text = TWO_TASKS.format(**new).replace("""          - disconnect:
              name: Bye
""", """          - transferToFlow:
              name: To survey
              targetFlow:
                lit:
                  name: Post Call Survey
""")
    (tmp_path / "b.yaml").write_text(text)
    kinds = _kinds(diff_paths(str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")))
    assert sorted(kinds) == ["block-added", "block-removed"]


def test_renamed_refid_and_reworded_prompt_is_paired_above_the_threshold(tmp_path):
    new = dict(BASE, first_ref="Sales Desk_7", a_name="Sales Desk", a_ref="Sales Desk_7",
               a_tts="Hello, thanks for calling sales.")
    kinds = _kinds(_pair(tmp_path, BASE, new))
    assert sorted(kinds) == ["block-renamed", "prompt-changed"]  # startUpRef follows the rename


DUP = BASE_FLOW.replace("""  variables:
    - stringVariable:
        name: Flow.Region
        initialValue:
          lit: "{{region}}"
""", """  variables:
    - stringVariable:
        name: Flow.Region
        initialValue:
          lit: "{{region}}"
    - integerVariable:
        name: Flow.Region
""")


def test_a_duplicate_declaration_is_a_finding_of_its_side_not_a_type_change(tmp_path, capsys):
    assert DUP != BASE_FLOW
    (tmp_path / "a.yaml").write_text(BASE_FLOW)
    (tmp_path / "b.yaml").write_text(DUP)
    result = diff_paths(str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"))
    assert not any("integerVariable" in c.summary for f in result.flows for c in f.changes)
    (finding,) = result.side_findings
    assert finding.side == "new" and "Flow.Region is declared 2 times" in finding.message
    lines = DUP.splitlines()
    assert finding.line == next(i for i, ln in enumerate(lines, 1) if "integerVariable" in ln)
    assert main(["diff", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]) == 0
    assert "note (head side): variable Flow.Region is declared 2 times" in capsys.readouterr().out


def test_a_pr_that_fixes_a_broken_file_is_fixed_not_a_failure(tmp_path, monkeypatch, capsys, actions_env):
    root = make_repo(tmp_path / "r", {"flows/main.yaml": "inboundCall:\n  name: [unclosed\n"})
    git(root, "checkout", "-q", "-b", "fix")
    (root / "flows" / "main.yaml").write_text(BASE_FLOW)
    git(root, "commit", "-q", "-am", "fix the flow")
    monkeypatch.chdir(root)
    assert main(["diff", "--base", "HEAD~1"]) == 0
    out = capsys.readouterr().out
    assert "flows/main.yaml:3: fixed: the base version did not load (not valid YAML" in out and "1 file fixed" in out
    assert main(["diff-comment", "--base", "HEAD~1"]) == 0
    (c,) = actions_env.fake.comments(PR_NUMBER)
    assert "Fixed by this change" in c["body"]
    # breaking it again is still a failure
    (root / "flows" / "main.yaml").write_text("inboundCall:\n  name: [unclosed\n")
    assert main(["diff", "--base", "HEAD"]) == 1


def test_300_changed_menus_fit_the_comment_and_the_summary_and_count_the_rest(tmp_path, monkeypatch, actions_env):
    n = 300
    root = make_repo(tmp_path / "r", {"flows/big.yaml": many_menus_flow(n, "")})
    (root / "flows" / "big.yaml").write_text(many_menus_flow(n, "New "))
    git(root, "commit", "-q", "-am", "reroute every menu and reword every prompt")
    monkeypatch.chdir(root)
    assert main(["diff-comment", "--base", "HEAD~1", "--json-output", str(tmp_path / "diff.json")]) == 0
    (c,) = actions_env.fake.comments(PR_NUMBER)
    body = c["body"]
    assert len(body) <= 65_536
    summary = actions_env.summary_text()
    assert len(summary.encode("utf-8")) <= 1024 * 1024
    for text in (body, summary):
        listed = len(re.findall(r"^\| Big \| menu 'Menu \d+' › 2 'Two' \| now goes to", text, re.M))
        counted = sum(int(k.replace(",", "")) for k in re.findall(r"\*… ([\d,]+) behavioural changes not shown", text))
        assert listed + counted == n, (listed, counted)  # every behavioural change listed or counted
    assert body.index("Left out to fit the size limit") < body.index("#### Behavioural changes")
    assert "prompt changes" in body.split("#### Behavioural changes")[0]  # the note names what is left out
    data = json.loads((tmp_path / "diff.json").read_text())
    assert data["summary"]["behavioural"] == n and len(data["flows"][0]["changes"]) == 2 * n


def test_links_point_at_the_head_commit_and_the_footer_names_both_shas(tmp_path, monkeypatch, actions_env):
    root = make_repo(tmp_path / "r")
    monkeypatch.chdir(root)
    head = git(root, "rev-parse", "HEAD")
    base = git(root, "rev-parse", "main")
    assert main(["diff-comment", "--base", "main"]) == 0
    (c,) = actions_env.fake.comments(PR_NUMBER)
    body = c["body"]
    assert f"https://github.com/acme/ivr/blob/{head}/flows/main.yaml#L" in body
    assert f"base {base[:12]} → head [{head[:12]}](https://github.com/acme/ivr/commit/{head})" in body
    assert "working tree" not in body


def test_rename_warning_once_and_long_prompts_wrapped(tmp_path):
    long_tts = "Thank you for calling Acme, where every call matters to us and " * 4
    (tmp_path / "a.yaml").write_text(BASE_FLOW)
    (tmp_path / "b.yaml").write_text(BASE_FLOW.replace("name: Acme Main IVR", "name: Acme Front Door")
                                     .replace("tts: Welcome to Acme.", f"tts: {long_tts.strip()}"))
    md = render_markdown(diff_paths(str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")))
    assert md.count("promoting this publishes a NEW flow") == 1
    block = md.split("```diff\n", 1)[1].split("```", 1)[0]
    assert max(len(line) for line in block.splitlines()) <= 98
    assert sum(1 for line in block.splitlines() if line.startswith("+ ")) >= 3


def test_links_render_only_with_a_repository_and_a_commit():
    links = Links("https://github.com", "acme/ivr", "a" * 40)
    assert links.blob("flows/main menu.yaml", 12) == \
        f"https://github.com/acme/ivr/blob/{'a' * 40}/flows/main%20menu.yaml#L12"
    assert marker("diff")  # the comment marker is unchanged by the budgeted renderer
