"""Every numeric threshold a rule enforces, held to the range Architect documents (issue 18).

The source is the Architect Scripting SDK's documentation HTML
(purecloud-flow-scripting-api-sdk-javascript, src/scripting/documentation). `.ci/run` installs the
package into $IVR_CI_ARCH_SDK; the page checks read it from there (or /tmp/arch-sdk).
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import pytest

from ivr_ci.config import Config
from ivr_ci.findings import Severity
from ivr_ci.flow import load_flow_text
from ivr_ci.rules.architect_limits import LIMITS, SDK_DOCS, SDK_PACKAGE, Limit
from ivr_ci.rules.catalogue import load_catalogue
from ivr_ci.rules.engine import Engine

RULE_OF = {("settingsMenu", "menuSelectionTimeout"): "IVR104", ("settingsMenu", "repeatCount"): "IVR105"}


def _docs_dir() -> Path | None:
    for base in (os.environ.get("IVR_CI_ARCH_SDK"), "/tmp/arch-sdk"):
        if base:
            path = Path(base) / "node_modules" / SDK_PACKAGE / SDK_DOCS
            if path.is_dir():
                return path
    return None


def _rule(limit: Limit) -> str:
    return RULE_OF.get((limit.block, limit.key), "IVR210")


def _member_text(page: Path, member: str) -> str:
    """The first paragraph of a member's description on a JSDoc page, as plain text."""
    text = page.read_text(encoding="utf-8")
    m = re.search(rf'<h4 class="name" id="{re.escape(member)}">(.*?)<p>(.*?)</p>', text, re.S)
    assert m, f"{page.name} has no member {member}"
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", m.group(2)))).strip()


def _bounds(quote: str, kind: str) -> tuple[float | None, float | None]:
    """The numbers a documentation sentence states, in ms for durations."""
    def ms(n: str, unit: str | None) -> float:
        return float(n) * (1000 if unit and unit.startswith("second") else 1)

    if m := re.search(r"range from (\d+)\s*(ms|seconds?)? to (\d+)\s*(ms|seconds?)?", quote):
        if kind == "duration":
            return ms(m.group(1), m.group(2)), ms(m.group(3), m.group(4))
        return float(m.group(1)), float(m.group(3))
    low = re.search(r"cannot be less than (\d+) (seconds?|ms)", quote)
    high = re.search(r"greater than (\d+) (seconds?|ms)", quote)
    assert low or high, quote
    return (ms(*low.groups()) if low else None), (ms(*high.groups()) if high else None)


@pytest.mark.parametrize("limit", LIMITS.values(), ids=lambda lim: f"{lim.block}.{lim.key}")
def test_each_limit_is_the_range_its_quoted_sentence_states(limit):
    assert (limit.low, limit.high) == _bounds(limit.quote, limit.kind)


@pytest.mark.parametrize("limit", LIMITS.values(), ids=lambda lim: f"{lim.block}.{lim.key}")
def test_each_quoted_sentence_is_what_the_sdk_documentation_says(limit):
    docs = _docs_dir()
    if docs is None:
        pytest.skip(f"{SDK_PACKAGE} not installed (.ci/run installs it into $IVR_CI_ARCH_SDK)")
    said = _member_text(docs / limit.page, limit.member)
    assert said == re.sub(r"\s+", " ", limit.quote)
    # the per-menu page states the same range as the flow-level one
    menu_page = (docs / limit.page.replace("Flow.html", ".html")).read_text(encoding="utf-8")
    assert (f'id="{limit.member}"' in menu_page) is limit.per_menu
    if limit.per_menu:
        assert _member_text(docs / limit.page.replace("Flow.html", ".html"), limit.member) == said


def test_every_range_the_settings_pages_document_is_enforced():
    docs = _docs_dir()
    if docs is None:
        pytest.skip(f"{SDK_PACKAGE} not installed (.ci/run installs it into $IVR_CI_ARCH_SDK)")
    stated = set()
    for page in sorted(docs.glob("ArchSettings*.html")):
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r'<h4 class="name" id="(\w+)">(.*?)<p>(.*?)</p>', text, re.S):
            if re.search(r"range from|cannot be less than|greater than", m.group(3)):
                stated.add(m.group(1))
    assert stated == {lim.member for lim in LIMITS.values()}


