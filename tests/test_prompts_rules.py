"""Prompt files and the IVR7xx rules, through the real commands on a small repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ivr_ci.cli import main
from ivr_ci.prompts.audio import NotWav, format_concerns, read_wav_info
from ivr_ci.prompts.load import load_prompt_text
from tests.prompt_fixtures import MAIN_FLOW, WELCOME, make_repo, write_pcm_wav, write_tagged_wav
from tests.validate_util import line_of


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict]]:
    rc = main([*argv, "--format", "json"])
    out = capsys.readouterr().out
    return rc, json.loads(out)["findings"]


def by_rule(findings: list[dict], rule: str) -> list[dict]:
    return [f for f in findings if f["rule"] == rule]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    make_repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_clean_two_language_repository_has_no_prompt_findings(repo: Path, capsys) -> None:
    rc, findings = run_json(capsys, "validate-flow")
    assert [f for f in findings if f["rule"].startswith("IVR7")] == []
    assert rc == 0, findings
    rc, findings = run_json(capsys, "lint-menu")
    assert by_rule(findings, "IVR706") == []


def test_missing_es_us_resource_is_an_error_on_the_prompts_resources_line(repo: Path, capsys) -> None:
    text = WELCOME.replace('    es-us:\n      tts: "Bienvenido a {{brand}}."\n', "")
    (repo / "prompts" / "welcome.yaml").write_text(text)
    rc, findings = run_json(capsys, "validate-flow")
    [hit] = by_rule(findings, "IVR702")
    assert rc == 1
    assert hit["severity"] == "error"
    assert hit["path"] == "prompts/welcome.yaml"
    assert hit["line"] == line_of(text, "resources:")
    assert "no es-us resource" in hit["message"]
    assert f"flows/main.yaml:{line_of(MAIN_FLOW, 'Prompt.Welcome')}" in hit["message"]


def test_missing_resource_is_reported_when_only_the_flow_is_named(repo: Path, capsys) -> None:
    # a pre-commit run on the changed flow: the prompt file is not named, the finding still shows
    text = WELCOME.replace('    es-us:\n      tts: "Bienvenido a {{brand}}."\n', "")
    (repo / "prompts" / "welcome.yaml").write_text(text)
    rc, findings = run_json(capsys, "validate-flow", "flows/main.yaml")
    assert rc == 1 and [f["path"] for f in by_rule(findings, "IVR702")] == ["prompts/welcome.yaml"]


def test_a_language_the_flows_do_not_support_needs_no_resource(repo: Path, capsys) -> None:
    flow = MAIN_FLOW.replace("    es-us:\n      defaultLanguageSkill:\n        noValue: true\n", "")
    (repo / "flows" / "main.yaml").write_text(flow)
    (repo / "prompts" / "welcome.yaml").write_text(WELCOME.replace("es-us", "fr-ca"))
    _, findings = run_json(capsys, "validate-flow")
    assert by_rule(findings, "IVR702") == []


def test_undefined_prompt_is_an_error_unless_declared_external(repo: Path, capsys) -> None:
    flow = MAIN_FLOW.replace("ToAudio(Prompt.Welcome)", "ToAudio(Prompt.Welcom)")
    (repo / "flows" / "main.yaml").write_text(flow)
    rc, findings = run_json(capsys, "validate-flow")
    [hit] = by_rule(findings, "IVR701")
    assert rc == 1 and hit["line"] == line_of(flow, "Prompt.Welcom)") and "'Welcom'" in hit["message"]
    cfg = (repo / ".ivr-ci.yaml").read_text() + "prompts:\n  external: [Welcom]\n"
    (repo / ".ivr-ci.yaml").write_text(cfg)
    _, findings = run_json(capsys, "validate-flow")
    assert by_rule(findings, "IVR701") == []


def test_repositories_without_prompt_files_are_not_checked(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "main.yaml").write_text(MAIN_FLOW)
    monkeypatch.chdir(tmp_path)
    _, findings = run_json(capsys, "validate-flow", "main.yaml")
    assert [f for f in findings if f["rule"].startswith("IVR7")] == []


def test_prompt_directory_is_configurable(repo: Path, capsys) -> None:
    (repo / "prompts").rename(repo / "voice")
    (repo / "voice" / "welcome.yaml").write_text(WELCOME.replace("es-us", "fr-ca"))
    _, findings = run_json(capsys, "validate-flow")
    assert [f for f in findings if f["rule"].startswith("IVR7")] == []  # no prompts/: not kept as code
    (repo / ".ivr-ci.yaml").write_text((repo / ".ivr-ci.yaml").read_text() + "prompts: {dir: voice}\n")
    _, findings = run_json(capsys, "validate-flow")
    assert [(f["rule"], f["path"]) for f in findings if f["rule"].startswith("IVR7")] == [
        ("IVR702", "voice/welcome.yaml")]


def test_empty_tts_and_schema_problems_at_their_lines(repo: Path, capsys) -> None:
    text = ("prompt:\n  name: Main Menu\n  colour: red\n  resources:\n"
            "    en-us: {tts: \"  \"}\n    es-us: {text: only text}\n    EN_US: {tts: x}\n")
    (repo / "prompts" / "main_menu.yaml").write_text(text)
    rc, findings = run_json(capsys, "validate-flow")
    file_problems = {(f["line"], f["message"].split(":")[0]) for f in by_rule(findings, "IVR700")}
    assert rc == 1
    assert (2, "prompt name 'Main Menu' is not one Architect accepts") in file_problems
    assert any(line == 3 for line, _ in file_problems)  # unknown key colour
    assert any(line == 6 for line, _ in file_problems)  # es-us: neither tts nor audio
    assert any(line == 7 for line, _ in file_problems)  # EN_US is not a language code
    [empty] = by_rule(findings, "IVR703")
    assert empty["line"] == 5


def test_two_files_defining_one_prompt(repo: Path, capsys) -> None:
    (repo / "prompts" / "copy.yaml").write_text(WELCOME.replace("Welcome", "welcome"))
    _, findings = run_json(capsys, "validate-flow")
    [dup] = [f for f in by_rule(findings, "IVR700") if "also defined" in f["message"]]
    assert dup["path"] in ("prompts/copy.yaml", "prompts/welcome.yaml")


def test_unused_prompt_is_a_warning_and_can_be_suppressed(repo: Path, capsys) -> None:
    extra = "prompt:\n  name: OldGreeting\n  resources:\n    en-us: {tts: Hello.}\n"
    (repo / "prompts" / "old.yaml").write_text(extra)
    rc, findings = run_json(capsys, "validate-flow")
    [hit] = by_rule(findings, "IVR705")
    assert hit["severity"] == "warning" and hit["line"] == 2 and rc == 0
    (repo / "prompts" / "old.yaml").write_text("# ivr-ci: disable-file=IVR705\n" + extra)
    _, findings = run_json(capsys, "validate-flow", "prompts/old.yaml", "flows/main.yaml")
    assert by_rule(findings, "IVR705") == []


def test_placeholders_of_prompt_files_resolve_per_environment(repo: Path, capsys) -> None:
    _, findings = run_json(capsys, "validate-flow", "--env", "staging")
    assert by_rule(findings, "IVR402") == []  # brand is used by a prompt file
    (repo / "prompts" / "main_menu.yaml").write_text(
        "prompt:\n  name: MainMenu\n  resources:\n    en-us: {tts: \"Press 1 for {{dept}}, press 2 to hang up.\"}\n"
        "    es-us: {tts: \"Pulse 1 o 2.\"}\n")
    rc, findings = run_json(capsys, "validate-flow", "--env", "staging")
    [hit] = [f for f in by_rule(findings, "IVR700") if "{{dept}}" in f["message"]]
    assert rc == 1 and hit["line"] == 4 and "staging" in hit["message"]


def test_audio_checks(repo: Path, capsys) -> None:
    audio = repo / "prompts" / "audio"
    cases = {
        "missing.wav": None,
        "mp3.wav": b"ID3\x03\x00" + b"\x00" * 200,
        "adpcm.wav": "adpcm",
        "ulaw.wav": "ulaw",
        "stereo48.wav": "pcm",
    }
    write_tagged_wav(audio / "adpcm.wav", 0x11, bits=4)
    write_tagged_wav(audio / "ulaw.wav", 7)
    write_pcm_wav(audio / "stereo48.wav", rate=96000, channels=2)
    (audio / "mp3.wav").write_bytes(cases["mp3.wav"])  # type: ignore[arg-type]
    resources = "\n".join(f"    l{i}-us: {{audio: audio/{name}}}" for i, name in enumerate(cases))
    text = f"prompt:\n  name: Sounds\n  resources:\n{resources}\n"
    (repo / "prompts" / "sounds.yaml").write_text(text.replace("l0-us", "aa").replace("l1-us", "bb")
                                                  .replace("l2-us", "cc").replace("l3-us", "dd").replace("l4-us", "ee"))
    rc, findings = run_json(capsys, "validate-flow", "prompts/sounds.yaml")
    errors = {f["line"]: f["message"] for f in by_rule(findings, "IVR704")}
    warnings = {f["line"]: f["message"] for f in by_rule(findings, "IVR707")}
    assert rc == 1
    assert "no such file" in errors[4] and "MP3" in errors[5]
    assert set(errors) == {4, 5}
    assert "IMA ADPCM" in warnings[6] and "sample rate 96000" in warnings[8]
    assert 7 not in warnings  # µ-law 8 kHz mono is the telephony format


def test_wav_header_reader(tmp_path: Path) -> None:
    info = read_wav_info(str(write_pcm_wav(tmp_path / "a.wav", rate=16000)))
    assert (info.format_tag, info.channels, info.sample_rate, info.bits_per_sample) == (1, 1, 16000, 16)
    assert format_concerns(info) == [] and info.seconds == pytest.approx(0.05)
    ext = tmp_path / "ext.wav"  # WAVE_FORMAT_EXTENSIBLE wrapping µ-law: the SubFormat decides
    write_tagged_wav(ext, 0xFFFE)
    data = bytearray(ext.read_bytes())
    fmt_at = data.index(b"fmt ")
    cb = b"\x16\x00" + b"\x08\x00" + b"\x04\x00\x00\x00" + b"\x07\x00" + b"\x00" * 14
    data[fmt_at + 4:fmt_at + 8] = (16 + len(cb)).to_bytes(4, "little")
    data[fmt_at + 24:fmt_at + 24] = cb
    ext.write_bytes(bytes(data))
    assert read_wav_info(str(ext)).format_tag == 7
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(NotWav, match="empty"):
        read_wav_info(str(tmp_path / "empty.wav"))
    write_tagged_wav(tmp_path / "nodata.wav", 1, data=b"")
    with pytest.raises(NotWav, match="no audio"):
        read_wav_info(str(tmp_path / "nodata.wav"))


def test_menu_prompt_announcing_an_unanswered_key_per_language(repo: Path, capsys) -> None:
    menu = ("prompt:\n  name: MainMenu\n  resources:\n"
            "    en-us: {tts: \"For sales, press 1. To hang up, press 2.\"}\n"
            "    es-us: {tts: \"Para ventas, pulse 1. Para soporte, pulse 3.\"}\n")
    (repo / "prompts" / "main_menu.yaml").write_text(menu)
    _, findings = run_json(capsys, "lint-menu")
    [hit] = by_rule(findings, "IVR706")
    assert hit["path"].endswith("flows/main.yaml") and hit["line"] == line_of(MAIN_FLOW, "audio:")
    assert "es-us" in hit["message"] and "announces 3" in hit["message"] and "main_menu.yaml:5" in hit["message"]


def test_prompt_file_loader_keeps_positions_and_placeholders() -> None:
    pf = load_prompt_text(WELCOME, "prompts/welcome.yaml")
    assert pf.ok and pf.name == "Welcome" and pf.languages == ["en-us", "es-us"]
    assert pf.resource("ES-US") is not None
    assert pf.resource("es-us").tts == "Bienvenido a {{brand}}."  # type: ignore[union-attr]
    assert pf.resource("en-us").value_line("tts") == line_of(WELCOME, "Welcome to")  # type: ignore[union-attr]
    rendered = load_prompt_text(WELCOME, "prompts/welcome.yaml", {"brand": "Acme"})
    assert rendered.resource("en-us").tts == "Welcome to Acme."  # type: ignore[union-attr]
    bad = load_prompt_text("prompt:\n  name: X\n  name: Y\n  resources: {en-us: {tts: a}}\n", "p.yaml")
    assert [p.rule_id for p in bad.problems] == ["IVR002"]


def test_a_prompt_file_given_to_lint_menu_is_not_reported_as_an_unknown_flow(repo: Path, capsys) -> None:
    rc, findings = run_json(capsys, "lint-menu", "prompts/welcome.yaml")
    assert rc == 0 and by_rule(findings, "IVR003") == []


def test_a_copied_translation_is_a_warning_on_the_copy(repo: Path, capsys) -> None:
    text = ("prompt:\n  name: MainMenu\n  resources:\n"
            "    en-us: {tts: \"For sales, press 1. To hang up, press 2.\"}\n"
            "    es-us: {tts: \"For sales,  press 1. To hang up, press 2.\"}\n")
    (repo / "prompts" / "main_menu.yaml").write_text(text)
    rc, findings = run_json(capsys, "validate-flow")
    [hit] = by_rule(findings, "IVR708")
    assert rc == 0 and hit["line"] == 5 and "en-us text word for word" in hit["message"]
