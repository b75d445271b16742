"""promote with user prompts: planned per language, deployed before the flows, rolled back with them.

Everything is read back through the emulator's API with plain `requests` (promote_helpers.OrgReader's
login), never through ivr_ci.promote, so promote's own code cannot hide a partial state.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from ivr_ci.config import load_schema
from ivr_ci.promote.session import prepare
from tests.promote_helpers import ENV_VARS, OrgReader, Runner, seed, write_project
from tests.prompt_fixtures import MAIN_FLOW, WELCOME, write_pcm_wav

MENU = """\
prompt:
  name: MainMenu
  resources:
    en-us: {tts: "For sales, press 1. To hang up, press 2."}
    es-us: {tts: "Para ventas, pulse 1. Para colgar, pulse 2."}
"""


class PromptReader(OrgReader):
    def prompt(self, name: str) -> dict[str, Any] | None:
        self._login()
        r = self.s.get(f"{self.base}/api/v2/architect/prompts", params={"name": name}, timeout=10)
        r.raise_for_status()
        found = [p for p in r.json()["entities"] if p["name"] == name]
        if not found:
            return None
        return dict(self.s.get(f"{self.base}/api/v2/architect/prompts/{found[0]['id']}", timeout=10).json())

    def resources(self, name: str) -> dict[str, dict[str, Any]]:
        p = self.prompt(name)
        assert p is not None, f"prompt {name} not in the org"
        return {r["language"]: r for r in p["resources"]}

    def audio(self, name: str, language: str) -> bytes | None:
        res = self.resources(name).get(language) or {}
        if not res.get("mediaUri"):
            return None
        return requests.get(res["mediaUri"], timeout=10).content


def flow_v(version: str) -> str:
    return (MAIN_FLOW.replace("name: Main IVR", "name: \"{{prefix}}Main IVR\"")
            .replace("name: Bye", f"name: Bye {version}"))


@pytest.fixture
def project(tmp_path: Path, emulator_factory, monkeypatch):
    for k, v in ENV_VARS.items():
        monkeypatch.setenv(k, v)
    emu = emulator_factory(seed=seed({}))
    write_project(tmp_path, {"main.yaml": flow_v("v1")}, emu.url(""), env_extra="")
    cfg = tmp_path / ".ivr-ci.yaml"
    cfg.write_text(cfg.read_text().replace('substitutions: {prefix: "DEV ", queue: Support}',
                                           'substitutions: {prefix: "DEV ", queue: Support, brand: Acme}'))
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "welcome.yaml").write_text(WELCOME)
    (tmp_path / "prompts" / "main_menu.yaml").write_text(MENU)
    write_pcm_wav(tmp_path / "prompts" / "audio" / "welcome.en-us.wav", seed=1)
    monkeypatch.chdir(tmp_path)
    return Runner(cfg, emu.url("")), PromptReader(emu.url("")), tmp_path


def test_first_release_creates_prompts_before_the_flow(project):
    runner, reader, root = project
    plan = runner.plan()
    assert plan.errors == [], plan.errors
    # the org already has a Welcome prompt (seeded, English, recorded in Architect): it is updated
    assert [(p.name, p.action) for p in plan.prompts] == [("MainMenu", "create"), ("Welcome", "update")]
    welcome = plan.prompts[1]
    assert [(c.language, c.action, c.changed) for c in welcome.language_changes] == [
        ("en-us", "update", ["tts", "audio"]), ("es-us", "create", ["tts"])]
    result = runner.apply()
    assert result.ok, result.entry.summary
    stages = [(label, stage) for label, stage, _ in runner.events]
    first_flow = next(i for i, (label, _) in enumerate(stages) if "inboundCall" in label)
    last_prompt = max(i for i, (label, stage) in enumerate(stages) if label.endswith("(prompt)"))
    assert last_prompt < first_flow  # prompts first: the flow's import resolves Prompt.X
    res = reader.resources("Welcome")
    assert res["es-us"]["ttsString"] == "Bienvenido a Acme."  # {{brand}} rendered for the environment
    assert reader.audio("Welcome", "en-us") == (root / "prompts/audio/welcome.en-us.wav").read_bytes()
    assert res["en-us"]["uploadStatus"] == "transcoded"
    entry = result.entry.to_json()
    assert [p["name"] for p in entry["prompts"]] == ["MainMenu", "Welcome"]
    import jsonschema

    jsonschema.validate(entry, load_schema("ledger.schema.json"))
    # a second apply changes nothing: prompts compare equal by text and audio hash
    again = runner.plan()
    assert all(not p.changed for p in again.prompts) and not again.changed
    assert runner.apply().entry.outcome == "unchanged"


def _release_v2(root: Path) -> bytes:
    (root / "flows" / "main.yaml").write_text(flow_v("v2"))
    (root / "prompts" / "welcome.yaml").write_text(
        WELCOME.replace("Bienvenido a {{brand}}.", "¡Bienvenidos a {{brand}}!"))
    return write_pcm_wav(root / "prompts" / "audio" / "welcome.en-us.wav", seed=2).read_bytes()


def test_prompt_and_flow_changed_together_deploy_together(project):
    runner, reader, root = project
    assert runner.apply().ok
    new_audio = _release_v2(root)
    plan = runner.plan()
    [welcome] = [p for p in plan.prompts if p.changed]
    changes = {c.language: c.changed for c in welcome.language_changes}
    assert changes == {"en-us": ["audio"], "es-us": ["tts"]}
    assert [f.name for f in plan.changed] == ["DEV Main IVR"]
    result = runner.apply()
    assert result.ok, result.entry.summary
    assert reader.resources("Welcome")["es-us"]["ttsString"] == "¡Bienvenidos a Acme!"
    assert reader.audio("Welcome", "en-us") == new_audio
    assert "Bye v2" in reader.published()["DEV Main IVR"]


def test_failed_flow_import_rolls_the_prompt_back(project):
    runner, reader, root = project
    assert runner.apply().ok
    before = reader.resources("Welcome")
    old_audio = reader.audio("Welcome", "en-us")
    old_flow = reader.published()["DEV Main IVR"]
    _release_v2(root)
    reader.admin("faults", {"kind": "job_failure", "flow": "DEV Main IVR",
                            "message": "Archy failed: injected (exit code: 1)"})
    result = runner.apply()
    reader.clear_faults()
    assert not result.ok and result.entry.outcome == "rolled-back", result.entry.summary
    assert "1 prompt(s)" in result.entry.summary
    after = reader.resources("Welcome")
    assert after["es-us"]["ttsString"] == before["es-us"]["ttsString"] == "Bienvenido a Acme."
    assert reader.audio("Welcome", "en-us") == old_audio  # the previous recording uploaded again
    assert after["en-us"].get("tags") == before["en-us"].get("tags")
    assert reader.published()["DEV Main IVR"] == old_flow
    [rec] = [p for p in result.entry.prompts if p.name == "Welcome"]
    assert rec.status == "rolled-back"


def test_a_new_prompt_is_deleted_and_a_new_language_removed_on_rollback(project):
    runner, reader, root = project
    assert runner.apply().ok
    (root / "prompts" / "goodbye.yaml").write_text(
        "prompt:\n  name: Goodbye\n  resources:\n    en-us: {tts: Goodbye.}\n    es-us: {tts: Adiós.}\n")
    (root / "prompts" / "main_menu.yaml").write_text(MENU + "    fr-ca: {tts: \"Pour les ventes, faites le 1.\"}\n")
    (root / "flows" / "main.yaml").write_text(flow_v("v3").replace(
        "exp: ToAudio(Prompt.Welcome)", "exp: Append(ToAudio(Prompt.Welcome), ToAudio(Prompt.Goodbye))"))
    reader.admin("faults", {"kind": "job_failure", "flow": "DEV Main IVR"})
    result = runner.apply()
    reader.clear_faults()
    assert result.entry.outcome == "rolled-back", result.entry.summary
    assert reader.prompt("Goodbye") is None
    assert set(reader.resources("MainMenu")) == {"en-us", "es-us"}


def test_a_removed_language_is_deleted_and_restored_on_rollback(project):
    runner, reader, root = project
    assert runner.apply().ok
    (root / "prompts" / "main_menu.yaml").write_text(MENU.replace(
        '    es-us: {tts: "Para ventas, pulse 1. Para colgar, pulse 2."}\n', ""))
    flow = flow_v("v4").replace("    es-us:\n      defaultLanguageSkill:\n        noValue: true\n", "")
    (root / "flows" / "main.yaml").write_text(flow)
    (root / "prompts" / "welcome.yaml").write_text(WELCOME.replace('    es-us:\n      tts: "Bienvenido a {{brand}}."\n', ""))
    plan = runner.plan()
    menu = next(p for p in plan.prompts if p.name == "MainMenu")
    assert [(c.language, c.action) for c in menu.language_changes] == [("es-us", "delete")]
    reader.admin("faults", {"kind": "job_failure", "flow": "DEV Main IVR"})
    result = runner.apply()
    reader.clear_faults()
    assert result.entry.outcome == "rolled-back", result.entry.summary
    assert reader.resources("MainMenu")["es-us"]["ttsString"] == "Para ventas, pulse 1. Para colgar, pulse 2."
    assert runner.apply().ok  # and the release converges when the fault is gone
    assert set(reader.resources("MainMenu")) == {"en-us"}


def test_plan_report_shows_prompt_changes_per_language(project, capsys):
    from ivr_ci.cli import main

    runner, reader, root = project
    assert runner.apply().ok
    _release_v2(root)
    rc = main(["promote", "--env", "dev", "--plan", "--api-base", runner.api_base, "--format", "json",
               "--markdown-file", str(root / "plan.md")])
    data = json.loads(capsys.readouterr().out)
    assert rc == 0
    welcome = next(p for p in data["prompts"] if p["name"] == "Welcome")
    es = next(c for c in welcome["languages"] if c["language"] == "es-us")
    assert es == {"language": "es-us", "action": "update", "changed": ["tts"], "ttsBefore": "Bienvenido a Acme.",
                  "ttsAfter": "¡Bienvenidos a Acme!"}
    markdown = (root / "plan.md").read_text()
    assert "| Welcome | ✏️ update | en-us | audio changed |" in markdown
    assert "| Welcome | ✏️ update | es-us | tts changed: “Bienvenido a Acme.” → “¡Bienvenidos a Acme\\!” |" in markdown


def test_plan_hash_covers_prompts(project):
    runner, reader, root = project
    assert runner.apply().ok
    first = runner.plan().hash
    (root / "prompts" / "main_menu.yaml").write_text(MENU.replace("To hang up", "To leave"))
    assert runner.plan().hash != first


def test_preflight_skips_release_prompts_and_checks_external_languages(project):
    runner, reader, root = project
    # an org prompt the repository does not manage, with English only, played by an es-us flow
    reader.admin("objects", {"kind": "prompt", "add": [{"name": "Legal", "languages": ["en-us"]}]})
    cfg = root / ".ivr-ci.yaml"
    cfg.write_text(cfg.read_text() + "prompts:\n  external: [Legal]\n")
    (root / "flows" / "main.yaml").write_text(flow_v("v5").replace("ToAudio(Prompt.MainMenu)",
                                                                     "Append(ToAudio(Prompt.MainMenu), ToAudio(Prompt.Legal))"))
    plan = runner.plan()
    messages = [f.message for f in plan.findings if f.rule_id == "promote-preflight"]
    assert len(messages) == 1 and "'Legal' has no es-us resource" in messages[0]


def test_release_source_hash_includes_prompt_files(project):
    runner, reader, root = project
    session = prepare(runner.session().config, "dev", [], [])
    hashes = session.release.source_hashes()
    assert len(hashes) == 3  # one flow, two prompt files


def test_export_writes_the_prompts_the_flows_play_and_plans_as_a_no_op(project, capsys):
    from ivr_ci.cli import main

    runner, reader, root = project
    assert runner.apply().ok
    out = root / "exported"
    out.mkdir()
    cfg = root / ".ivr-ci.yaml"
    (out / ".ivr-ci.yaml").write_text(cfg.read_text().replace("flows: [flows]", "flows: [flows]\nprompts: {dir: voice}"))
    rc = main(["export", "--env", "dev", "--config", str(out / ".ivr-ci.yaml"), "--api-base", runner.api_base])
    text = capsys.readouterr().out
    assert rc == 0, text
    written = out / "voice" / "Welcome.yaml"
    assert "created" in text and "prompt Welcome" in text
    body = written.read_text()
    assert '"Bienvenido a {{brand}}."' in body  # the environment's value back as its placeholder
    assert (out / "voice" / "audio" / "Welcome.en-us.wav").read_bytes() == \
        (root / "prompts" / "audio" / "welcome.en-us.wav").read_bytes()
    assert (out / "voice" / "MainMenu.yaml").is_file()
    # the exported tree is the org: planning it changes no prompt
    rc = main(["promote", "--env", "dev", "--plan", "--format", "json", "--config", str(out / ".ivr-ci.yaml"),
               "--api-base", runner.api_base])
    plan = json.loads(capsys.readouterr().out)
    assert [p["action"] for p in plan["prompts"]] == ["unchanged", "unchanged"], plan["prompts"]
    # a re-export leaves the files as they are
    before = written.stat().st_mtime_ns
    assert main(["export", "--env", "dev", "--config", str(out / ".ivr-ci.yaml"), "--api-base", runner.api_base]) == 0
    assert "unchanged  exported/voice/Welcome.yaml  prompt Welcome" in capsys.readouterr().out
    assert written.stat().st_mtime_ns == before
