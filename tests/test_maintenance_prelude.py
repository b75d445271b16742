"""The maintenance prelude as a flow part: rendered into every corpus call flow it fits, it adds
no validate-flow / lint-menu error, strips back to the same bytes, is typed Boolean by
Architect's own expression checker, and simulates per language and per `then`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ivr_ci.config import Config, load_config
from ivr_ci.flow import load_flow_text
from ivr_ci.maintenance import windows as W
from ivr_ci.maintenance.prelude import (
    PreludeError,
    carried_windows,
    condition,
    splice_prelude,
    strip_prelude,
)
from ivr_ci.rules.engine import Engine
from ivr_ci.simulate import SimInput, load_for_simulation, simulate
from tests.conftest import REPO


def _window(id: str, start: str, minutes: int, then: W.Then, message: dict[str, str]) -> W.MaintenanceWindow:
    s = datetime.fromisoformat(start).replace(tzinfo=timezone.utc)
    from datetime import timedelta

    return W.MaintenanceWindow(id, "prod", ["x"], start, timedelta(minutes=minutes), message, then,
                               "Europe/Dublin", start=s)


WINDOWS = [
    _window("a", "2030-01-05T01:00", 90, W.Then("disconnect"), {"en-us": "Down for maintenance."}),
    _window("b", "2030-01-06T01:00", 60, W.Then("queue", "Support"), {"en-us": "Prompt.Maintenance_Notice"}),
    _window("c", "2030-01-07T01:00", 30, W.Then("flow", "Fallback IVR"), {"en-us": "Down.", "fr-fr": "En panne."}),
]


def _errors(text: str, path: str) -> list[tuple[str, str]]:
    doc = load_flow_text(text, path)
    found = []
    for stage in ("validate-flow", "lint-menu"):
        found += [(f.rule_id, f.message) for f in Engine(Config()).run(stage, [doc]) if f.severity.value == "error"]
    return sorted(found)


def test_every_corpus_call_flow_takes_the_prelude_without_a_new_error(corpus):
    rendered = 0
    for path in corpus:
        text = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        doc = load_flow_text(text, str(path))
        if doc.flow is None or doc.flow.type != "inboundCall":
            continue
        try:
            spliced, (first, length, shift) = splice_prelude(text, WINDOWS)
        except PreludeError as exc:  # reported as IVR808 by validate-flow
            assert "flow style" in str(exc) or "startUpRef" in str(exc), (path.name, exc)
            continue
        rendered += 1
        assert _errors(spliced, str(path)) == _errors(text, str(path)), path.name
        assert [c.id for c in carried_windows(spliced)] == ["a", "b", "c"], path.name
        stripped, original = strip_prelude(spliced).rstrip("\n").split("\n"), text.rstrip("\n").split("\n")
        changed = [(a, b) for a, b in zip(stripped, original, strict=True) if a != b]
        # the one line that may differ: a relative startUpRef comes back in its absolute form
        assert not changed or (len(changed) == 1 and "./" in changed[0][1] and "startUpRef" in changed[0][0]), path.name
        # the template's own lines are untouched (startUpRef rewritten in place, the block inserted)
        new_lines, old_lines = spliced.rstrip("\n").split("\n"), text.rstrip("\n").split("\n")
        assert new_lines[first - 1 + length:] == old_lines[first - 1 + length - shift:], path.name
    assert rendered >= 60  # 73 inboundCall files in the corpus


def _bundle() -> str | None:
    for candidate in (os.environ.get("ARCH_BUNDLE"),
                      "/tmp/arch-sdk/node_modules/purecloud-flow-scripting-api-sdk-javascript/build-scripting/"
                      "release/scripting.bundle.js"):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


CHECKER = REPO.parent / "shared" / "tools" / "architect-expr-check" / "check.js"


@pytest.mark.skipif(shutil.which("node") is None or _bundle() is None or not CHECKER.is_file(),
                    reason="needs node, the Architect Scripting SDK bundle (ARCH_BUNDLE) and architect-expr-check")
def test_architect_own_checker_types_the_condition_boolean():
    lines = "".join(f"Boolean\t{condition(w)}\n" for w in WINDOWS) + 'Boolean\tInteraction.Language == "fr-fr"\n'
    out = subprocess.run(["node", str(CHECKER), "--flow-type", "inboundcall"], input=lines, capture_output=True,
                         text=True, env={**os.environ, "ARCH_BUNDLE": _bundle() or ""}, timeout=120)
    assert out.returncode == 0, out.stderr
    verdicts = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(verdicts) == 4 and all(v["valid"] and v["type"] == "Boolean" for v in verdicts), verdicts


CONFIG = """\
flows: [flows]
environments:
  prod:
    api_base: http://127.0.0.1:9
    client_id_env: A
    client_secret_env: B
    window: {timezone: Europe/Dublin, slots: [{days: [sat], start: "00:00", end: "24:00"}]}
maintenance:
  - id: crm
    environment: prod
    flows: [Bilingual IVR]
    start: "2030-01-05T01:00"
    duration: 1h
    message: {en-us: "We are down.", fr-fr: "Nous sommes en maintenance."}
    then: {flow: Fallback IVR}
"""

BILINGUAL = """\
inboundCall:
  name: Bilingual IVR
  startUpRef: ./menus/menu[main]
  defaultLanguage: en-us
  supportedLanguages:
    en-us:
      defaultLanguageSkill: {noValue: true}
    fr-fr:
      defaultLanguageSkill: {noValue: true}
  menus:
    - menu:
        name: Main
        refId: main
        audio: {tts: Press 1.}
        choices:
          - menuDisconnect: {name: Bye, dtmf: digit_1, globalDtmf: false, globalSpeechRecTerms: false}
"""


def test_simulate_env_renders_the_prelude_per_language(tmp_path, monkeypatch):
    monkeypatch.setattr(W, "now_utc", lambda: datetime(2030, 1, 1, tzinfo=timezone.utc))
    (tmp_path / ".ivr-ci.yaml").write_text(CONFIG)
    (tmp_path / "flows").mkdir()
    flow = tmp_path / "flows" / "bilingual.yaml"
    flow.write_text(BILINGUAL)
    config = load_config(str(tmp_path / ".ivr-ci.yaml"))
    doc = load_for_simulation(str(flow), config, "prod")
    at = datetime(2030, 1, 5, 1, 30, tzinfo=timezone.utc)

    def walk(**variables: str) -> object:
        return simulate(doc, SimInput(at=at, variables=dict(variables)), env="prod")

    fr = walk(**{"Call.Language": "fr-fr"})
    en = walk(**{"Call.Language": "en-us"})
    assert fr.heard[-1] == "Nous sommes en maintenance." and en.heard[-1] == "We are down."
    for r in (fr, en):
        assert r.outcome.kind == "transfer" and r.to_json()["outcome"]["target"] == {"type": "flow", "name": "Fallback IVR"}
    unknown = walk()  # the caller's language is a platform value: named, never guessed
    assert unknown.outcome.kind == "cannot-decide" and "Call.Language" in unknown.outcome.reason
    outside = simulate(doc, SimInput(at=datetime(2030, 1, 5, 2, 0, tzinfo=timezone.utc)), env="prod")
    assert outside.heard[-1] == "Press 1."
    # promote's offline checks of the rendered flow: no error from the prelude
    assert _errors(doc.text, str(flow)) == []
