"""Shared helpers of the diff tests: a git repository with a base and a feature branch."""

from __future__ import annotations

import subprocess
from pathlib import Path

BASE_FLOW = (Path(__file__).parent / "fixtures" / "diff" / "base_ivr.yaml").read_text(encoding="utf-8")

# The feature branch: a reroute, a new prompt, a new digit, and one new flow.
FEATURE_FLOW = (BASE_FLOW.replace("name: Sales Queue", "name: Inside Sales")
                .replace("tts: Welcome to Acme.", "tts: Welcome to Acme. Calls may be recorded.")
                .replace("dtmf: digit_3", "dtmf: digit_4"))
HOLD_FLOW = """inqueueCall:
  name: Acme Hold
  startUpTaskActions:
    - playAudio:
        name: Hold message
        audio:
          tts: Thanks for waiting.
"""


def git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(repo), "GIT_CONFIG_NOSYSTEM": "1",
           "PATH": "/usr/bin:/bin:/usr/local/bin"}
    proc = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def make_repo(root: Path, feature: dict[str, str | None] | None = None) -> Path:
    """main: flows/main.yaml + flows/legacy.yaml; branch `feature` (checked out) applies `feature`
    (path -> text, None = delete). Default feature: FEATURE_FLOW + a new hold flow."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    (root / "flows").mkdir()
    (root / "flows" / "main.yaml").write_text(BASE_FLOW, encoding="utf-8")
    (root / "flows" / "legacy.yaml").write_text(HOLD_FLOW.replace("Acme Hold", "Legacy Hold"), encoding="utf-8")
    (root / "README.md").write_text("flows\n", encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    git(root, "checkout", "-q", "-b", "feature")
    changes = feature if feature is not None else {"flows/main.yaml": FEATURE_FLOW, "flows/hold.yaml": HOLD_FLOW}
    for rel, text in changes.items():
        path = root / rel
        if text is None:
            path.unlink()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "feature")
    return root


def many_menus_flow(n: int, changed: str) -> str:
    """A flow of `n` menus; a different `changed` prefix rewords every prompt and reroutes every
    menu's choice 2 (one content and one behavioural change per menu)."""
    menus = "".join(f"""    - menu:
        name: Menu {i}
        refId: m{i}
        audio:
          tts: {changed}Menu {i}. For sales press 1, for support press 2. {"Long text. " * 6}
        choices:
          - menuDisconnect:
              name: One
              dtmf: digit_1
          - menuTransferToAcd:
              name: Two
              dtmf: digit_2
              targetQueue:
                lit:
                  name: {changed}Queue {i}
""" for i in range(n))
    return f"inboundCall:\n  name: Big\n  startUpRef: ./menus/menu[m0]\n  menus:\n{menus}"
