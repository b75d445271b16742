"""`ivr-ci diff-comment` against the loopback fake GitHub: post, skip, update, empty, modes,
labels, 403 fallback, truncation, hostile flow text, findings. The fixture fails the test if
any request or response leaves the OpenAPI subset (fake.violations)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ivr_ci.cli import main
from ivr_ci.github.sticky import marker
from tests.conftest_github import FAKE_TOKEN, PR_NUMBER, PR_REPO
from tests.diff_helpers import BASE_FLOW, FEATURE_FLOW, git, make_repo


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = make_repo(tmp_path / "repo")
    monkeypatch.chdir(root)
    monkeypatch.delenv("GITHUB_BASE_REF", raising=False)
    return root


def outputs(env) -> dict[str, str]:
    """Parse $GITHUB_OUTPUT (name<<DELIM blocks); the last value of a name wins."""
    out: dict[str, str] = {}
    lines = env.output_text().splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^([\w-]+)<<(.+)$", lines[i])
        if m:
            end = lines.index(m.group(2), i + 1)
            out[m.group(1)] = "\n".join(lines[i + 1:end])
            i = end + 1
        else:
            k, _, v = lines[i].partition("=")
            out[k] = v
            i += 1
    return out


def comment(capsys, *argv: str) -> tuple[int, str]:
    code = main(["diff-comment", *argv])
    out = capsys.readouterr()
    text = out.out + out.err
    # registered as a secret (the runner swallows that line), never printed otherwise
    text = text.replace(f"::add-mask::{FAKE_TOKEN}\n", "")
    assert FAKE_TOKEN not in text
    return code, text


def writes(fake) -> list[str]:
    return [r.method for r in fake.requests if r.method != "GET"]


def test_post_skip_update_and_nothing_changed(repo, actions_env, capsys):
    fake = actions_env.fake
    code, out = comment(capsys)
    assert code == 0, out
    (c,) = fake.comments(PR_NUMBER)
    assert c["body"].startswith(marker("diff", "default"))
    assert "#### Behavioural changes (3)" in c["body"] and "Welcome to Acme. Calls may be recorded." in c["body"]
    o = outputs(actions_env)
    assert o["changed"] == "true" and o["behavioural-changes"] == "3" and o["comment-url"] == c["html_url"]
    assert "### IVR flow changes" in actions_env.summary_text()  # full report in the job summary

    # same diff again: found across the listing, nothing written
    before = len(writes(fake))
    assert comment(capsys)[0] == 0
    assert len(writes(fake)) == before

    # the branch moves on: the same comment is edited in place
    (repo / "flows" / "main.yaml").write_text(FEATURE_FLOW.replace("Inside Sales", "Field Sales"), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "more")
    assert comment(capsys)[0] == 0
    (c2,) = fake.comments(PR_NUMBER)
    assert c2["id"] == c["id"] and "Field Sales" in c2["body"] and writes(fake)[-1] == "PATCH"

    # nothing left to show: the comment says so
    assert comment(capsys, "--base", "HEAD")[0] == 0
    (c3,) = fake.comments(PR_NUMBER)
    assert "No flow changes" in c3["body"] and outputs(actions_env)["changed"] == "false"
    # ... or goes away
    assert comment(capsys, "--base", "HEAD", "--delete-when-empty")[0] == 0
    assert fake.comments(PR_NUMBER) == []
    # and with no comment and nothing to say, nothing is created
    assert comment(capsys, "--base", "HEAD")[0] == 0
    assert fake.comments(PR_NUMBER) == []


def test_finds_our_comment_beyond_the_first_page_and_ignores_planted_markers(repo, actions_env, capsys):
    fake = actions_env.fake
    for i in range(120):
        fake.seed_comment(PR_REPO, PR_NUMBER, f"chatter {i}")
    planted = fake.seed_comment(PR_REPO, PR_NUMBER, marker("diff", "default") + "\nfake", login="mallory")
    assert comment(capsys)[0] == 0
    ours = [c for c in fake.comments(PR_NUMBER) if c["user"]["login"] == "github-actions[bot]"]
    assert len(ours) == 1
    (repo / "flows" / "main.yaml").write_text(BASE_FLOW, encoding="utf-8")
    (repo / "flows" / "extra.yaml").write_text(BASE_FLOW.replace("Acme Main IVR", "Extra"), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "x")
    assert comment(capsys)[0] == 0
    ours_after = [c for c in fake.comments(PR_NUMBER) if c["user"]["login"] == "github-actions[bot]"]
    assert [c["id"] for c in ours_after] == [ours[0]["id"]] and "Extra" in ours_after[0]["body"]
    planted_now = next(c for c in fake.comments(PR_NUMBER) if c["id"] == planted["id"])
    assert planted_now["body"].endswith("fake")  # someone else's comment is never touched


def test_modes_and_labels(repo, actions_env, capsys):
    fake = actions_env.fake
    assert comment(capsys)[0] == 0
    first = fake.comments(PR_NUMBER)[0]["id"]
    assert comment(capsys, "--mode", "recreate")[0] == 0
    (again,) = fake.comments(PR_NUMBER)
    assert again["id"] != first
    assert comment(capsys, "--mode", "always-new")[0] == 0
    assert len(fake.comments(PR_NUMBER)) == 2
    assert comment(capsys, "--label", "flows/ivr", "flows")[0] == 0
    labelled = [c for c in fake.comments(PR_NUMBER) if c["body"].startswith(marker("diff", "flows/ivr"))]
    assert len(labelled) == 1 and len(fake.comments(PR_NUMBER)) == 3


def test_forbidden_falls_back_to_the_job_summary(repo, actions_env, capsys):
    actions_env.fake.forbid_writes = True
    code, out = comment(capsys)
    assert code == 0
    assert "::warning" in out and "403" in out
    assert "#### Behavioural changes (3)" in actions_env.summary_text()
    o = outputs(actions_env)
    assert o["comment-url"] == "" and o["behavioural-changes"] == "3"
    assert actions_env.fake.comments(PR_NUMBER) == []


def test_not_found_and_no_token_fall_back_too(repo, actions_env, capsys, monkeypatch):
    actions_env.fake.missing_issues = {PR_NUMBER}
    code, out = comment(capsys)
    assert code == 0 and "404" in out
    monkeypatch.delenv("GITHUB_TOKEN")
    code, out = comment(capsys)
    assert code == 0 and "no GitHub token" in out


def _tables_are_whole(body: str) -> None:
    """Every table has its header, separator and rows with the same number of cells."""
    rows = [line for line in body.splitlines() if line.startswith("|")]
    for line in rows:
        cells = len(re.findall(r"(?<!\\)\|", line))
        assert cells in (5,), line  # 4 columns -> 5 unescaped pipes


def test_oversized_comment_drops_whole_sections(tmp_path, monkeypatch, actions_env, capsys):
    # 60 menus each losing a choice and changing a prompt: far more than the budget below
    menus = "".join(f"""    - menu:
        name: Menu {i}
        refId: m{i}
        audio:
          tts: Menu {i} says press 1 or 2. {"x" * 80}
        choices:
          - menuDisconnect:
              name: One
              dtmf: digit_1
          - menuDisconnect:
              name: Two
              dtmf: digit_2
