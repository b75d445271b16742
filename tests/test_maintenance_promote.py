"""Maintenance windows end to end against the emulator: schedule, apply, read back, simulate
before/inside/after, clean up after the window; validation refusals at their config line."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ivr_ci.cli import main
from ivr_ci.maintenance import windows as W
from ivr_ci.maintenance.prelude import carried_windows
from ivr_ci.promote.ledger import read_ledger
from tests.promote_helpers import (
    ENV_VARS,
    OrgReader,
    Runner,
    ivr_flow,
    rendered,
    same_flow,
    seed,
    write_project,
)

MESSAGE = "Our systems are undergoing planned maintenance until 2:30 a.m. Please call back later."


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in ENV_VARS.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("GITHUB_SHA", raising=False)


class Clock:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, at: str) -> None:
        self.set(at)
        monkeypatch.setattr(W, "now_utc", lambda: self.now)

    def set(self, at: str) -> None:
        self.now = datetime.fromisoformat(at).replace(tzinfo=timezone.utc)


def window(id: str, start: str, duration: str, then: str = "disconnect", flows: str = '["{{prefix}}IVR 01"]',
           message: str = MESSAGE, extra: str = "") -> str:
    return f"""\
  - id: {id}
    environment: dev
    flows: {flows}
    start: "{start}"
    timezone: Europe/Dublin
    duration: {duration}
    message:
      en-us: "{message}"
    then: {then}
{extra}"""


def project(tmp_path: Path, emu_url: str, *windows: str) -> Path:
    files = {"ivr01.yaml": ivr_flow(1, "v1", module=False)}
    return write_project(tmp_path, files, emu_url, promotion_extra="maintenance:\n" + "".join(windows))


def simulate(path: Path, at: str, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    code = main(["simulate", str(path), "--at", at, "--format", "json"])
    trace = json.loads(capsys.readouterr().out)
    assert code == 0, trace
    return trace


def heard(trace: dict) -> list[str]:
    return [s["heard"] for s in trace["steps"] if "heard" in s]


def check_clean(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for stage in ("validate-flow", "lint-menu"):
        capsys.readouterr()
        code = main([stage, str(path), "--format", "json"])
        out = capsys.readouterr().out
        errors = [f for f in json.loads(out)["findings"] if f["severity"] == "error"]
        assert code == 0 and not errors, (stage, out)


def test_window_is_published_simulated_and_cleaned_up(tmp_path, emulator_factory, monkeypatch, capsys):
    clock = Clock(monkeypatch, "2030-01-01T12:00")
    plain = {"ivr01.yaml": ivr_flow(1, "v1", module=False)}
    emu = emulator_factory(seed=seed(rendered(plain)))
    config = project(tmp_path, emu.base_url, window("crm-upgrade", "2030-01-05T01:00", "90m"))
    runner, reader = Runner(config, emu.base_url), OrgReader(emu.base_url)

    plan = runner.plan()
    source_hash = plan.source_hash  # the release: templates without the prelude (what requires: compares)
    (pf,) = plan.changed
    assert pf.change_summary == "maintenance prelude added for crm-upgrade; the flow itself is unchanged"
    assert plan.maintenance == [f"DEV IVR 01: maintenance Sat 5 Jan 2030 01:00–02:30 Europe/Dublin [crm-upgrade]; "
                                f"callers hear '{MESSAGE[:79]}…' then are disconnected (added)"]
    assert not [c for c in pf.changes if "task" in json.dumps(c)]  # not shown as an added task

    result = runner.apply()
    assert result.ok and result.entry.outcome == "success"
    published = reader.published()["DEV IVR 01"]
    assert [c.id for c in carried_windows(published)] == ["crm-upgrade"]
    (entry,) = read_ledger(str(tmp_path / "ledger.jsonl"))
    (w,) = entry["maintenance"]
    assert (w["id"], w["start"], w["end"], w["flows"]) == ("crm-upgrade", "2030-01-05T01:00:00Z",
                                                           "2030-01-05T02:30:00Z", ["DEV IVR 01"])
    assert w["versions"] == {"DEV IVR 01": result.entry.flows[0].new_version}

    back = tmp_path / "published.yaml"
    back.write_text(published, encoding="utf-8")
    check_clean(back, capsys)
    before = simulate(back, "2030-01-05T00:59", capsys)
    inside = simulate(back, "2030-01-05T01:00", capsys)
    last_minute = simulate(back, "2030-01-05T02:29", capsys)
    after = simulate(back, "2030-01-05T02:30", capsys)
    for normal in (before, after):
        assert normal["outcome"]["kind"] == "disconnect" and "Press 1 for support." in heard(normal)
        assert MESSAGE not in heard(normal)
    for down in (inside, last_minute):
        assert heard(down)[-1] == MESSAGE and "Press 1 for support." not in heard(down)
        assert down["outcome"]["kind"] == "disconnect" and "Maintenance disconnect" in down["outcome"]["detail"]

    clock.set("2030-01-05T03:00")  # the nightly clean-up apply
    plan = runner.plan()
    (pf,) = plan.changed
    assert pf.change_summary == "expired maintenance prelude removed (crm-upgrade); the flow itself is unchanged"
    assert plan.maintenance == ["DEV IVR 01: maintenance window [crm-upgrade] ended 2030-01-05 02:30 UTC: its "
                                "prelude is removed, the flow runs as before"]
    assert plan.source_hash == source_hash and plan.hash != result.plan.hash
    assert runner.apply().ok
    cleaned = reader.published()["DEV IVR 01"]
    assert carried_windows(cleaned) == [] and same_flow(cleaned, rendered(plain)["DEV IVR 01"])
    assert runner.apply().entry.outcome == "unchanged"


def test_dst_crossing_window_and_queue_transfer(tmp_path, emulator_factory, monkeypatch, capsys):
    Clock(monkeypatch, "2030-10-01T00:00")
    emu = emulator_factory(seed=seed(rendered({"ivr01.yaml": ivr_flow(1, "v1", module=False)})))
    # Europe/Dublin goes from IST (+01:00) back to GMT at 02:00 local on Sun 27 Oct 2030: a 3h
    # window from 00:30 IST is 23:30Z-02:30Z and ends at 02:30 GMT local, not 03:30
    config = project(tmp_path, emu.base_url, window("dst", "2030-10-27T00:30", "3h",
                                                    then="{queue: Support}"))
    runner, reader = Runner(config, emu.base_url), OrgReader(emu.base_url)
    (line,) = runner.plan().maintenance
    assert "Sun 27 Oct 2030 00:30 IST–02:30 GMT Europe/Dublin" in line and "transferred to queue 'Support'" in line
    assert runner.apply().ok
    back = tmp_path / "published.yaml"
    back.write_text(reader.published()["DEV IVR 01"], encoding="utf-8")
    check_clean(back, capsys)
    assert "Press 1" in " ".join(heard(simulate(back, "2030-10-26T23:29", capsys)))
    for at in ("2030-10-26T23:30", "2030-10-27T01:30", "2030-10-27T02:29"):
        t = simulate(back, at, capsys)
        assert t["outcome"]["kind"] == "transfer" and t["outcome"]["target"] == {"type": "queue", "name": "Support"}
    assert "Press 1" in " ".join(heard(simulate(back, "2030-10-27T02:30", capsys)))


def test_unknown_then_queue_is_reported_online_at_the_window_line(tmp_path, emulator_factory, monkeypatch):
    Clock(monkeypatch, "2030-01-01T00:00")
    emu = emulator_factory(seed=seed({}))
    config = project(tmp_path, emu.base_url, window("crm", "2030-01-05T01:00", "1h", then="{queue: Nowhere}"))
    plan = Runner(config, emu.base_url).plan()
    (err,) = [f for f in plan.errors if "Nowhere" in f.message]
    text = config.read_text().splitlines()
    assert err.path == str(config) and text[err.line - 1].strip() == "then: {queue: Nowhere}"
    assert err.message.startswith("maintenance window 'crm' (prelude rendered into ")


def validate(tmp_path: Path, capsys: pytest.CaptureFixture[str], *windows: str) -> tuple[int, list[dict], Path]:
    config = project(tmp_path, "http://127.0.0.1:9", *windows)
    capsys.readouterr()
    code = main(["validate-flow", "--config", str(config), str(tmp_path / "flows"), "--format", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    return code, [f for f in findings if f["rule"].startswith("IVR8")], config


def _line(config: Path, f: dict) -> str:
    assert f["path"] == str(config)
    return config.read_text().splitlines()[f["line"] - 1].strip()


def test_overlap_on_one_flow_is_refused_at_validate_time(tmp_path, capsys, monkeypatch):
    Clock(monkeypatch, "2030-01-01T00:00")
    code, found, config = validate(tmp_path, capsys, window("a", "2030-01-05T01:00", "2h"),
                                   window("b", "2030-01-05T02:29", "30m"), window("c", "2030-01-05T03:00", "30m"))
    assert code == 1
    (f,) = found
    assert f["rule"] == "IVR802" and f["severity"] == "error" and "'b'" in f["message"] and "'a'" in f["message"]
    assert _line(config, f) == 'start: "2030-01-05T02:29"'


@pytest.mark.parametrize(("duration", "ok"), [("9h", False), ("8h", True), ("4m", False), ("5m", True),
                                              ("7h61m", False), ("1h30m", True)])
def test_duration_range(tmp_path, capsys, monkeypatch, duration, ok):
    Clock(monkeypatch, "2030-01-01T00:00")
    code, found, config = validate(tmp_path, capsys, window("a", "2030-01-05T01:00", duration))
    if ok:
        assert code == 0 and not found
    else:
        (f,) = found
        assert code == 1 and f["rule"] == "IVR801" and _line(config, f) == f"duration: {duration}"


def test_other_validation_rules(tmp_path, capsys, monkeypatch):
    Clock(monkeypatch, "2030-01-01T00:00")
    four = [window(f"w{i}", "2030-02-01T01:00", "1h", flows=f'["{{{{prefix}}}}IVR 01 copy {i}"]') for i in range(4)]
    code, found, config = validate(
        tmp_path, capsys,
        window("over", "2029-12-01T01:00", "1h"),
        window("gap", "2030-03-31T01:30", "1h"),  # Dublin springs forward 01:00 -> 02:00
        window("twice", "2030-10-27T01:30", "1h"),  # ... and falls back 02:00 -> 01:00
        window("lang", "2030-01-05T01:00", "1h", extra="", message=MESSAGE).replace("en-us", "fr-fr"),
        *four)
    rules = {(f["rule"], f["message"].split("'")[1]) for f in found}
    assert ("IVR806", "over") in rules and ("IVR807", "gap") in rules and ("IVR807", "twice") in rules
    assert ("IVR805", "lang") in rules
    assert ("IVR804", "w0") in rules  # no such flow
    assert ("IVR803", "w3") in rules  # four at once, the limit is 3
    warn = next(f for f in found if f["rule"] == "IVR806")
    assert warn["severity"] == "warning" and _line(config, warn) == 'start: "2029-12-01T01:00"'
    twice = next(f for f in found if f["rule"] == "IVR807" and "'twice'" in f["message"])
    assert "+0100" in twice["message"] and "+0000" in twice["message"]
    assert code == 1


class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        _Hook.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def states(config: Path, at: str | None, capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    capsys.readouterr()
    args = ["maintenance", "--config", str(config), "--env", "dev", "--format", "json", *extra]
    assert main([*args, "--at", at] if at else args) == 0
    return json.loads(capsys.readouterr().out)


def test_maintenance_command_states_and_check_notifies_once(tmp_path, emulator_factory, monkeypatch, capsys):
    clock = Clock(monkeypatch, "2030-01-01T12:00")
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    _Hook.received = []
    try:
        emu = emulator_factory(seed=seed(rendered({"ivr01.yaml": ivr_flow(1, "v1", module=False)})))
        files = {"ivr01.yaml": ivr_flow(1, "v1", module=False)}
        config = write_project(tmp_path, files, emu.base_url,
                               env_extra=f"    notify: http://127.0.0.1:{hook.server_address[1]}/hook\n",
                               promotion_extra="maintenance:\n" + window("crm", "2030-01-05T01:00", "90m"))
        runner = Runner(config, emu.base_url)

        def state_at(at: str | None) -> list[str]:
            return [w["state"] for w in states(config, at, capsys)["windows"]]

        assert state_at(None) == ["scheduled"]  # in the config, not yet in the org
        assert runner.apply().ok
        assert state_at("2030-01-05T00:59") == ["deployed"]
        assert state_at("2030-01-05T01:00") == ["active"]
        assert state_at("2030-01-05T02:30") == ["expired"]

        checks = []
        for now in ("2030-01-04T12:00", "2030-01-05T01:05", "2030-01-05T01:10", "2030-01-05T02:31",
                    "2030-01-05T02:40"):
            clock.set(now)
            checks.append([n["event"] for n in states(config, None, capsys, "--check").get("notified", [])])
        assert checks == [[], ["ivr-ci.maintenance.start"], [], ["ivr-ci.maintenance.end"], []]
        assert [(p["event"], p["window"], p["environment"]) for p in _Hook.received] == [
            ("ivr-ci.maintenance.start", "crm", "dev"), ("ivr-ci.maintenance.end", "crm", "dev")]
        assert _Hook.received[0]["flows"][0]["state"] == "active"
        events = (tmp_path / "maintenance-events.jsonl").read_text().splitlines()
        assert [json.loads(e)["event"] for e in events] == ["ivr-ci.maintenance.start", "ivr-ci.maintenance.end"]

        clock.set("2030-01-05T03:00")
        assert runner.apply().ok  # the clean-up apply
        assert state_at(None) == ["cleaned"]
    finally:
        hook.shutdown()
        hook.server_close()


BILINGUAL = """\
inboundCall:
  name: "{{prefix}}Bilingual"
  division: Home
  startUpRef: ./tasks/task[start]
  defaultLanguage: en-us
  supportedLanguages:
    en-us:
      defaultLanguageSkill: {noValue: true}
    fr-fr:
      defaultLanguageSkill: {noValue: true}
  tasks:
    - task:
        name: Start
        refId: start
        actions:
          - playAudio: {name: Hello, audio: {tts: Hello.}}
          - disconnect: {name: Bye}
  settingsErrorHandling:
    errorHandling:
      disconnect:
        none: true
