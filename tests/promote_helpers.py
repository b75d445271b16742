"""Helpers for the promote tests: a small project (flows + .ivr-ci.yaml), an emulator seed with
the previous release published, and an independent reader of the org's published state.

The reader talks to the emulator with plain `requests` (not through ivr_ci.promote), so a bug in
promote's own export code cannot hide a partial deploy from the tests.
"""

from __future__ import annotations

import io
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from ivr_ci.config import load_config
from ivr_ci.diff.normalize import semantically_equal
from ivr_ci.flow import load_flow_text
from ivr_ci.genesys.policy import RetryPolicy
from ivr_ci.promote.apply import ApplyOptions, ApplyResult, apply_release
from ivr_ci.promote.poller import AdaptivePoller
from ivr_ci.promote.render import substitute
from ivr_ci.promote.session import make_client, prepare

CLIENT = ("ci-client", "ci-secret")
ENV_VARS = {"PT_CLIENT_ID": CLIENT[0], "PT_CLIENT_SECRET": CLIENT[1]}
VALUES = {"prefix": "DEV ", "queue": "Support"}
FAST_RETRY = RetryPolicy(max_total=3.0, max_attempts=3, backoff_base=0.01, backoff_cap=0.05,
                         retry_after_default=0.05)


def module_flow(version: str) -> str:
    return f"""\
commonModule:
  name: "{{{{prefix}}}}Common Greeting"
  description: Shared greeting {version}
  division: Home
  startUpTaskActions:
    - playAudio:
        name: Greet
        audio:
          tts: Hello from {version}.
    - endTask:
        name: End
  settingsCommonModule:
    compatibleFlowTypes:
      - flowType: inboundcall
"""


def ivr_flow(i: int, version: str, *, module: bool = True) -> str:
    call = """
          - menuTask:
              name: Greeting
              dtmf: digit_2
              task:
                actions:
                  - callCommonModule:
                      name: Greet
                      commonModule:
                        "{{prefix}}Common Greeting":
                          ver_latestPublished:
                            inputs: {}
                            outputs: {}
                  - disconnect:
                      name: Bye""" if module else ""
    return f"""\
inboundCall:
  name: "{{{{prefix}}}}IVR {i:02d}"
  description: Line {i}
  division: Home
  startUpRef: "/inboundCall/menus/menu[Main Menu_10]"
  defaultLanguage: en-us
  initialGreeting:
    tts: Welcome to line {i}, release {version}.
  menus:
    - menu:
        name: Main Menu
        refId: Main Menu_10
        audio:
          tts: Press 1 for support.
        choices:
          - menuTransferToAcd:
              name: Support
              dtmf: digit_1
              targetQueue:
                lit:
                  name: "{{{{queue}}}}"{call}
  settingsErrorHandling:
    errorHandling:
      disconnect:
        none: true
"""


def release_files(n: int, version: str, *, module: bool = True) -> dict[str, str]:
    """`n` IVRs (each calling the common module when `module`) plus the module itself."""
    files = {f"ivr{i:02d}.yaml": ivr_flow(i, version, module=module) for i in range(1, n + 1)}
    if module:
        files["module.yaml"] = module_flow(version)
    return files


def rendered(files: dict[str, str], values: dict[str, str] | None = None) -> dict[str, str]:
    """{flow name: rendered text} of template files."""
    out = {}
    for text in files.values():
        body = substitute(text, values or VALUES)[0]
        doc = load_flow_text(body)
        assert doc.flow is not None, doc.problems
        out[str(doc.flow.name)] = body
    return out


def seed(published: dict[str, str] | None = None, **settings: Any) -> dict[str, Any]:
    """One org, one CI client, a user who can lock flows, and `published` flows (rendered text)."""
    org: dict[str, Any] = {
        "name": "Promote Test",
        "clients": [{"id": CLIENT[0], "secret": CLIENT[1], "name": "CI deployer"}],
        "divisions": ["Home"],
        "queues": [{"name": "Support", "members": 2}, {"name": "Empty", "members": 0}],
        "prompts": ["Welcome"],
        "users": [{"name": "Jane Doe", "email": "jane@example.com"}],
        # callees first, as a real org got them
        "flows": [{"yaml": text} for text in sorted((published or {}).values(),
                                                   key=lambda t: not t.startswith("commonModule"))],
    }
    data: dict[str, Any] = {"orgs": [org]}
    if settings:
        data["settings"] = settings
    return data


def write_project(root: Path, files: dict[str, str], emu_url: str, *, env_extra: str = "",
                  promotion_extra: str = "") -> Path:
    flows = root / "flows"
    flows.mkdir(parents=True, exist_ok=True)
    for old in flows.glob("*.yaml"):
        old.unlink()
    for name, text in files.items():
        (flows / name).write_text(text, encoding="utf-8")
    config = root / ".ivr-ci.yaml"
    config.write_text(f"""\
flows: [flows]
environments:
  dev:
    api_base: {emu_url}
    client_id_env: PT_CLIENT_ID
    client_secret_env: PT_CLIENT_SECRET
    substitutions: {{prefix: "DEV ", queue: Support}}
    rate_limit: 6000
{env_extra}promotion:
  ledger: ledger.jsonl
  lock-dir: locks
  concurrency: 4
{promotion_extra}""", encoding="utf-8")
    return config


