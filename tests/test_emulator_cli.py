"""`ivr-ci emulator` as a subprocess, seed validation and `--state` persistence."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from ivr_ci.emulator.server import start_emulator
from ivr_ci.errors import ConfigError
from tests.conftest_emulator import EMULATOR_FIXTURES, EmulatorApi

REPO = Path(__file__).resolve().parent.parent


def spawn(*args: str) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "ivr_ci", "emulator", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline()


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> tuple[int, str, str]:
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=20)
    return proc.returncode, out, err


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_first_line_then_clean_exit(sig):
    proc, first = spawn("--port", "0")
    try:
        assert first.startswith("IVR_CI_API_BASE=http://127.0.0.1:")
        base = first.strip().split("=", 1)[1]
        token = requests.post(f"{base}/oauth/token", auth=("local-client", "local-secret"),
                              data={"grant_type": "client_credentials"}, timeout=10).json()["access_token"]
        flows = requests.get(f"{base}/api/v2/flows", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert flows.json()["entities"][0]["name"] == "Main IVR"
    finally:
        code, out, err = stop(proc, sig)
    assert code == 0 and out == "" and "Traceback" not in err and err == ""


def test_verbose_logs_requests_to_stderr_without_secrets():
    proc, first = spawn("--verbose")
    base = first.strip().split("=", 1)[1]
    token = requests.post(f"{base}/oauth/token", auth=("local-client", "local-secret"),
                          data={"grant_type": "client_credentials"}, timeout=10).json()["access_token"]
    requests.get(f"{base}/api/v2/flows", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    code, out, err = stop(proc)
    assert code == 0 and "GET /api/v2/flows -> 200" in err and "POST /oauth/token -> 200" in err
    assert token not in err and "local-secret" not in err


def test_bad_seed_exits_2_with_file_and_line(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("orgs:\n  - name: X\n    clients:\n      - {id: a, secret: b}\n    queues:\n"
                    "      - {name: Q, members: -1}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "ivr_ci", "emulator", "--seed", str(seed)], cwd=REPO,
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and proc.stdout == ""
    assert f"{seed}:6:" in proc.stderr and "Traceback" not in proc.stderr


def test_port_in_use_exits_2():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "ivr_ci", "emulator", "--port", str(port)], cwd=REPO,
                              capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and "cannot listen" in proc.stderr


def test_faults_file(tmp_path):
    faults = tmp_path / "faults.yaml"
    faults.write_text("- kind: throttle\n  path: /api/v2/flows\n  always: true\n", encoding="utf-8")
    proc, first = spawn("--faults", str(faults))
    base = first.strip().split("=", 1)[1]
    token = requests.post(f"{base}/oauth/token", auth=("local-client", "local-secret"),
                          data={"grant_type": "client_credentials"}, timeout=10).json()["access_token"]
    r = requests.get(f"{base}/api/v2/flows", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    stop(proc)
    assert r.status_code == 429
    faults.write_text("- kind: throttle\n- kind: bogus\n", encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "ivr_ci", "emulator", "--faults", str(faults)], cwd=REPO,
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and f"{faults}:2:" in bad.stderr


@pytest.mark.parametrize(("text", "where"), [
    ("orgs: [\n", ":2:"),
    ("orgs:\n  - name: X\n    clients: []\n", ":3:"),
    ("orgs:\n  - name: X\n    clients: [{id: a, secret: 5}]\n", ":3:"),
    ("orgs:\n  - name: X\n    clients: [{id: a, secret: b}]\n    flows:\n      - file: missing.yaml\n", ":5:"),
    ("orgs:\n  - name: X\n    clients: [{id: a, secret: b}]\n    flows:\n      - file: flow.yaml\n", ":5:"),
])
def test_seed_errors_name_file_and_line(tmp_path, text, where):
    (tmp_path / "flow.yaml").write_text("inboundCall:\n  name: F\n  startUpRef: x\n  menus:\n"
                                        "    - menu:\n        name: M\n        refId: M\n        choices:\n"
                                        "          - menuTransferToAcd:\n              targetQueue:\n"
                                        "                lit: {name: Nowhere}\n", encoding="utf-8")
    seed = tmp_path / "seed.yaml"
    seed.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        start_emulator(seed=seed)
    assert f"{seed}{where}" in str(info.value)
    assert "secret: 5" not in str(info.value) and "5 is not" not in str(info.value)


def test_state_persists_between_runs(tmp_path):
    state = tmp_path / "state.json"
    seed = EMULATOR_FIXTURES / "seed.yaml"
    with start_emulator(seed=seed, state_file=state) as emu:
        api = EmulatorApi(emu, ("dev-client", "dev-secret"))
        token = api.session.headers["Authorization"]
        fid = api.post("/api/v2/flows", {"name": "Persisted", "type": "WORKFLOW"}).json()["id"]
        deadline = time.monotonic() + 5  # written shortly after a change, before shutdown
        while "Persisted" not in state.read_text(encoding="utf-8") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "Persisted" in state.read_text(encoding="utf-8")
        requests.post(emu.url("/__admin/audits"), json={"org": "Acme Dev", "generate": {"count": 50}})
        audits = len(emu.backend.org("Acme Dev").audits)
    text = state.read_text(encoding="utf-8")
    assert "dev-secret" not in text and token.split()[1] not in text
    assert json.loads(text)["version"] == 1
    assert not list(tmp_path.glob(".state.json.*"))  # no temp files left behind
    with start_emulator(seed={"orgs": [{"name": "Other", "clients": [{"id": "o", "secret": "o"}]}]},
                        state_file=state) as emu:
        api = EmulatorApi(emu, ("dev-client", "dev-secret"))
        assert api.get(f"/api/v2/flows/{fid}").json()["name"] == "Persisted"
        assert len(emu.backend.org("Acme Dev").audits) == audits
        main = api.get("/api/v2/flows", name="Main IVR").json()["entities"][0]
        assert main["publishedVersion"]["id"] == "1.0"
        assert "Other" not in emu.backend.orgs  # the state file wins over the seed


def test_stop_drops_keep_alive_connections():
    emu = start_emulator()
    session = requests.Session()
    assert session.get(emu.url("/__admin/health"), timeout=5).status_code == 200
    emu.stop()
    with pytest.raises(requests.ConnectionError):
        session.get(emu.url("/__admin/health"), timeout=5)


def test_faults_file_lock_on_a_missing_flow_exits_2_like_a_seed_fault(tmp_path):
    faults = tmp_path / "faults.yaml"
    faults.write_text("- kind: throttle\n- {kind: lock, flow: X, user: Nobody}\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "ivr_ci", "emulator", "--faults", str(faults)], cwd=REPO,
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2 and proc.stdout == "" and "Traceback" not in proc.stderr
    assert f"{faults}:2: bad fault" in proc.stderr and "Flow 'X' not found" in proc.stderr


def test_seed_flow_published_by_an_unknown_user_names_the_flow_and_user(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("orgs:\n  - name: a\n    clients: [{id: c, secret: s}]\n    flows:\n"
                    "      - yaml: 'inboundCall: {name: Tiny, startUpRef: x}'\n        publishedBy: Nobody\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        start_emulator(seed=seed)
    assert f"{seed}:5: seed flow 'Tiny'" in str(info.value) and "publishedBy 'Nobody'" in str(info.value)


@pytest.mark.parametrize("state", ['{"version": 1, "orgs": 5}', '{"version": 1, "orgs": [{"flows": []}]}',
                                   '{"version": 1, "clients": [{"id": "c"}]}'])
def test_malformed_state_file_is_a_clean_error(tmp_path, state):
    path = tmp_path / "state.json"
    path.write_text(state, encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid state file") as info:
        start_emulator(state_file=path)
    assert str(path) in str(info.value) and info.value.exit_code == 2
