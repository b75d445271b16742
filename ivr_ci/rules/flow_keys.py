"""validate-flow: a misspelt flow-level key (`initialGreting`, `startUpref`).

The flow schema accepts unknown keys on purpose (Archy keeps growing), so a typo in a
flow-level key passes every shape check and the setting silently does nothing. Only keys
within a letter or two of a known one are reported, with the key they are probably meant
to be.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ivr_ci.flow.yamlpos import YMap
from ivr_ci.rules.catalogue import Hit, rule
from ivr_ci.rules.context import FlowContext, key_col, key_line

# Flow-level keys of the 178 published corpus flows (corpus/stats/archy-keypaths-flow-level.tsv)
# and of the flow schema's `flow` definition (ivr_ci/schemas/archy-flow.schema.json).
KNOWN_FLOW_KEYS = frozenset({
    "bots", "defaultLanguage", "description", "division", "initialGreeting", "menus", "name",
    "periodicState", "settingsActionDefaults", "settingsBotFlow", "settingsCommonModule",
    "settingsErrorHandling", "settingsInQueueCall", "settingsInboundEmailHandling", "settingsKnowledge",
    "settingsMenu", "settingsNaturalLanguageUnderstanding", "settingsOutboundCall", "settingsPrompts",
    "settingsSpeechRec", "settingsUserInput", "settingsVirtualAgent", "startUpRef", "startUpState",
    "startUpTaskActions", "startUpTaskVariables", "states", "supportedLanguages", "tasks", "variables",
    "worktype",
})
_BY_FOLDED = {k.casefold(): k for k in KNOWN_FLOW_KEYS}


def near_key(key: str) -> str | None:
    """The known key `key` is probably a misspelling of, or None."""
    if key in KNOWN_FLOW_KEYS or "{{" in key:
        return None
    if key.casefold() in _BY_FOLDED:
        return _BY_FOLDED[key.casefold()]
    close = difflib.get_close_matches(key, KNOWN_FLOW_KEYS, n=1, cutoff=0.85)
    return close[0] if close else None


@rule(
    "IVR230", "misspelt-flow-key", stage="validate-flow", severity="warning",
    summary="a flow-level key is a near-miss of a known one (a typo the schema cannot catch)",
    rationale="""
        Unknown keys are accepted so that new Archy settings do not break validation, which
        also lets a typo through: `initialGreting:` is not the greeting, `startUpref:` is not the
        start. A key within a letter or two (or only in case) of a known flow-level key — those
        of the 178 published corpus flows and of the flow schema — is reported with the key
        it probably means.
    """,
    bad="""
        inboundCall:
          name: Main
          initialGreting:
            tts: Welcome
    """,
    good="""
        inboundCall:
          name: Main
          initialGreeting:
            tts: Welcome
    """,
)
def misspelt_flow_key(ctx: FlowContext) -> Iterator[Hit]:
    body = ctx.flow.raw
    if not isinstance(body, YMap):
        return
    for key in body:
        if not isinstance(key, str):
            continue
        meant = near_key(key)
        if meant and meant not in body:
            yield Hit(key_line(body, key), key_col(body, key),
                      f"{ctx.flow.type}: unknown key '{key}' (did you mean '{meant}'?); Archy does not "
                      f"read it as {meant}")
