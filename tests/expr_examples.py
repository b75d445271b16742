"""The `{input, output}` examples of Architect's catalogue (ivr_ci/expr/examples.json, generated
from the Architect Scripting SDK bundle and held to it by a drift test), and which of them state a
literal result (`5`, `85.4`, `"Hello"`, `true`, `NOT_SET`) that `ivr-ci expr` must reproduce.

Used by tests/test_expr_examples.py and bench/bench_expr.py.
"""

from __future__ import annotations

import json
import re
from importlib import resources

_LITERAL = re.compile(r'^(-?\d+(\.\d+)?|"([^"\\]|\\.)*"|true|false|NOT_SET)$')


def is_literal_result(output: str) -> bool:
    return bool(_LITERAL.match(output.strip()))


def all_examples() -> list[dict[str, str]]:
    """Every example: {"function", "overload", "input", "output"}, in catalogue order."""
    text = resources.files("ivr_ci.expr").joinpath("examples.json").read_text(encoding="utf-8")
    return list(json.loads(text)["examples"])


def literal_examples() -> list[dict[str, str]]:
    return [e for e in all_examples() if is_literal_result(e["output"])]
