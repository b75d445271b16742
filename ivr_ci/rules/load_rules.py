"""Load-stage rules: the loader reports these itself; they are here for docs and SARIF."""

from __future__ import annotations

from ivr_ci.findings import Severity
from ivr_ci.rules.catalogue import Rule, register

register(Rule(
    "IVR001", "yaml-syntax", "load", Severity.ERROR,
    "file is not valid YAML (placeholders `{{key}}` are accepted as they are)",
    "Archy cannot read the file at all. `{{key}}` placeholders are kept as text, so a template "
    "is never reported for its placeholders.",
    "name: Main IVR\n  description: [unclosed",
    "name: Main IVR\ndescription: Main line",
))
register(Rule(
    "IVR002", "duplicate-key", "load", Severity.ERROR,
    "a key appears twice in one mapping",
    "YAML parsers keep only the last value, so half of what the author wrote silently "
    "disappears (a second `actions:` list, a second `dtmf:`).",
    "menuTask:\n  dtmf: digit_1\n  dtmf: digit_2",
    "menuTask:\n  dtmf: digit_1",
))
register(Rule(
    "IVR003", "flow-type", "load", Severity.ERROR,
    "the file does not hold exactly one known flow type",
    "Archy reads one flow per file, named by its single top-level key (`inboundCall`, "
    "`inqueueCall` with a lower-case q, `botFlow`...). Unknown types are kept and checked "
    "generically, with a warning.",
    "inQueueCall:\n  name: Hold",
    "inqueueCall:\n  name: Hold",
))
register(Rule(
    "IVR004", "unknown-suppression", "load", Severity.WARNING,
    "a `# ivr-ci: disable=` comment names a rule id that does not exist",
    "A misspelt id in a suppression comment silences nothing, so the finding it was written for "
    "keeps failing CI, or worse, the author believes a rule is off that is not. Reported at the "
    "comment with the nearest real id, as ruff reports an invalid code in `# noqa` (RUF102).",
    "description: Main line  # ivr-ci: disable=IVR1130",
    "description: Main line  # ivr-ci: disable=IVR113",
))