@dataclass
class Runner:
    """Library-level apply/plan with fast polling and a small retry budget."""

    config: Path
    api_base: str
    events: list[tuple[str, str, str]] = field(default_factory=list)
    output: io.StringIO = field(default_factory=io.StringIO)

    def session(self, overlays: list[Any] | None = None) -> Any:
        return prepare(load_config(str(self.config)), "dev", [], overlays or [])

    def client(self, session: Any) -> Any:
        return make_client(session.env, api_base=self.api_base, poll_initial=0.02, job_timeout=15,
                           upload_timeout=0.5, retry=FAST_RETRY)

    def apply(self, *, stop: threading.Event | None = None, hook: Any = None, **opts: Any) -> ApplyResult:
        session = self.session()
        assert not session.release.errors, session.release.errors

        def on_progress(label: str, stage: str, detail: str) -> None:
            self.events.append((label, stage, detail))
            if hook is not None:
                hook(label, stage, detail)

        options = ApplyOptions(workers=opts.pop("workers", 4), job_timeout=15,
                               poller=AdaptivePoller(initial=0.02), on_progress=on_progress, **opts)
        self.output = io.StringIO()  # progress lines and reports of the last apply
        with self.client(session) as client:
            return apply_release(client, session.release, session.env, session.promotion, options,
                                 git_sha="0123abc", stop=stop or threading.Event(), stream=self.output)

    def plan(self, **kw: Any) -> Any:
        from ivr_ci.promote.planner import compute_plan

        session = self.session()
        with self.client(session) as client:
            return compute_plan(client, session.release, git_sha="0123abc", **kw)


# ---- independent reader of the org ---------------------------------------------------------
class OrgReader:
    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.s = requests.Session()

    def _login(self) -> None:
        """A fresh token per read: token-expiry faults expire every token of the org."""
        token = requests.post(f"{self.base}/oauth/token", auth=CLIENT, data={"grant_type": "client_credentials"},
                              timeout=10).json()["access_token"]
        self.s.headers["Authorization"] = f"Bearer {token}"

    def flows(self) -> list[dict[str, Any]]:
        self._login()
        r = self.s.get(f"{self.base}/api/v2/flows", params={"pageSize": 500}, timeout=10)
        r.raise_for_status()
        return list(r.json()["entities"])

    def published(self) -> dict[str, str]:
        """{flow name: published YAML} of every published flow (one multi-flow export job)."""
        flows = [f for f in self.flows() if (f.get("publishedVersion") or {}).get("id")]
        if not flows:
            return {}
        job = self.s.post(f"{self.base}/api/v2/flows/export/jobs", timeout=10, json={"flows": [
            {"flow": {"id": f["id"], "version": f["publishedVersion"]["id"]}, "fileName": f"x{i}", "exportType": "Yaml"}
            for i, f in enumerate(flows)]}).json()
        for _ in range(100):
            state = self.s.get(f"{self.base}/api/v2/flows/export/jobs/{job['id']}", timeout=10).json()
            if state["status"] in ("Success", "Failure"):
                break
            time.sleep(0.01)
        assert state["status"] == "Success", state
        content = requests.get(state["downloadUrl"], timeout=10).content
        if content[:2] != b"PK":
            return {flows[0]["name"]: content.decode("utf-8")}
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            return {f["name"]: z.read(f"x{i}.yaml").decode("utf-8") for i, f in enumerate(flows)}

    def admin(self, path: str, body: Any) -> Any:
        r = requests.post(f"{self.base}/__admin/{path}", json=body, timeout=10)
        assert r.status_code < 300, r.text
        return r.json() if r.content else None

    def clear_faults(self) -> None:
        requests.delete(f"{self.base}/__admin/faults", timeout=10)


def same_flow(a: str, b: str) -> bool:
    fa, fb = load_flow_text(a).flow, load_flow_text(b).flow
    return fa is not None and fb is not None and semantically_equal(fa, fb)


def org_state(reader: OrgReader, old: dict[str, str], new: dict[str, str]) -> str:
    """'old' or 'new' when the org's published flows (of this release) all match one side.

    A flow absent on the old side must be absent from the org in the 'old' state.
    """
    now = reader.published()
    names = set(old) | set(new)
    is_old = all((n in now and same_flow(now[n], old[n])) if n in old else n not in now for n in names)
    is_new = all(n in now and same_flow(now[n], new[n]) for n in new)
    assert is_old or is_new, f"partial state: {sorted(n for n in names if n in now)}"
    return "new" if is_new else "old"
