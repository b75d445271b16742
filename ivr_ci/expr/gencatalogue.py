"""Generate `catalogue.json` and `examples.json` from the Architect Scripting SDK.

    python -m ivr_ci.expr.gencatalogue [--sdk DIR] [--check]

DIR is where `npm install purecloud-flow-scripting-api-sdk-javascript@0.0.18` ran (or the
package directory itself); default `$IVR_CI_ARCH_SDK`. Node runs `sdk_dump.js` (kept beside
this module) once to read the catalogue out of the bundle; the generated files are committed
so nothing at run time needs Node. `--check` exits 1 when the committed files differ.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CATALOGUE = HERE / "catalogue.json"
EXAMPLES = HERE / "examples.json"
PACKAGE = "purecloud-flow-scripting-api-sdk-javascript"
BUNDLE = "build-scripting/release/scripting.bundle.js"


def find_package(sdk: str | None) -> Path | None:
    """The SDK package directory under `sdk` (an npm prefix or the package itself)."""
    base = sdk or os.environ.get("IVR_CI_ARCH_SDK")
    if not base:
        return None
    for cand in (Path(base), Path(base) / "node_modules" / PACKAGE):
        if (cand / BUNDLE).is_file():
            return cand
    return None


def generate(package: Path) -> tuple[str, str]:
    """(catalogue.json text, examples.json text) for the SDK at `package`."""
    bundle = package / BUNDLE
    proc = subprocess.run(["node", str(HERE / "sdk_dump.js"), str(bundle)], capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"sdk_dump.js failed: {proc.stderr.strip()[-2000:]}")
    dump = json.loads(proc.stdout)
    version = json.loads((package / "package.json").read_text(encoding="utf-8")).get("version")
    source = {
        "package": f"{PACKAGE}@{version}",
        "file": BUNDLE,
        "sha256": hashlib.sha256(bundle.read_bytes()).hexdigest(),
        "generator": "python -m ivr_ci.expr.gencatalogue (ivr_ci/expr/sdk_dump.js)",
    }
    catalogue = {"source": source, "types": dump["types"], "functions": dump["functions"],
                 "variables": dump["variables"], "literalValues": dump["literalValues"]}
    examples = {"source": source, "examples": dump["examples"]}
    return (json.dumps(catalogue, indent=1, ensure_ascii=False) + "\n",
            json.dumps(examples, indent=1, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ivr_ci.expr.gencatalogue", description=__doc__.split("\n")[0])
    ap.add_argument("--sdk", help="npm prefix (or package directory) holding the Architect Scripting SDK")
    ap.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = ap.parse_args(argv)
    package = find_package(args.sdk)
    if package is None:
        print(f"{PACKAGE} not found: npm install --prefix DIR {PACKAGE}@0.0.18 and pass --sdk DIR "
              "(or set IVR_CI_ARCH_SDK)", file=sys.stderr)
        return 2
    texts = generate(package)
    stale = [p for p, t in zip((CATALOGUE, EXAMPLES), texts, strict=True)
             if not p.is_file() or p.read_text(encoding="utf-8") != t]
    if args.check:
        for p in stale:
            print(f"{p.name} is out of date: run python -m ivr_ci.expr.gencatalogue", file=sys.stderr)
        return 1 if stale else 0
    from ivr_ci.util.files import write_atomic

    for p, t in zip((CATALOGUE, EXAMPLES), texts, strict=True):
        write_atomic(str(p), t)
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
