"""diff of prompt files: TTS per language, recordings by hash, languages added and removed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ivr_ci.cli import main
from tests.prompt_fixtures import MAIN_MENU, WELCOME, make_repo, write_pcm_wav


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    make_repo(tmp_path)
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.com", "add", "-A")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "v1")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _change(root: Path) -> None:
    (root / "prompts" / "welcome.yaml").write_text(
        WELCOME.replace("Bienvenido a {{brand}}.", "¡Bienvenidos a {{brand}}!") + "    fr-ca:\n      tts: Bienvenue.\n")
    write_pcm_wav(root / "prompts" / "audio" / "welcome.en-us.wav", seed=9)  # re-recorded, same name
    (root / "prompts" / "main_menu.yaml").write_text(MAIN_MENU.replace(
        '    es-us: {tts: "Para ventas, pulse 1. Para colgar, pulse 2."}\n', ""))
    (root / "prompts" / "goodbye.yaml").write_text("prompt:\n  name: Goodbye\n  resources:\n    en-us: {tts: Bye.}\n")


def test_git_mode_reports_text_audio_and_languages(repo: Path, capsys) -> None:
    _change(repo)
    rc = main(["diff", "--base", "main", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 0
    by_name = {p["name"]: p for p in data["prompts"]}
    assert by_name["Goodbye"]["status"] == "added"
    welcome = {lang["language"]: lang for lang in by_name["Welcome"]["languages"]}
    assert welcome["es-us"]["changed"] == ["tts"]
    assert welcome["es-us"]["tts"] == {"old": "Bienvenido a {{brand}}.", "new": "¡Bienvenidos a {{brand}}!"}
    assert welcome["en-us"]["changed"] == ["audio"]
    assert welcome["en-us"]["audio"]["old"] != welcome["en-us"]["audio"]["new"]
    assert welcome["fr-ca"]["status"] == "added"
    menu = by_name["MainMenu"]["languages"]
    assert [(lang["language"], lang["status"]) for lang in menu] == [("es-us", "removed")]
    import jsonschema

    from ivr_ci.config import load_schema

    jsonschema.validate(data, load_schema("diff.schema.json"))


def test_unchanged_prompts_and_moved_files_are_no_change(repo: Path, capsys) -> None:
    (repo / "prompts" / "sub").mkdir()
    (repo / "prompts" / "welcome.yaml").rename(repo / "prompts" / "sub" / "welcome.yaml")
    (repo / "prompts" / "audio").rename(repo / "prompts" / "sub" / "audio")
    main(["diff", "--base", "main", "--format", "json"])
    assert "prompts" not in json.loads(capsys.readouterr().out)


def test_text_and_markdown_show_old_and_new_text_per_language(repo: Path, capsys) -> None:
    _change(repo)
    main(["diff", "--base", "main"])
    text = capsys.readouterr().out
    assert "Welcome (prompt) changed" in text and "- Bienvenido a {{brand}}." in text
    assert "recording changed" in text and "4 prompt(s) changed" not in text
    main(["diff", "--base", "main", "--format", "markdown"])
    md = capsys.readouterr().out
    assert "#### Prompt files" in md and "+ ¡Bienvenidos a {{brand}}!" in md
    assert "es-us removed" in md and "prompt file changes" in md


def test_path_mode_compares_two_directories(tmp_path: Path, capsys) -> None:
    old, new = make_repo(tmp_path / "old"), make_repo(tmp_path / "new")
    _change(new)
    rc = main(["diff", str(old / "prompts"), str(new / "prompts"), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert rc == 0 and data["problems"] == []
    assert {p["name"] for p in data["prompts"]} == {"Welcome", "MainMenu", "Goodbye"}
    welcome = next(p for p in data["prompts"] if p["name"] == "Welcome")
    en = next(lang for lang in welcome["languages"] if lang["language"] == "en-us")
    assert en["changed"] == ["audio"] and len(en["audio"]["new"]) == 64  # sha256 of the bytes
