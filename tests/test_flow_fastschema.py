"""The fast pre-check agrees with jsonschema: it may only skip work, never a finding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ivr_ci.flow.fastschema import is_valid_fast
from ivr_ci.flow.schema import flow_validator, schema_text
from ivr_ci.flow.yamlpos import YamlSyntaxError, parse_yaml
from tests.conftest import REPO

pytest.importorskip("fastjsonschema")


def _fixture_texts() -> list[tuple[str, str]]:
    """Every YAML flow fixture in the tests (valid and deliberately broken ones)."""
    out = []
    for path in sorted((REPO / "tests").rglob("*.yaml")):
        out.append((str(path.relative_to(REPO)), path.read_text(encoding="utf-8")))
    # inline fixtures: YAML blocks embedded in the structure/validate test modules
    for module in sorted((REPO / "tests").glob("test_validate*.py")):
        text = module.read_text(encoding="utf-8")
        for i, block in enumerate(text.split('"""')[1::2]):
            if block.lstrip().split(":", 1)[0] in ("inboundCall", "workflow", "inqueueCall", "botFlow",
                                                    "outboundCall", "inboundShortMessage", "commonModule"):
                out.append((f"{module.name}#{i}", block))
    return out


def _agree(name: str, text: str) -> None:
    try:
        root = parse_yaml(text).root
    except YamlSyntaxError:
        return
    slow_valid = not any(True for _ in flow_validator().iter_errors(root))
    assert is_valid_fast(schema_text(), root) == slow_valid, name


@pytest.mark.parametrize("name,text", _fixture_texts(), ids=lambda v: v if len(v) < 80 else None)
def test_fast_and_full_validators_agree_on_fixtures(name, text):
    _agree(name, text)


def test_fast_and_full_validators_agree_on_the_corpus(corpus):
    for path in corpus:
        _agree(path.name, Path(path).read_text(encoding="utf-8"))


def test_fast_validator_rejects_what_the_schema_rejects():
    bad = {"inboundCall": {"name": "X", "menus": [{"menu": {"name": "M", "choices": "not a list"}}]}}
    assert any(True for _ in flow_validator().iter_errors(json.loads(json.dumps(bad))))
    assert is_valid_fast(schema_text(), bad) is False


def test_cached_validator_runs_without_importing_fastjsonschema(tmp_path):
    """The first run generates and caches the validator; later runs only load the cached code
    (with its own exception class), keeping fastjsonschema and urllib out of every hook run."""
    import os
    import subprocess
    import sys

    code = ("import sys; from ivr_ci.flow.fastschema import is_valid_fast; "
            "from ivr_ci.flow.schema import schema_text; "
            "flow = {'name': 'X', 'startUpRef': './menus/menu[m]'}; "
            "print(is_valid_fast(schema_text(), {'inboundCall': flow}), "
            "is_valid_fast(schema_text(), {'inboundCall': {**flow, 'name': ['not', 'text']}}), "
            "'fastjsonschema' in sys.modules)")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=REPO,
                           check=True).stdout.split() for _ in range(2)]
    assert runs == [["True", "False", "True"], ["True", "False", "False"]]
    assert len(list((tmp_path / "ivr-ci").glob("*.marshal"))) == 1
