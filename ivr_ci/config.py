"""`.ivr-ci.yaml`: found upward from the working directory (or `--config`), schema-checked.

Every bad key is reported with its file:line, and nothing else runs (exit 2).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ivr_ci.errors import ConfigError
from ivr_ci.flow.yamlpolicy import read_text
from ivr_ci.flow.yamlpos import YamlSyntaxError, YMap, locate, parse_yaml

CONFIG_NAMES = (".ivr-ci.yaml", ".ivr-ci.yml")


@cache
def load_schema(name: str) -> dict:
    from ivr_ci.schemas import schema_text

    return json.loads(schema_text(name))


def schema_errors(data: Any, schema_name: str, source: str) -> list[str]:
    """Messages `source:line: where: problem` for every schema violation, in file order."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(load_schema(schema_name))
    found = []
    for err in validator.iter_errors(data):
        path = list(err.absolute_path)
        where = "/".join(str(p) for p in path) or "(top level)"
        msg = err.message
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            # one message per unknown key, on that key's own line
            known = err.schema.get("properties", {})
            for key in err.instance:
                if key not in known:
                    allowed = ", ".join(sorted(known)) or "none"
                    found.append((locate(data, [*path, key])[0], f"{where}: unknown key {key!r} (allowed: {allowed})"))
            continue
        if err.validator == "propertyNames":
            msg = f"bad key {err.instance!r}"
        elif err.validator == "anyOf" and all(set(s) == {"required"} for s in err.validator_value):
            # "one of these keys is needed": say so instead of dumping the whole mapping
            msg = "needs one of: " + ", ".join(k for s in err.validator_value for k in s["required"])
        found.append((locate(data, path)[0], f"{where}: {msg}"))
    return [f"{source}:{line}: {text}" for line, text in sorted(found)]


def _did_you_mean(word: str, known: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def nearest_rule_id(wrong: str, ids: list[str]) -> str | None:
    """The id one typo away (two digits swapped first, then one digit wrong, added or lost)."""
    digits = wrong[3:]
    swapped = [i for i in ids if len(i) == len(wrong) and sorted(i[3:]) == sorted(digits)
               and sum(a != b for a, b in zip(i[3:], digits, strict=True)) == 2]
    if swapped:
        return swapped[0]
    import difflib

    one_off = [i for i in ids if len(i) == len(wrong) and sum(a != b for a, b in zip(i, wrong, strict=True)) == 1]
    return one_off[0] if one_off else next(iter(difflib.get_close_matches(wrong, ids, n=1, cutoff=0.8)), None)


def rule_id_errors(data: Any, source: str) -> list[str]:
    """`lint.disable` / `severity` / `options` naming a rule (or option) that does not exist.

    A typo there would otherwise switch nothing off, silently; each one is reported on its own
    line with the nearest real id (`ivr-ci rules` lists them all)."""
    lint = data.get("lint") if isinstance(data, dict) else None
    if not isinstance(lint, dict):
        return []
    from ivr_ci.rules.catalogue import load_catalogue

    catalogue = load_catalogue()
    ids = sorted(catalogue)
    found: list[tuple[int, str]] = []

    def unknown(rule_id: Any, where: list[Any], what: str) -> None:
        if str(rule_id).upper() not in catalogue:
            near = nearest_rule_id(str(rule_id).upper(), ids)
            hint = f"; did you mean {near} ({catalogue[near].name})?" if near else ""
            found.append((locate(data, where)[0], f"{what}: unknown rule id {rule_id!r}{hint} "
                          "(`ivr-ci rules` lists them)"))

    for i, rule_id in enumerate(lint.get("disable") or []):
        unknown(rule_id, ["lint", "disable", i], "lint/disable")
    for key in ("severity", "options"):
        section = lint.get(key)
        for rule_id in section if isinstance(section, dict) else ():
            unknown(rule_id, ["lint", key, rule_id], f"lint/{key}")
    options = lint.get("options")
    for rule_id, given in (options.items() if isinstance(options, dict) else ()):
        rule_obj = catalogue.get(str(rule_id).upper())
        if rule_obj is None or not isinstance(given, dict):
            continue
        for name in given:
            if name not in rule_obj.options:
                allowed = ", ".join(sorted(rule_obj.options)) or f"none: {rule_obj.id} takes no options"
                found.append((locate(data, ["lint", "options", rule_id, name])[0],
                              f"lint/options/{rule_id}: unknown option {name!r}"
                              f"{_did_you_mean(str(name), sorted(rule_obj.options))} (allowed: {allowed})"))
    return [f"{source}:{line}: {text}" for line, text in sorted(found)]


def read_yaml_file(path: str, what: str, named_by: str | None = None) -> Any:
    """A YAML file through the loading policy; ConfigError with file:line. `named_by` says
    where the path came from when that is not obvious (an environment's options_file)."""
    try:
        text = read_text(path)
    except OSError as exc:
        where = f" ({named_by})" if named_by else ""
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror or exc}{where}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: {what} is not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    try:
        return parse_yaml(text).root
    except YamlSyntaxError as exc:
        raise ConfigError(f"{path}:{exc.line}:{exc.col}: {what} is not valid YAML: {exc.message}") from None


