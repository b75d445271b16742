"""Seed files: load (YAML or JSON), validate against `emulator-seed.schema.json` with
file:line messages, and apply to a backend (org objects, clients, flows imported and published).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ivr_ci.emulator.exceptions import GenesysError
from ivr_ci.emulator.flows import Actor
from ivr_ci.emulator.models import EmulatorBackend, OrgBackend
from ivr_ci.emulator.orgobjects import DEFAULT_SYSTEM_PROMPTS
from ivr_ci.errors import ConfigError
from ivr_ci.flow.yamlpolicy import read_text
from ivr_ci.flow.yamlpos import load_plain, locate

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "emulator-seed.schema.json"

# seed list key → object kind
SEED_KINDS: dict[str, str] = {
    "divisions": "division", "queues": "queue", "prompts": "prompt", "systemPrompts": "systemPrompt",
    "scheduleGroups": "scheduleGroup", "schedules": "schedule", "integrations": "integration",
    "dataActions": "dataAction", "dataTables": "dataTable", "emergencyGroups": "emergencyGroup",
    "languageSkills": "languageSkill", "skills": "skill", "wrapupCodes": "wrapupCode", "users": "user",
    "groups": "group", "contactLists": "contactList", "scripts": "script", "flowOutcomes": "flowOutcome",
    "flowMilestones": "flowMilestone", "ivrs": "ivr",
}
# Order matters: divisions first (others point at them), schedules before schedule groups.
_APPLY_ORDER = ("divisions", "users", "schedules", "scheduleGroups", "integrations", "dataActions",
                "queues", "prompts", "systemPrompts", "dataTables", "emergencyGroups", "languageSkills",
                "skills", "wrapupCodes", "groups", "contactLists", "scripts", "flowOutcomes",
                "flowMilestones", "ivrs")

SAMPLE_FLOW = """\
inboundCall:
  name: Main IVR
  description: Sample flow of the emulator's default org
  division: Home
  startUpRef: "/inboundCall/menus/menu[Main Menu_10]"
  defaultLanguage: en-us
  supportedLanguages:
    en-us:
      defaultLanguageSkill:
        noValue: true
  initialGreeting:
    tts: Welcome to the emulator.
  menus:
    - menu:
        name: Main Menu
        refId: Main Menu_10
        audio:
          tts: Press 1 for support.
        choices:
          - menuTransferToAcd:
              name: Support
              dtmf: digit_1
              targetQueue:
                lit:
                  name: General Support
  settingsErrorHandling:
    errorHandling:
      disconnect:
        none: true
