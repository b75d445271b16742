"""The diff on real flows: forks of the same blueprint give the diffs a reviewer expects, and
re-formatting any corpus flow (key order, quoting, flow style) is never a change."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

from ivr_ci.diff import diff_paths
from ivr_ci.diff.markdown import render_markdown
from ivr_ci.diff.model import Risk
from ivr_ci.diff.normalize import semantically_equal
from ivr_ci.flow import load_flow_file, load_flow_text

SIMPLE = "GenesysCloudBlueprints__simple-ivr-deploy-with-cx-as-code-blueprint__blueprint__SimpleFinancialIvr_v2-0.yaml"
MEC = "mecarpen__Simple-ivr-deploy-with-cx-as-code-blueprint__blueprint__SimpleFinancialIvr_v2-0_MEC.yaml"
MADANISH = "madanish__simple-ivr-deploy-with-cx-as-code-blueprint__blueprint__SimpleFinancialIvr_v2-0.yaml"
MADANISH_MAT = "madanish__simple-ivr-deploy-with-cx-as-code-blueprint__blueprint__SimpleFinancialIvrmat_v2-0.yaml"


def _by_name(corpus: list[Path]) -> dict[str, Path]:
    return {p.name: p for p in corpus}


def test_blueprint_fork_with_a_reworded_greeting(corpus):
    files = _by_name(corpus)
    result = diff_paths(str(files[SIMPLE]), str(files[MEC]))
    (flow,) = result.flows
    assert flow.status == "renamed" and (flow.old_name, flow.name) == ("SimpleFinancialIvr", "MEC_SimpleFinancialIvr")
    assert [c.kind for c in flow.changes] == ["flow-renamed", "prompt-changed"]
    prompt = flow.changes[1]
    assert prompt.risk is Risk.CONTENT and prompt.field == "initialGreeting"
    assert "SimpleFinancial." in prompt.old and "Simple Financial." in prompt.new


def test_blueprint_fork_that_points_choices_at_other_queues(corpus):
    files = _by_name(corpus)
    result = diff_paths(str(files[MADANISH]), str(files[MADANISH_MAT]))
    (flow,) = result.flows
    reroutes = [c for c in flow.changes if c.kind == "choice-rerouted"]
    assert sorted((c.old, c.new) for c in reroutes) == [
        ("queue Simple Financial 401K queue", "queue Simple Financial 401K queue mat"),
        ("queue Simple Financial IRA queue", "queue Simple Financial IRA queue mat"),
    ]
    assert {c.kind for c in flow.changes} == {"flow-renamed", "choice-rerouted", "choice-renamed"}
    md = render_markdown(result)
    assert "Simple Financial IRA queue mat" in md and "```mermaid" in md


def test_every_near_duplicate_pair_diffs_cleanly(corpus):
    files = _by_name(corpus)
    manifest = corpus[0].parent / "MANIFEST.tsv"
    pairs = []
    with open(manifest, encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            other = (row.get("near_duplicate_of") or "").rsplit(" (", 1)[0]
            if other in files and row["file"] in files:
                pairs.append((files[other], files[row["file"]]))
    assert len(pairs) >= 20
    for old, new in pairs:
        result = diff_paths(str(old), str(new))
        assert result.problems == [], (old.name, result.problems)
        for f in result.flows:
            for c in f.changes:
                assert c.where and c.summary and c.kind, (new.name, c)
        render_markdown(result)  # every renderer copes with real flows


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def test_reformatting_any_corpus_flow_is_no_change(corpus):
    checked = 0
    for path in corpus:
        doc = load_flow_file(str(path))
        if doc.flow is None:
            continue
        tree = {doc.flow.type: _plain(doc.flow.raw)}
        # sorted keys, flow style for leaves, re-quoted (no folding: PyYAML mis-folds deep strings)
        text = yaml.safe_dump(tree, sort_keys=True, default_flow_style=None, width=10**6, allow_unicode=True)
        again = load_flow_text(text, "reformatted.yaml")
        assert again.flow is not None, (path.name, again.problems)
        assert semantically_equal(doc.flow, again.flow), path.name
        checked += 1
    assert checked >= 170
