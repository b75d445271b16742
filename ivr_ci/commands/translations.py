"""`ivr-ci translations export|import`: every caller-facing text as a CSV table and back.

    ivr-ci translations export [PATH...] [--languages en-us,es-us] [-o strings.csv] [--check]
    ivr-ci translations import strings.csv [PATH...] [--dry-run]

Texts: flow TTS (per language where the flow has a per-language mapping) and prompt file TTS per
language (docs/prompts.md). Import edits the text spans in place (comments and layout kept),
checks every changed file still reads back with the new texts, then writes them all; rows it
cannot place are listed with their CSV line. Exit codes: 0 done; 1 rows not placed (import) or
missing translations with --check (export); 2 usage errors.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="export|import")
    exp = sub.add_parser("export", help="write every caller-facing text to a CSV table")
    exp.add_argument("paths", nargs="*", help="flow files or directories (default: `flows:` of .ivr-ci.yaml)")
    exp.add_argument("--languages", help="comma-separated languages: a row per text per language; empty "
                     "text = a missing translation")
    exp.add_argument("-o", "--output", help="CSV file to write (default: stdout)")
    exp.add_argument("--check", action="store_true", help="exit 1 when a translation is missing")
    exp.add_argument("--config", help="path to .ivr-ci.yaml (default: found upward from the cwd)")
    imp = sub.add_parser("import", help="write translated texts from a CSV table back into the YAML files")
    imp.add_argument("csv", help="the strings table (columns key, language, text; from `translations export`)")
    imp.add_argument("paths", nargs="*", help="flow files or directories (default: `flows:` of .ivr-ci.yaml "
                     "and the files the table names)")
    imp.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    imp.add_argument("--config", help="path to .ivr-ci.yaml (default: found upward from the cwd)")


def _sources(args: argparse.Namespace, extra: Sequence[str] = ()) -> tuple[list[Any], list[Any]]:
    """(flow documents, prompt files) to read texts from."""
    from ivr_ci.config import load_config
    from ivr_ci.errors import UsageError
    from ivr_ci.flow import expand_paths, load_flow_file
    from ivr_ci.prompts.load import load_library

    config = load_config(args.config)
    paths = list(args.paths) or [config.resolve(p) for p in config.data.get("flows", [])]
    if not paths and not extra:
        paths = ["."]
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    files = list(dict.fromkeys(expand_paths(paths) + [p for p in extra if os.path.isfile(p)]))
    docs = [load_flow_file(p) for p in files]
    flows = [d for d in docs if d.flow is not None]
    library = load_library(config, extra_paths=[d.path for d in docs if d.kind == "prompt"])
    return flows, library.files


def run(args: argparse.Namespace) -> int:
    return _export(args) if args.action == "export" else _import(args)


def _export(args: argparse.Namespace) -> int:
    from ivr_ci.prompts.translations import collect, rows, to_csv
    from ivr_ci.util.files import write_atomic

    languages = [x.strip() for x in (args.languages or "").split(",") if x.strip()] or None
    flows, prompts = _sources(args)
    cat = collect(flows, prompts, languages)
    table = rows(cat)
    text = to_csv(table)
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    print(f"translations: {len(table)} text(s) from {len(flows)} flow(s) and {len(prompts)} prompt file(s)"
          + (f"; {len(cat.missing)} missing translation(s)" if cat.missing else ""), file=sys.stderr)
    for r in cat.missing[:50]:
        print(f"{r.file}:{r.line}: missing {r.language} translation of {r.key}", file=sys.stderr)
    return 1 if args.check and cat.missing else 0


def _import(args: argparse.Namespace) -> int:
    from ivr_ci.errors import ConfigError, OperationFailed
    from ivr_ci.flow import load_flow_text
    from ivr_ci.prompts.load import load_prompt_text
    from ivr_ci.prompts.translations import apply_rows, collect, display, flow_spans, prompt_spans, read_csv
    from ivr_ci.util.files import write_atomic

    try:
        with open(args.csv, encoding="utf-8", newline="") as fh:
            table = read_csv(fh.read(), args.csv)
    except OSError as exc:
        raise ConfigError(f"{args.csv}: cannot read the strings table: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{args.csv}: not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    named = sorted({r.file for _, r in table if r.file})
    flows, prompts = _sources(args, named)
    cat = collect(flows, prompts)
    pending: dict[str, str] = {}

    def read(path: str) -> str:
        if path not in pending:
            with open(path, encoding="utf-8", newline="") as fh:
                pending[path] = fh.read().replace("\r\n", "\n")
        return pending[path]

    written: dict[str, str] = {}
    result = apply_rows(table, cat, prompts, read, written.__setitem__)
    # every changed file must still read, and say the new texts, before anything is written
    wanted = {(r.key, r.language): r.text for _, r in table if r.text.strip()}
    for path, text in written.items():
        doc = load_flow_text(text, path)
        if doc.kind == "prompt":
            pf = load_prompt_text(text, path)
            spans = prompt_spans(pf) if pf.name else []
            problems = [p.message for p in pf.problems]
        else:
            spans = flow_spans(doc) if doc.flow is not None else []
            problems = [p.message for p in doc.problems if p.rule_id in ("IVR001", "IVR002")]
        if problems:
            raise OperationFailed(f"{path}: the edited file would not read back ({problems[0]}); nothing was written")
        got = {(s.key, s.language): s.text for s in spans}
        wrong = [k for k, v in wanted.items() if k in got and got[k] != v and any(
            s.path == path and (s.key, s.language) == k for s in cat.spans)]
        if wrong:
            raise OperationFailed(f"{path}: {wrong[0][0]} ({wrong[0][1]}) would not read back as written; "
                                  "nothing was written")
    if not args.dry_run:
        for path, text in written.items():
            write_atomic(path, text)
    verb = "would update" if args.dry_run else "updated"
    for path, n in sorted(result.changed_files.items()):
        print(f"{verb} {display(path)}: {n} text(s)")
    for number, row, why in result.unplaced:
        print(f"{args.csv}:{number}: not placed: {row.key} ({row.language}): {why}", file=sys.stderr)
    total = sum(result.changed_files.values())
    print(f"translations: {total} text(s) {verb} in {len(result.changed_files)} file(s), {result.unchanged} "
          f"unchanged, {len(result.unplaced)} not placed", file=sys.stderr)
    return 1 if result.unplaced else 0