def test_each_rule_rationale_cites_its_source_and_quotes_the_range():
    catalogue = load_catalogue()
    for limit in LIMITS.values():
        rationale = catalogue[_rule(limit)].rationale
        assert limit.page in rationale and limit.quote.split("  ")[-1] in " ".join(rationale.split()), limit


def _flow(block: str, key: str, lit: str, in_menu: bool = False) -> str:
    setting = f"{block}:\n  {key}:\n    lit: {lit}\n"
    flow_level = "" if in_menu else "".join("  " + line + "\n" for line in setting.splitlines())
    menu_level = "".join("        " + line + "\n" for line in setting.splitlines()) if in_menu else ""
    return ("inboundCall:\n  name: Limits\n  startUpRef: ./menus/menu[m]\n" + flow_level +
            "  menus:\n    - menu:\n        name: Main\n        refId: m\n        audio: {tts: Press 1}\n"
            + menu_level +
            "        choices:\n          - menuTransferToAcd:\n              name: Agent\n              dtmf: digit_0\n"
            "              targetQueue: {lit: {name: Agents}}\n"
            "          - menuDisconnect: {name: Bye, dtmf: digit_9}\n")


def _errors(text: str, rule_id: str) -> list[str]:
    doc = load_flow_text(text, "limits.yaml")
    stage = "validate-flow" if rule_id.startswith("IVR2") else "lint-menu"
    found = Engine(Config()).run(stage, [doc], include_load=False)
    assert not [f for f in found if f.rule_id in ("IVR001", "IVR002", "IVR201")], found
    return [f.message for f in found if f.rule_id == rule_id and f.severity is Severity.ERROR]


def _lit(limit: Limit, value: float) -> str:
    return f"{{ms: {value:g}}}" if limit.kind == "duration" else f"{value:g}"


@pytest.mark.parametrize("limit", LIMITS.values(), ids=lambda lim: f"{lim.block}.{lim.key}")
@pytest.mark.parametrize("in_menu", [False, True], ids=["flow", "menu"])
def test_values_architect_accepts_are_never_errors_and_the_next_ones_out_are(limit, in_menu):
    rule_id = _rule(limit)
    if in_menu and not limit.per_menu:
        pytest.skip(f"{limit.key} is a flow-level setting only ({limit.page})")
    step = 1
    for edge in (limit.low, limit.high):
        if edge is None:
            continue
        assert _errors(_flow(limit.block, limit.key, _lit(limit, edge), in_menu), rule_id) == []
    if limit.low is not None:
        below = _errors(_flow(limit.block, limit.key, _lit(limit, limit.low - step), in_menu), rule_id)
        assert len(below) == 1 and "Architect accepts" in below[0], below
    if limit.high is not None:
        above = _errors(_flow(limit.block, limit.key, _lit(limit, limit.high + step), in_menu), rule_id)
        assert len(above) == 1 and limit.member in above[0], above
    else:  # no documented maximum: a huge value is accepted
        assert _errors(_flow(limit.block, limit.key, _lit(limit, 3_600_000), in_menu), rule_id) == []


def test_durations_add_up_their_units_and_integers_must_be_whole():
    timeout = LIMITS[("settingsSpeechRec", "maxSpeechLengthTimeout")]
    assert _errors(_flow("settingsSpeechRec", "maxSpeechLengthTimeout", "{seconds: 39, ms: 1000}"), "IVR210") == []
    assert len(_errors(_flow("settingsSpeechRec", "maxSpeechLengthTimeout", "{seconds: 40, ms: 1}"), "IVR210")) == 1
    assert timeout.accepts(40_000) and not timeout.accepts(40_001)
    assert len(_errors(_flow("settingsSpeechRec", "minConfidenceLevel", "50.5"), "IVR210")) == 1
    assert len(_errors(_flow("settingsMenu", "repeatCount", "2.5"), "IVR105")) == 1
    # inherit, expressions and placeholders are only known later: never judged
    for lit in ('"{{confidence}}"',):
        assert _errors(_flow("settingsSpeechRec", "minConfidenceLevel", lit), "IVR210") == []
