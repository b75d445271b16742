"""Workflow commands, file commands and event helpers of ivr_ci.gha."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import pytest

from ivr_ci import gha
from tests.action_harness import parse_file_command


@pytest.fixture()
def gh_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    files = {}
    for var in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY"):
        p = tmp_path / var.lower()
        p.write_text("")
        monkeypatch.setenv(var, str(p))
        files[var] = p
    return files


def test_escaping_matches_toolkit() -> None:
    assert gha.escape_data("50% a\r\nb:c,d") == "50%25 a%0D%0Ab:c,d"
    assert gha.escape_property("50% a\r\nb:c,d") == "50%25 a%0D%0Ab%3Ac%2Cd"


def test_annotation_full_and_omits_unset() -> None:
    line = gha.format_annotation(
        "error", "bad\nthing 100%", file="flows/a,b.yaml", line=3, col=5, end_line=4, end_column=9,
        title="IVR001: menu",
    )
    assert line == ("::error file=flows/a%2Cb.yaml,line=3,col=5,endLine=4,endColumn=9,"
                    "title=IVR001%3A menu::bad%0Athing 100%25")
    assert gha.format_annotation("warning", "w", file="x.yaml") == "::warning file=x.yaml::w"
    assert gha.format_annotation("notice", "n") == "::notice::n"
    with pytest.raises(ValueError):
        gha.format_annotation("fatal", "x")


def test_annotation_functions_print(capsys: pytest.CaptureFixture[str]) -> None:
    gha.error("e", file="f", line=1)
    gha.warning("w", title="t")
    gha.notice("n")
    assert capsys.readouterr().out.splitlines() == ["::error file=f,line=1::e", "::warning title=t::w", "::notice::n"]


def test_group_closes_on_exception() -> None:
    buf = io.StringIO()
    with pytest.raises(RuntimeError), gha.group("Lint: a%b", stream=buf):
        buf.write("inside\n")
        raise RuntimeError
    assert buf.getvalue().splitlines() == ["::group::Lint: a%25b", "inside", "::endgroup::"]


def test_stop_commands_random_token() -> None:
    buf = io.StringIO()
    with gha.stop_commands(stream=buf) as token:
        buf.write("::error::not a command\n")
    with gha.stop_commands(stream=io.StringIO()) as other:
        pass
    lines = buf.getvalue().splitlines()
    assert re.fullmatch(r"[0-9a-f]{32}", token) and token != other
    assert lines == [f"::stop-commands::{token}", "::error::not a command", f"::{token}::"]


def test_mask_single_and_multiline() -> None:
    buf = io.StringIO()
    gha.mask("s3cr%t", stream=buf)
    gha.mask("", stream=buf)
    gha.mask("line1\nline2", stream=buf)
    assert buf.getvalue().splitlines() == [
        "::add-mask::s3cr%25t", "::add-mask::line1%0Aline2", "::add-mask::line1", "::add-mask::line2",
    ]


def test_set_output_heredoc_multiline(gh_files: dict[str, Path]) -> None:
    assert gha.set_output("summary", "line 1\nname=value\nEOF")
    assert gha.set_output("changed", True)
    assert gha.set_output("count", 3)
    text = gh_files["GITHUB_OUTPUT"].read_text()
    delims = re.findall(r"<<(ghadelimiter_[0-9a-f-]{36})", text)
    assert len(set(delims)) == 3  # random per value
    assert parse_file_command(text) == {"summary": "line 1\nname=value\nEOF", "changed": "true", "count": "3"}


def test_set_output_rejects_bad_names(gh_files: dict[str, Path]) -> None:
    with pytest.raises(ValueError):
        gha.set_output("a\nb", "x")


def test_file_commands_noop_outside_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV"):
        monkeypatch.delenv(var, raising=False)
    assert gha.set_output("a", "b") is False
    assert gha.append_summary("# x") is False
    assert gha.write_summary("# x") is False


def test_summary_append_and_overwrite(gh_files: dict[str, Path]) -> None:
    gha.append_summary("# One")
    gha.append_summary("two\n")
    assert gh_files["GITHUB_STEP_SUMMARY"].read_text() == "# One\ntwo\n"
    gha.write_summary("# Replaced")
    assert gh_files["GITHUB_STEP_SUMMARY"].read_text() == "# Replaced\n"


def test_export_env_and_add_path(gh_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/usr/bin")
    gha.export_env("IVR_X", "a\nb")
    gha.add_path("/opt/ivr/bin")
    assert os.environ["IVR_X"] == "a\nb"
    assert os.environ["PATH"].startswith("/opt/ivr/bin" + os.pathsep)
    assert parse_file_command(gh_files["GITHUB_ENV"].read_text()) == {"IVR_X": "a\nb"}
    assert gh_files["GITHUB_PATH"].read_text() == "/opt/ivr/bin\n"
    monkeypatch.delenv("IVR_X")


def test_in_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert gha.in_actions()
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    assert not gha.in_actions()


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ({"pull_request": {"number": 12}, "repository": {"full_name": "acme/ivr"}}, (12, "acme/ivr")),
        ({"action": "created", "issue": {"number": 5, "pull_request": {"url": "u"}},
          "repository": {"full_name": "acme/ivr"}}, (5, "acme/ivr")),
        ({"issue": {"number": 5}, "repository": {"full_name": "acme/ivr"}}, None),  # plain issue
        ({"ref": "refs/heads/main", "repository": {"full_name": "acme/ivr"}}, None),  # push
        ({"pull_request": {"number": 3}}, (3, "env/repo")),  # falls back to GITHUB_REPOSITORY
    ],
)
def test_pr_number_and_repo(
    event: dict, expected: tuple | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(path))
    monkeypatch.setenv("GITHUB_REPOSITORY", "env/repo")
    assert gha.event_payload() == event
    assert gha.pr_number_and_repo() == expected


def test_event_payload_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH", raising=False)
    assert gha.event_payload() == {}
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(tmp_path / "nope.json"))
    assert gha.event_payload() == {}


def test_inputs_read_from_env_as_composite_actions_pass_them(monkeypatch):
    monkeypatch.setenv("INPUT_FAIL_ON", "  warning \n")
    monkeypatch.setenv("INPUT_PATHS", "flows/a.yaml 'flows/b c.yaml'\nflows/d.yaml")
    monkeypatch.setenv("INPUT_WITH_FINDINGS", "True")
    monkeypatch.delenv("INPUT_MISSING", raising=False)
    assert gha.get_input("fail-on") == "warning"
    assert gha.get_input("missing", "error") == "error"
    assert gha.get_list_input("paths") == ["flows/a.yaml", "flows/b c.yaml", "flows/d.yaml"]
    assert gha.get_flag_input("with-findings", False) is True
    assert gha.get_flag_input("missing", True) is True
