"""translations export → edit → import: texts round-trip, files keep every other byte."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from ivr_ci.cli import main
from tests.prompt_fixtures import MAIN_MENU, WELCOME, make_repo

# a flow with single-language TTS, a per-language mapping and ToAudioTTS inside an expression
FLOW = """\
inboundCall:
  name: Help Line
  division: Home
  defaultLanguage: en-us
  supportedLanguages:
    en-us:
      defaultLanguageSkill:
        noValue: true
    es-us:
      defaultLanguageSkill:
        noValue: true
  startUpRef: "/inboundCall/menus/menu[main]"
  initialGreeting:
    en-us: {tts: "Thanks for calling."}   # greeting per language
    es-us:
      tts: Gracias por llamar.
  menus:
    - menu:
        name: Main
        refId: main
        audio:
          exp: AudioPlaybackOptions(Append(ToAudioTTS("Press 1 for help."), ToAudio(Prompt.MainMenu)), true)
        choices:
          - menuDisconnect:
              name: Bye
              dtmf: digit_1
  tasks:
    - task:
        name: Closing
        refId: closing
        actions:
          - playAudio:
              name: Say goodbye
              audio:
                tts: 'Goodbye, it''s late.'
          - disconnect:
              name: End
"""


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def write_table(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    make_repo(tmp_path)
    (tmp_path / "flows" / "help.yaml").write_text(FLOW)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def export(capsys, *args: str) -> list[dict[str, str]]:
    assert main(["translations", "export", *args]) == 0
    return table(capsys.readouterr().out)


def test_export_lists_flow_and_prompt_texts_with_keys_and_lines(repo: Path, capsys) -> None:
    rows = export(capsys)
    keys = {(r["key"], r["language"]): r for r in rows}
    greet_es = keys[("flow:Help Line/initialGreeting", "es-us")]
    assert greet_es["text"] == "Gracias por llamar." and greet_es["source"] == "Thanks for calling."
    assert greet_es["file"].endswith("flows/help.yaml") and greet_es["line"] == "16"
    assert keys[("flow:Help Line/menus/menu:Main/audio", "en-us")]["text"] == "Press 1 for help."
    assert keys[("flow:Help Line/tasks/task:Closing/actions/playAudio:Say goodbye/audio", "en-us")]["text"] == \
        "Goodbye, it's late."
    assert keys[("prompt:Welcome", "es-us")]["text"] == "Bienvenido a {{brand}}."
    assert keys[("prompt:Welcome", "es-us")]["line"] == "10"


def test_missing_translations_have_empty_rows_and_fail_check(repo: Path, capsys) -> None:
    rc = main(["translations", "export", "--languages", "en-us,es-us,fr-ca", "--check"])
    out = capsys.readouterr()
    rows = table(out.out)
    assert rc == 1
    fr = {r["key"]: r for r in rows if r["language"] == "fr-ca"}
    assert fr["prompt:Welcome"]["text"] == "" and fr["prompt:Welcome"]["source"] == "Welcome to {{brand}}."
    assert "missing fr-ca translation of prompt:Welcome" in out.err


def test_round_trip_edits_texts_in_place_and_keeps_comments(repo: Path, capsys, tmp_path: Path) -> None:
    before_flow = (repo / "flows" / "help.yaml").read_text()
    before_welcome = (repo / "prompts" / "welcome.yaml").read_text()
    main(["translations", "export", "--languages", "en-us,es-us,fr-ca", "-o", "strings.csv"])
    capsys.readouterr()
    rows = table((repo / "strings.csv").read_text())
    edits = {
        ("prompt:Welcome", "es-us"): "¡Bienvenidos a {{brand}}!",
        ("prompt:Welcome", "fr-ca"): "Bienvenue chez {{brand}}.",  # a new language: inserted
        ("flow:Help Line/initialGreeting", "es-us"): "Gracias por su llamada: un momento.",
        ("flow:Help Line/menus/menu:Main/audio", "en-us"): 'Press 1 for "help".',
        ("flow:Help Line/tasks/task:Closing/actions/playAudio:Say goodbye/audio", "en-us"): "Goodbye, it's over.",
    }
    for r in rows:
        r["text"] = edits.get((r["key"], r["language"]), r["text"])
    write_table(repo / "strings.csv", rows)
    rc = main(["translations", "import", "strings.csv"])
    out = capsys.readouterr()
    assert rc == 0, out.err  # the empty fr-ca cells of flow texts are translations still to do
    assert "0 not placed" in out.err
    after = {(r["key"], r["language"]): r["text"] for r in export(capsys, "--languages", "en-us,es-us,fr-ca")}
    for k, v in edits.items():
        assert after[k] == v, k
    flow = (repo / "flows" / "help.yaml").read_text()
    assert "# greeting per language" in flow
    assert "tts: 'Goodbye, it''s over.'" in flow  # single-quoted stays single-quoted
    changed = [(a, b) for a, b in zip(before_flow.splitlines(), flow.splitlines(), strict=True) if a != b]
    assert len(changed) == 3  # only the three edited lines
    welcome = (repo / "prompts" / "welcome.yaml").read_text()
    assert welcome.startswith("# The greeting every caller hears first.\n")
    assert '      tts: "Welcome to {{brand}}."   # read when the recording is missing' in welcome
    assert welcome.count("\n") == before_welcome.count("\n") + 1
    assert 'fr-ca: {tts: "Bienvenue chez {{brand}}."}' in welcome
    rc = main(["validate-flow", "prompts/welcome.yaml"])
    assert rc == 0, capsys.readouterr().out


def test_import_reports_rows_it_cannot_place_and_writes_nothing_else(repo: Path, capsys) -> None:
    (repo / "strings.csv").write_text("key,language,text\nprompt:Nope,en-us,Hello\n"
                                      "flow:Help Line/menus/menu:Gone/audio,en-us,Hi\n"
                                      "flow:Help Line/menus/menu:Main/audio,fr-ca,Appuyez sur 1.\n")
    before = (repo / "prompts" / "main_menu.yaml").read_text()
    assert main(["translations", "import", "strings.csv"]) == 1
    err = capsys.readouterr().err
    assert "strings.csv:2: not placed: prompt:Nope (en-us): no text with this key" in err
    assert "strings.csv:3: not placed" in err
    assert "strings.csv:4: not placed: flow:Help Line/menus/menu:Main/audio (fr-ca): flow text is in one language" in err
    assert (repo / "prompts" / "main_menu.yaml").read_text() == before == MAIN_MENU


def test_bad_tables_are_usage_errors(repo: Path, capsys) -> None:
    (repo / "strings.csv").write_text("id,lang\n1,en\n")
    assert main(["translations", "import", "strings.csv"]) == 2
    assert "missing column(s) key, language, text" in capsys.readouterr().err
    assert main(["translations", "import", "nope.csv"]) == 2


def test_welcome_fixture_is_what_the_round_trip_starts_from() -> None:
    assert "Bienvenido a {{brand}}." in WELCOME
