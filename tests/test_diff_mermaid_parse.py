"""Optional: generated diagrams really parse with Mermaid (node + mermaid + jsdom).

Dev-only (~230 MB of node_modules, see docs/reference §4): set IVR_CI_MERMAID_NODE_MODULES to a
node_modules directory holding `mermaid` and `jsdom` (e.g. after `npm install mermaid jsdom`
in /tmp/mmd: IVR_CI_MERMAID_NODE_MODULES=/tmp/mmd/node_modules). Skipped otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ivr_ci.diff import diff_paths, mermaid

HERE = Path(__file__).parent
MODULES = os.environ.get("IVR_CI_MERMAID_NODE_MODULES", "")
pytestmark = pytest.mark.skipif(
    not (MODULES and (Path(MODULES) / "mermaid").is_dir() and (Path(MODULES) / "jsdom").is_dir()
         and shutil.which("node")),
    reason="set IVR_CI_MERMAID_NODE_MODULES to a node_modules with mermaid and jsdom")


def parse_all(tmp_path: Path, sources: list[str]) -> list[dict]:
    (tmp_path / "node_modules").symlink_to(Path(MODULES).resolve(), target_is_directory=True)
    script = tmp_path / "check.mjs"
    shutil.copy(HERE / "js" / "mermaid_check.mjs", script)
    proc = subprocess.run(["node", str(script)], input=json.dumps(sources), capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_generated_diagrams_parse(tmp_path, corpus):
    fixtures = HERE / "fixtures" / "diff"
    sources = []
    result = diff_paths(str(fixtures / "base_ivr.yaml"), str(fixtures / "feature_ivr.yaml"))
    sources.append(mermaid.render(result.flows[0])[0])
    hostile = (fixtures / "base_ivr.yaml").read_text(encoding="utf-8").replace(
        "name: Sales\n", "name: 'end | `x` <script>\"q\"</script> --> @a #1 [y] {z} ; %% ü'\n", 1)
    (tmp_path / "hostile.yaml").write_text(hostile, encoding="utf-8")
    result = diff_paths(str(fixtures / "base_ivr.yaml"), str(tmp_path / "hostile.yaml"))
    sources.append(mermaid.render(result.flows[0])[0])
    menus = [p for p in corpus if "menus:" in p.read_text(encoding="utf-8", errors="replace")][:40]
    for p in menus:  # every real menu tree, shown as "all added"
        result = diff_paths(str(p), str(p))  # unchanged: render the flow against an empty old side
        flow = result.flows[0]
        flow.old_flow = None
        source, _ = mermaid.render(flow)
        if source:
            sources.append(source)
    sources.append('flowchart TD\n  n1["a"b"]')  # the checker must be able to fail
    verdicts = parse_all(tmp_path, [s for s in sources if s])
    assert verdicts[-1]["ok"] is False
    bad = [(i, v["error"]) for i, v in enumerate(verdicts[:-1]) if not v["ok"]]
    assert bad == [] and len(verdicts) > 10