@dataclass
class Config:
    path: str | None = None
    data: dict = field(default_factory=dict)
    # per environment: the options file's values, and its Terraform resources (read once per run)
    _options: dict[str, dict[str, str]] = field(default_factory=dict, repr=False, compare=False)
    _terraform: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def base_dir(self) -> str:
        return os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()

    def section(self, name: str) -> dict:
        value = self.data.get(name)
        return value if isinstance(value, dict) else {}

    @property
    def environments(self) -> dict[str, dict]:
        return self.section("environments")

    def environment(self, name: str) -> dict:
        envs = self.environments
        if name not in envs:
            known = ", ".join(sorted(map(str, envs))) or "none configured"
            where = self.path or "no .ivr-ci.yaml found"
            raise ConfigError(f"unknown environment '{name}' ({where}; known: {known})")
        return envs[name]

    def options_file_ref(self, env: str) -> str:
        """`options_file of environment 'prod', .ivr-ci.yaml:7`: where a missing file is named."""
        spec = self.environment(env)
        line = spec.line_of("options_file") if isinstance(spec, YMap) else 0
        where = f"{self.path}:{line}" if self.path and line else (self.path or ".ivr-ci.yaml")
        return f"the options_file of environment '{env}', {where}"

    def substitutions(self, env: str, flow_path: str | None = None) -> dict[str, str]:
        """An environment's substitution map: its Archy options file, then (for `flow_path`) the
        values the environment's Terraform `genesyscloud_flow` resource gives that file, then
        `substitutions:` (which win). Values only Terraform knows are in `terraform_only`."""
        spec = self.environment(env)
        values = dict(self._options_values(env, spec))
        resource = self.terraform_resource(env, flow_path) if flow_path is not None else None
        if resource is not None:
            values.update({k: v.value for k, v in resource.values.items() if v.value is not None})
        values.update({str(k): _as_text(v) for k, v in (spec.get("substitutions") or {}).items()})
        return values

    def _options_values(self, env: str, spec: dict) -> dict[str, str]:
        if env not in self._options:
            values: dict[str, str] = {}
            if spec.get("options_file"):
                opt_path = os.path.join(self.base_dir, spec["options_file"])
                options = read_yaml_file(opt_path, "Archy options file", self.options_file_ref(env))
                subs = options.get("substitutions") if isinstance(options, dict) else None
                if not isinstance(subs, dict):
                    raise ConfigError(f"{opt_path}: Archy options file has no 'substitutions:' map")
                values.update({str(k): _as_text(v) for k, v in subs.items()})
            self._options[env] = values
        return self._options[env]

    def terraform(self, env: str) -> Any:
        """The environment's Terraform substitutions (ivr_ci.terraform), or None without `terraform:`."""
        spec = self.environment(env)
        if not spec.get("terraform"):
            return None
        if env not in self._terraform:
            from ivr_ci.terraform import load_terraform

            self._terraform[env] = load_terraform(self.base_dir, env, list(spec["terraform"]),
                                                  list(spec.get("tfvars") or []))
        return self._terraform[env]

    def terraform_resource(self, env: str, flow_path: str) -> Any:
        """The `genesyscloud_flow` resource deploying `flow_path` in `env`, if any."""
        tf = self.terraform(env)
        return tf.resource_for(flow_path) if tf is not None else None

    def terraform_only(self, env: str, flow_path: str) -> dict[str, Any]:
        """Key -> TfValue for the values of `flow_path` only Terraform knows (data sources,
        resource attributes...) that `substitutions:` does not give either."""
        resource = self.terraform_resource(env, flow_path)
        if resource is None:
            return {}
        given = self.environment(env).get("substitutions") or {}
        return {k: v for k, v in resource.values.items() if v.value is None and k not in given}

    def resolve(self, relative: str) -> str:
        return os.path.join(self.base_dir, relative)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def find_config(start: str | None = None) -> str | None:
    here = os.path.abspath(start or os.getcwd())
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(here, name)
            if os.path.exists(candidate) and not os.path.isdir(candidate):
                return candidate  # not a regular file (a FIFO): refused with a message when read
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def name_errors(data: dict, path: str) -> list[str]:
    """Environment names YAML typed as numbers or booleans (`1:`, `true:`): JSON Schema's
    propertyNames only checks strings, and every later use compares names as text."""
    envs = data.get("environments")
    if not isinstance(envs, YMap):
        return []
    return [f"{path}:{envs.line_of(name)}: environments: the environment name {_as_text(name)} is not text; "
            f"quote it ('{_as_text(name)}')" for name in envs if not isinstance(name, str)]


def load_config(path: str | None = None, start: str | None = None) -> Config:
    """Load `path`, or the nearest `.ivr-ci.yaml` upward; an absent file is an empty config."""
    if path is None:
        path = os.environ.get("IVR_CI_CONFIG") or find_config(start)
        if path is None:
            return Config()
    elif not os.path.exists(path):
        raise ConfigError(f"{path}: config file not found")
    data = read_yaml_file(path, "config")
    if data is None:
        data = YMap()
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: config must be a mapping of sections (lint, validate, environments...)")
    errors = name_errors(data, path) or schema_errors(data, "config.schema.json", path) or rule_id_errors(data, path)
    if errors:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(errors))
    return Config(path, data)