"""

DEFAULT_SEED: dict[str, Any] = {
    "orgs": [{
        "name": "ivr-ci-local",
        "clients": [{"id": "local-client", "secret": "local-secret", "name": "ivr-ci local client"}],
        "divisions": ["Home", "Support"],
        "queues": [{"name": "General Support", "members": 5}, {"name": "Sales", "members": 3},
                   {"name": "Billing", "members": 0}],
        "prompts": ["Welcome", "MainMenu", "ClosedMessage"],
        "scheduleGroups": [{"name": "Business Hours", "openSchedules": ["Weekdays"],
                            "holidaySchedules": ["Holidays"]}],
        "schedules": ["Weekdays", "Holidays"],
        "integrations": ["Web Services Data Actions"],
        "dataActions": [{"name": "Lookup Account", "category": "Web Services Data Actions"}],
        "dataTables": [{"name": "Holiday Calendar", "columns": ["key", "date"]}],
        "emergencyGroups": ["Emergency"],
        "languageSkills": ["English", "Spanish"],
        "skills": ["Billing", "Technical"],
        "wrapupCodes": ["Resolved", "Callback"],
        "users": [{"name": "Jane Doe", "email": "jane.doe@example.com"},
                  {"name": "John Smith", "email": "john.smith@example.com"}],
        "flowOutcomes": ["Self Service Success"],
        "flows": [{"yaml": SAMPLE_FLOW}],
    }],
}


def read_seed_text(text: str, source: str) -> Any:
    """Parse a seed (YAML or JSON) keeping positions; ConfigError with file:line when broken."""
    from ivr_ci.flow.yamlpos import YamlSyntaxError, parse_yaml

    if source.endswith(".json"):
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{source}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    try:
        parsed = parse_yaml(text)
    except YamlSyntaxError as exc:
        raise ConfigError(f"{source}:{exc.line}: invalid YAML: {exc.message}") from None
    if parsed.duplicates:
        dup = parsed.duplicates[0]
        raise ConfigError(f"{source}:{dup.second.line}: duplicate key '{dup.key}' "
                          f"(first at line {dup.first.line})")
    return parsed.root


def validate_seed(data: Any, source: str = "<seed>") -> dict[str, Any]:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    err = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if err is not None:
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        line = locate(data, list(err.absolute_path))[0]
        message = err.message if len(err.message) < 300 else err.message[:300] + "..."
        if any("secret" in str(p).lower() for p in err.absolute_path):
            message = "must be a non-empty string"  # never echo a secret
        loc = f"{source}:{line}" if line else source
        raise ConfigError(f"{loc}: invalid seed at {where}: {message}")
    return data


def load_seed(seed: dict[str, Any] | str | Path | None) -> tuple[dict[str, Any], Path | None]:
    """(validated seed, directory flow files are relative to)."""
    if seed is None:
        return DEFAULT_SEED, None
    if isinstance(seed, dict):
        return validate_seed(seed), None
    path = Path(seed)
    try:
        text = read_text(str(path))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the seed file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: the seed file is not UTF-8 text: {exc.reason}") from None
    data = read_seed_text(text, str(path))
    return validate_seed(data, str(path)), path.resolve().parent


def _spec(item: Any) -> dict[str, Any]:
    return {"name": item} if isinstance(item, str) else dict(item)


def apply_seed(backend: EmulatorBackend, seed: dict[str, Any], base_dir: Path | None,
               source: str = "<seed>") -> None:
    for org_index, org_seed in enumerate(seed["orgs"]):
        org = backend.add_org(str(org_seed["name"]))
        org.objects.add("division", {"name": "Home", "homeDivision": True,
                                     "description": "The default division"})
        for key in _APPLY_ORDER:
            for item in org_seed.get(key, []) or []:
                spec = _spec(item)
                if key == "dataActions" and spec.get("category"):
                    org.objects.add("integration", {"name": spec["category"]})
                org.objects.add(SEED_KINDS[key], spec)
        if not org_seed.get("systemPrompts"):
            for name in DEFAULT_SYSTEM_PROMPTS:
                org.objects.add("systemPrompt", {"name": name, "id": name})
        for client in org_seed["clients"]:
            if client["id"] in backend.clients and backend.clients[client["id"]].org != org.name:
                raise ConfigError(f"{source}: OAuth client '{client['id']}' belongs to two orgs")
            backend.add_client(org.name, str(client["id"]), str(client["secret"]), client.get("name"))
        first_client = str(org_seed["clients"][0]["id"])
        for flow_index, flow_seed in enumerate(org_seed.get("flows", []) or []):
            where = f"{source}:{locate(seed, ['orgs', org_index, 'flows', flow_index])[0] or '?'}"
            _import_seed_flow(org, flow_seed, base_dir, first_client, where)
    add_faults(backend, seed.get("faults", []) or [], source)


def add_faults(backend: EmulatorBackend, faults: Any, source: str) -> None:
    """Install fault rules (seed `faults:` or `--faults FILE`); one the backend refuses (a bad
    rule, a lock on a flow or user the org lacks) is a ConfigError naming the file and line."""
    for fault in faults:
        try:
            backend.add_fault(dict(fault))
        except Exception as exc:
            pos = getattr(fault, "pos", None)
            loc = f"{source}:{pos.line}" if pos else source
            raise ConfigError(f"{loc}: bad fault {dict(fault)}: {getattr(exc, 'message', exc)}") from None


def _import_seed_flow(org: OrgBackend, flow_seed: dict[str, Any], base_dir: Path | None, client_id: str,
                      where: str) -> None:
    if "file" in flow_seed:
        path = (base_dir or Path.cwd()) / str(flow_seed["file"])
        try:
            text = read_text(str(path))
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read flow file {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{where}: flow file {path} is not UTF-8 text: {exc.reason}") from None
        label = str(path)
    else:
        text, label = str(flow_seed["yaml"]), "inline flow"
    user = flow_seed.get("publishedBy")
    try:
        actor = org.flows.user_actor(str(user)) if user else Actor(client_id=client_id)
    except GenesysError:
        raise ConfigError(f"{where}: seed flow {_flow_label(text, label)} is publishedBy '{user}', but org "
                          f"'{org.name}' has no such user (add it under users:)") from None
    job = org.imports.publish_now(actor, text)
    if job.status != "Success":
        texts = "; ".join(m["text"] for m in job.messages if m.get("type") == "Error")
        raise ConfigError(f"{where}: seed flow {label} could not be imported: {texts}")


def _flow_label(text: str, label: str) -> str:
    """'Main IVR' (inline flow) when the flow's name can be read, else the label alone."""
    try:
        name = next(iter(load_plain(text).values())).get("name")
    except Exception:  # not YAML, or not a flow: the import reports that
        return label
    return f"'{name}' ({label})" if isinstance(name, str) else label
