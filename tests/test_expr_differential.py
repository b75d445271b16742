"""Differential test: ivr-ci's expression checker against Architect's own (SDK 0.0.18 run
offline by ../shared/tools/architect-expr-check/check.js), one node process, batched stdin.

Verdicts (valid or not, and the result type when valid) must agree on >= 99 % of the
thousands of generated and corpus expressions whose functions the 2016 catalogue covers;
every disagreement is printed.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter

import pytest

from ivr_ci.expr import Call, ExprSyntaxError, parse, walk
from ivr_ci.expr.catalogue import Ty, load
from ivr_ci.expr.check import NEWER_FUNCTION, UNKNOWN_FUNCTION, Checker, Env
from ivr_ci.expr.gencatalogue import BUNDLE, EXAMPLES
from ivr_ci.expr.names import flow_names
from tests.arch_sdk import CHECK_JS, sdk_package
from tests.conftest import corpus_files
from tests.expr_differential import (
    Case,
    catalogue_cases,
    declarations,
    example_cases,
    mutate,
    operator_cases,
    slot_cases,
)

AGREEMENT = 0.99


def _oracle_type(ty: Ty) -> str:
    return f"{ty.name}[]" if ty.array else ty.name


def _one_line(text: str) -> str:
    """check.js reads one expression per line: newlines outside strings are whitespace."""
    out, quoted, i = [], False, 0
    while i < len(text):
        ch = text[i]
        if quoted and ch == "\\" and i + 1 < len(text):
            out.append(text[i:i + 2])
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        out.append(" " if ch in "\r\n\t" else ch)
        i += 1
    return "".join(out)


def corpus_cases() -> tuple[list[Case], list[dict[str, Ty | None]]]:
    """Each flow's expressions with its own declarations (scope = the flow's block)."""
    from ivr_ci.flow import load_flow_file

    cat = load(sdk_only=True)
    cases: list[Case] = []
    scopes: list[dict[str, Ty | None]] = [{}]
    for path in corpus_files():
        doc = load_flow_file(str(path))
        if doc.flow is None:
            continue
        declared, _ = flow_names(doc.flow.raw)
        decls = {d.name: d.type for d in declared.values() if d.type is not None and "{{" not in d.name}
        exprs = []
        for text in _expressions(doc.flow.raw):
            if "{{" in text or not text.strip():
                continue
            try:
                node = parse(text)
            except ExprSyntaxError:
                exprs.append(text)
                continue
            if all(cat.function(n.name) for n in walk(node) if isinstance(n, Call)):
                exprs.append(text)
        if exprs:
            scopes.append(decls)
            scope = len(scopes) - 1
            unique = list(dict.fromkeys(exprs))
            cases += [Case(_one_line(e), None, "corpus", scope) for e in unique]
            mutants = dict.fromkeys(m for e in unique for m in mutate(e))
            cases += [Case(_one_line(m), None, "corpus-mutated", scope) for m in mutants if m not in exprs]
    return cases, scopes


def _expressions(raw):
    stack = [raw]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "exp" and isinstance(v, str):
                    yield v
                elif isinstance(v, (dict, list)):
                    stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)


def run_oracle(package, cases: list[Case], scopes: list[dict[str, Ty | None]]) -> list[dict]:
    lines: list[str] = []
    current = -1
    for case in cases:
        if case.scope != current:
            current = case.scope
            lines += [f"{name}:{_oracle_type(ty)}" for name, ty in scopes[current].items() if ty is not None]
        prefix = f"{_oracle_type(case.expected)}\t" if case.expected else ""
        lines.append(prefix + case.expression)
    env = {**os.environ, "ARCH_BUNDLE": str(package / BUNDLE)}
    proc = subprocess.run(["node", str(CHECK_JS)], input="\n".join(lines) + "\n", capture_output=True,
                          text=True, env=env, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert len(out) == len(cases), (len(out), len(cases))
    return out


def ours(cases: list[Case], scopes: list[dict[str, Ty | None]]) -> list[tuple[bool, str | None]]:
    verdicts = []
    checkers: dict[int, Checker] = {}
    for case in cases:
        checker = checkers.get(case.scope)
        if checker is None:
            variables = {k.lower(): v for k, v in scopes[case.scope].items()}
            checker = checkers[case.scope] = Checker(Env(variables, closed=True), load(sdk_only=True))
        v = checker.check(case.expression, case.expected)
        # in a closed world a function the 2016 catalogue lacks is Architect's "not valid"
        valid = v.valid and not any(p.code in (NEWER_FUNCTION, UNKNOWN_FUNCTION) for p in v.problems)
        verdicts.append((valid, str(v.type) if valid and v.type is not None else None))
    return verdicts


def test_verdicts_agree_with_architects_checker() -> None:
    if not CHECK_JS.is_file():
        pytest.skip(f"{CHECK_JS} not found (../shared/tools)")
    package = sdk_package()
    cat = load(sdk_only=True)
    examples = json.loads(EXAMPLES.read_text(encoding="utf-8"))["examples"]
    generated = catalogue_cases(cat) + operator_cases() + slot_cases() + example_cases(examples)
    corpus, scopes = corpus_cases()
    scopes[0] = declarations()
    cases = generated + corpus
    oracle = run_oracle(package, cases, scopes)
    mine = ours(cases, scopes)
    agree = Counter()
    total = Counter()
    misses = []
    for case, arch, (valid, ty) in zip(cases, oracle, mine, strict=True):
        total[case.group] += 1
        same = arch["valid"] == valid and (not valid or arch["type"] == ty)
        if same:
            agree[case.group] += 1
        else:
            misses.append((case, arch, valid, ty))
    for case, arch, valid, ty in misses:
        exp = f"{case.expected}\t" if case.expected else ""
        print(f"DISAGREE [{case.group}] {exp}{case.expression!r}: architect valid={arch['valid']} "
              f"type={arch['type']} {arch['errors'][:1]} | ivr-ci valid={valid} type={ty}")
    n, ok = sum(total.values()), sum(agree.values())
    print(f"differential: {ok}/{n} agree ({ok / n:.2%}); by group: "
          + ", ".join(f"{g} {agree[g]}/{total[g]}" for g in sorted(total)))
    assert n >= 3000
    assert ok / n >= AGREEMENT
