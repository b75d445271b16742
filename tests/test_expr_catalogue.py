"""The typed expression catalogue generated from the Architect Scripting SDK."""

from __future__ import annotations

from ivr_ci.expr.gencatalogue import CATALOGUE, EXAMPLES, generate
from tests.arch_sdk import sdk_package


def test_committed_catalogue_is_what_the_sdk_generates() -> None:
    """Regenerates from the npm package and fails on any drift (run gencatalogue to fix)."""
    catalogue, examples = generate(sdk_package())
    assert CATALOGUE.read_text(encoding="utf-8") == catalogue, \
        "ivr_ci/expr/catalogue.json is stale: python -m ivr_ci.expr.gencatalogue --sdk DIR"
    assert EXAMPLES.read_text(encoding="utf-8") == examples