""" for i in range(60))
    old = f"inboundCall:\n  name: Big\n  startUpRef: ./menus/menu[m0]\n  menus:\n{menus}"
    new = old.replace("          - menuDisconnect:\n              name: Two\n              dtmf: digit_2\n", "")
    new = new.replace("press 1 or 2", "press 1")
    root = make_repo(tmp_path / "r", {"flows/big.yaml": old})
    (root / "flows" / "big.yaml").write_text(new, encoding="utf-8")
    git(root, "commit", "-q", "-am", "shrink")
    monkeypatch.chdir(root)
    assert comment(capsys, "--base", "HEAD~1", "--max-chars", "8000")[0] == 0
    (c,) = actions_env.fake.comments(PR_NUMBER)
    body = c["body"]
    assert len(body) <= 8000 + len(marker("diff")) + 1
    assert "</sub>" in body  # footer kept
    note = body.index("Left out to fit the size limit")  # said at the top, before any detail
    assert note < body.index("#### Behavioural changes") and "job summary" in body[note:note + 400]
    assert "60 prompt changes" in body  # what did not fit is counted, never dropped silently
    _tables_are_whole(body)
    assert body.count("```") % 2 == 0  # no fence cut in half
    assert "#### Behavioural changes (60)" in body  # the most important table survives
    full = actions_env.summary_text()
    assert "#### Prompt changes: Big" in full and full.count("Menu 59") >= 1
    assert len(full) > len(body)


HOSTILE = "Sales | `rm -rf` <script>alert(1)</script> --> @octocat #1 [x](javascript:alert(1)) \"q\" end"


def test_hostile_flow_text_cannot_break_the_comment(tmp_path, monkeypatch, actions_env, capsys):
    old = BASE_FLOW.replace("name: Sales\n", f"name: '{HOSTILE.replace(chr(39), chr(39) * 2)}'\n", 1)
    new = old.replace("tts: Connecting you to sales.", "tts: '```</details> @admins <img src=x onerror=alert(1)>'")
    new = new.replace("name: Sales Queue", "name: \"Queue | @team <b>\"")
    root = make_repo(tmp_path / "r", {"flows/main.yaml": old})
    (root / "flows" / "main.yaml").write_text(new, encoding="utf-8")
    git(root, "commit", "-q", "-am", "hostile")
    monkeypatch.chdir(root)
    assert comment(capsys, "--base", "HEAD~1")[0] == 0
    body = actions_env.fake.comments(PR_NUMBER)[0]["body"]
    outside_code = re.sub(r"(`{3,})[a-z]*\n.*?\n\1", "", body, flags=re.S)
    assert "<script" not in outside_code and "<img" not in outside_code and "<b>" not in outside_code
    assert not re.search(r"@(octocat|team|admins)", outside_code)  # no pings
    _tables_are_whole(body)
    assert outside_code.count("<details>") == outside_code.count("</details>")
    # the prompt with a fence inside still sits in one fenced block
    prompt_block = re.search(r"(`{4,})diff\n(.*?)\n\1", body, flags=re.S)
    assert prompt_block and "@admins" in prompt_block.group(2)
    mermaid = re.search(r"```mermaid\n(.*?)\n```", body, flags=re.S).group(1)
    for line in mermaid.splitlines()[4:]:
        labels = re.findall(r'"([^"]*)"', line)
        assert all("<" not in lab and ">" not in lab and "--" not in lab and "`" not in lab for lab in labels), line
        assert re.fullmatch(r"\s+n\d+.*", line)
    assert "#124; #96;rm -rf#96; #60;script#62;" in mermaid  # the name survives, as entities


def test_with_findings_lists_lint_and_validate_results(repo, actions_env, capsys):
    assert comment(capsys, "--with-findings")[0] == 0
    body = actions_env.fake.comments(PR_NUMBER)[0]["body"]
    assert "Findings on the changed flows" in body and "IVR110" in body


def test_dry_run_prints_the_body_and_posts_nothing(repo, actions_env, capsys, tmp_path):
    out_file = tmp_path / "body.md"
    code, out = comment(capsys, "--dry-run", "-o", str(out_file))
    assert code == 0 and out.startswith(marker("diff") + "\n### IVR flow changes")
    assert out_file.read_text(encoding="utf-8") == out
    assert actions_env.fake.requests == []


def test_bad_repo_argument_is_a_usage_error(repo, actions_env, capsys):
    code, out = comment(capsys, "--repo", "not-a-repo", "--pr", "3")
    assert code == 2 and "owner/name" in out


def test_diff_comment_action_runs_with_the_harness(repo, fake_github):
    from tests.action_harness import run_action

    root = Path(__file__).resolve().parent.parent
    result = run_action(root / "entrypoints" / "diff-comment", {"label": "ivr", "mode": "update"},
                        workspace=repo, github_api_url=fake_github.base_url)
    assert result.returncode == 0, result.stderr
    assert result.outputs["changed"] == "true" and result.outputs["behavioural-changes"] == "3"
    (c,) = fake_github.comments(PR_NUMBER)
    assert result.outputs["comment-url"] == c["html_url"] and c["body"].startswith(marker("diff", "ivr"))
    assert "::add-mask::ghs_harnessToken" in result.stdout
    assert "ghs_harnessToken" not in result.stdout.replace("::add-mask::ghs_harnessToken", "")
    again = run_action(root / "entrypoints" / "diff-comment", {"label": "ivr"}, workspace=repo,
                       github_api_url=fake_github.base_url)
    assert again.returncode == 0 and len(fake_github.comments(PR_NUMBER)) == 1
    assert [r.method for r in fake_github.requests].count("POST") == 1


def test_checked_in_example_is_current(monkeypatch, capsys):
    """docs/examples/diff-comment.md is this exact output; regenerate with:
    ivr-ci diff-comment tests/fixtures/diff/base_ivr.yaml tests/fixtures/diff/feature_ivr.yaml \\
        --with-findings --dry-run > docs/examples/diff-comment.md"""
    root = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(root)
    for var in ("GITHUB_ACTIONS", "GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "IVR_CI_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    code = main(["diff-comment", "tests/fixtures/diff/base_ivr.yaml", "tests/fixtures/diff/feature_ivr.yaml",
                 "--with-findings", "--dry-run"])
    assert code == 0
    assert capsys.readouterr().out == (root / "docs" / "examples" / "diff-comment.md").read_text(encoding="utf-8")
