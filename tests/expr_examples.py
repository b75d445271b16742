"""The `{input, output}` examples of Architect's catalogue, and which of them state a literal
result (`5`, `85.4`, `"Hello"`, `true`, `NOT_SET`) that `ivr-ci expr` must reproduce exactly.

The examples come from the Architect Scripting SDK bundle through the oracle's catalogue dump
(`../shared/tools/architect-expr-check/check.js --catalogue`), so nothing here runs at product
run time; tests/test_expr_examples.py and bench/bench_expr.py use it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

BUNDLE_IN_PACKAGE = "node_modules/purecloud-flow-scripting-api-sdk-javascript/build-scripting/release/scripting.bundle.js"
_LITERAL = re.compile(r'^(-?\d+(\.\d+)?|"([^"\\]|\\.)*"|true|false|NOT_SET)$')


def is_literal_result(output: str) -> bool:
    return bool(_LITERAL.match(output.strip()))


def examples_of(catalogue: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(function or operator, input, output) for every example, in catalogue order."""
    out = []
    for kind in ("functions", "operators"):
        for entry in catalogue.get(kind, []):
            for overload in entry.get("overloads", []):
                for ex in overload.get("examples") or []:
                    out.append((entry["name"], str(ex["input"]), str(ex["output"])))
    return out


def literal_examples(catalogue: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [e for e in examples_of(catalogue) if is_literal_result(e[2])]


def find_bundle(root: Path | None = None) -> Path | None:
    """The SDK bundle: $ARCH_BUNDLE, $ARCH_SDK_DIR/node_modules/..., or /tmp/arch-sdk/..."""
    candidates = [os.environ.get("ARCH_BUNDLE")]
    for base in (os.environ.get("ARCH_SDK_DIR"), "/tmp/arch-sdk"):
        if base:
            candidates.append(str(Path(base) / BUNDLE_IN_PACKAGE))
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    return None


def load_catalogue(checker: Path, bundle: Path) -> dict[str, Any]:
    """The catalogue dumped by the oracle (node required)."""
    node = shutil.which("node")
    if node is None:
        raise FileNotFoundError("node is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "catalogue.json"
        subprocess.run([node, str(checker), "--bundle", str(bundle), "--catalogue", str(out)],
                       input="", capture_output=True, text=True, check=True, timeout=120)
        return json.loads(out.read_text(encoding="utf-8"))