"""
FALLBACK = BILINGUAL.replace('"{{prefix}}Bilingual"', "DEV Fallback").replace("Hello.", "Fallback.")


def test_flow_transfer_prompt_and_language_preludes_publish(tmp_path, emulator_factory, monkeypatch, capsys):
    Clock(monkeypatch, "2030-01-01T00:00")
    org = seed({"DEV Fallback": FALLBACK})
    org["orgs"][0]["prompts"] = ["Welcome", {"name": "Maintenance_Notice", "languages": ["en-us", "fr-fr"]}]
    emu = emulator_factory(seed=org)
    langs = 'fr-fr: "Nous sommes en maintenance."\n'
    config = write_project(
        tmp_path, {"bilingual.yaml": BILINGUAL, "fallback.yaml": FALLBACK}, emu.base_url,
        promotion_extra="maintenance:\n"
        + window("to-flow", "2030-01-05T01:00", "1h", then="{flow: DEV Fallback}", flows='["{{prefix}}Bilingual"]',
                 message="Prompt.Maintenance_Notice").replace('      en-us: "Prompt.Maintenance_Notice"\n',
                                                              '      en-us: "Prompt.Maintenance_Notice"\n      ' + langs))
    runner, reader = Runner(config, emu.base_url), OrgReader(emu.base_url)
    result = runner.apply()
    assert result.ok, result.entry.summary
    published = reader.published()["DEV Bilingual"]
    back = tmp_path / "bilingual-published.yaml"
    back.write_text(published, encoding="utf-8")
    check_clean(back, capsys)
    capsys.readouterr()
    assert main(["simulate", str(back), "--at", "2030-01-05T01:30", "--set", "Call.Language=fr-fr",
                 "--format", "json"]) == 0
    fr = json.loads(capsys.readouterr().out)
    assert heard(fr)[-1] == "Nous sommes en maintenance."
    assert fr["outcome"]["target"] == {"type": "flow", "name": "DEV Fallback"}
    assert main(["simulate", str(back), "--at", "2030-01-05T01:30", "--set", "Call.Language=en-us",
                 "--format", "json"]) == 0
    en = json.loads(capsys.readouterr().out)
    assert "Maintenance_Notice" in heard(en)[-1]
