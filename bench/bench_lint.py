"""Benchmark: lint-menu + validate-flow over the corpus against yamllint, check-jsonschema
and a parse-only floor, in one run; one-file hook latency; a generated 10,000-menu flow.

Run by hand:  python bench/bench_lint.py  [--corpus DIR] [--repeat N]
Prints ratios against the peers measured in the same run (targets: <= 1.0x yamllint,
<= 2x the parse floor, one-file hook run <= 150 ms, 10,000 menus <= 2 s per command with
linear growth).
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def run_cmd(cmd: list[str]) -> None:
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def best_cmd(cmd: list[str], repeat: int) -> float:
    return best_of(lambda: run_cmd(cmd), repeat)


def parse_floor(files: list[str]) -> None:
    """Compose every file, nothing else. The cyclic GC is paused as ivr-ci pauses it: with it
    running, composing a 10,000-menu file takes ~7x longer and the floor would flatter us."""
    import gc

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    from ivr_ci.flow.placeholders import mask_placeholders  # the floor must parse templates too

    gc.disable()
    try:
        for f in files:
            with open(f, encoding="utf-8") as fh:
                yaml.compose(mask_placeholders(fh.read()), Loader=loader)
    finally:
        gc.enable()


def generated_flow(menus: int) -> str:
    out = ["inboundCall:", "  name: Generated", '  startUpRef: "/inboundCall/menus/menu[m0]"',
           "  defaultLanguage: en-us", "  menus:"]
    for i in range(menus):
        nxt = f"m{i + 1}" if i + 1 < menus else "m0"
        out += ["    - menu:", f"        name: Menu {i}", f"        refId: m{i}",
                "        audio:", "          tts: Press 1 for sales, press 2 for the next menu.",
                "        choices:",
                "          - menuTransferToAcd:", f"              name: Sales {i}", "              dtmf: digit_1",
                "              targetQueue:", "                lit:", "                  name: Sales",
                "          - menuTask:", f"              name: Next {i}", "              dtmf: digit_2",
                "              task:", "                actions:", "                  - jumpToMenu:",
                "                      name: Next", f'                      targetMenuRef: "/inboundCall/menus/menu[{nxt}]"',
                "          - menuTask:", f"              name: Back {i}", "              dtmf: digit_9",
                "              task:", "                actions:", "                  - previousMenu:",
                "                      name: Back"]
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=os.environ.get("IVR_CI_CORPUS",
                                                           os.path.join(REPO, "..", "shared", "corpus")))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    corpus = args.corpus if os.path.basename(args.corpus) == "archy" else os.path.join(args.corpus, "archy")
    files = sorted(glob.glob(os.path.join(corpus, "*.y*ml")))
    py = sys.executable
    print(f"corpus: {len(files)} files, {sum(os.path.getsize(f) for f in files) / 1e6:.2f} MB")

    ours = best_of(lambda: run_cmd([py, "-m", "ivr_ci", "lint-menu", *files]), args.repeat)
    ours_v = best_of(lambda: run_cmd([py, "-m", "ivr_ci", "validate-flow", *files]), args.repeat)
    floor_inproc = best_of(lambda: parse_floor(files), args.repeat)
    floor_script = ("import glob, sys; sys.path.insert(0, sys.argv[1]); from bench.bench_lint import parse_floor; "
                    "parse_floor(sorted(glob.glob(sys.argv[2])))")
    floor_cmd = best_of(lambda: run_cmd([py, "-c", floor_script, REPO, os.path.join(corpus, "*.y*ml")]),
                        args.repeat)
    rows = [("ivr-ci lint-menu (process)", ours), ("ivr-ci validate-flow (process)", ours_v),
            ("parse floor: CSafeLoader compose (process)", floor_cmd),
            ("parse floor: CSafeLoader compose (in-process)", floor_inproc)]
    yamllint = shutil.which("yamllint")
    if yamllint:
        t_yl = best_of(lambda: run_cmd([yamllint, "-d", "relaxed", *files]), args.repeat)
        rows.append(("yamllint -d relaxed (process)", t_yl))
    schema = os.path.join(REPO, "ivr_ci", "schemas", "archy-flow.schema.json")
    cj = shutil.which("check-jsonschema")
    if cj and os.path.exists(schema):
        valid = [f for f in files if "{{" not in Path(f).read_text(encoding="utf-8")]
        t_cj = best_of(lambda: run_cmd([cj, "--schemafile", schema, *valid]), args.repeat)
        rows.append((f"check-jsonschema (process, {len(valid)} files without placeholders)", t_cj))
    for name, t in rows:
        print(f"  {name:<62} {t * 1000:8.1f} ms")
    print("ratios (lower is better):")
    if yamllint:
        print(f"  lint-menu / yamllint          = {ours / t_yl:5.2f}x  (target <= 1.0)")
        print(f"  validate-flow / yamllint      = {ours_v / t_yl:5.2f}x")
    print(f"  lint-menu / parse floor       = {ours / floor_cmd:5.2f}x  (target <= 2.0)")
    print(f"  validate-flow / parse floor   = {ours_v / floor_cmd:5.2f}x")
    if cj and os.path.exists(schema):
        print(f"  validate-flow / check-jsonschema = {ours_v / t_cj:5.2f}x")

    one = files[len(files) // 2]
    t_one = best_of(lambda: run_cmd([py, "-m", "ivr_ci", "lint-menu", one]), max(args.repeat, 5))
    t_one_v = best_of(lambda: run_cmd([py, "-m", "ivr_ci", "validate-flow", one]), max(args.repeat, 5))
    print(f"one-file hook run: lint-menu {t_one * 1000:.0f} ms, validate-flow {t_one_v * 1000:.0f} ms "
          "(target <= 150 ms)")

    print("generated flows, one process per command (best of 3; floor = CSafeLoader compose of the file):")
    print(f"  {'menus':>6} {'size':<28} {'floor':>7} {'lint-menu':>17} {'validate-flow':>17}  growth (lint, validate)")
    prev = None
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1000, 2500, 5000, 10000):
            path = os.path.join(tmp, f"gen{n}.yaml")
            text = generated_flow(n)
            Path(path).write_text(text, encoding="utf-8")
            floor = best_cmd([py, "-c", floor_script, REPO, path], 3)
            lint = best_cmd([py, "-m", "ivr_ci", "lint-menu", path, "--format", "json"], 3)
            val = best_cmd([py, "-m", "ivr_ci", "validate-flow", path, "--format", "json"], 3)
            growth = (f"x{lint / prev[1]:.2f}, x{val / prev[2]:.2f} for x{n / prev[0]:.1f} menus"
                      if prev else "")
            size = f"({text.count(chr(10)):,} lines, {len(text) / 1e6:.1f} MB)"
            print(f"  {n:>6} {size:<28} {floor:6.2f}s {lint:6.2f}s ({lint / floor:4.2f}x) "
                  f"{val:6.2f}s ({val / floor:4.2f}x)  {growth}")
            prev = (n, lint, val)
    print("target: 10,000 menus <= 2 s per command, with linear growth")
    return 0


if __name__ == "__main__":
    sys.exit(main())
