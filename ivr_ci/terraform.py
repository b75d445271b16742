"""Substitutions from Terraform: the `genesyscloud_flow` resources of a CX-as-Code repository.

`environments.E.terraform: [infra/*.tf]` (plus optional `tfvars: [prod.tfvars]`) makes ivr-ci read
the same values Terraform uploads, instead of a hand-kept copy in `.ivr-ci.yaml`:

    resource "genesyscloud_flow" "main" {
      filepath      = "${path.module}/flows/main.yaml"
      substitutions = { flow_name = "Main IVR", division = var.division,
                        home = data.genesyscloud_auth_division_home.home.name }
    }

Each resource's `filepath` is matched to a flow file; a literal value is taken as it is, `var.x`
(and `local.x`) is resolved from the tfvars files and the variables' defaults, and anything
else (data sources, resource attributes, function calls) is *known only to Terraform*: it is
reported as such, never as a missing placeholder. The files are parsed with python-hcl2 (a real
HCL2 parser), imported only when an environment names Terraform files.
"""

from __future__ import annotations

import glob
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

from ivr_ci.errors import ConfigError

_INTERP = re.compile(r"(?<!\$)\$\{([^{}]*)\}")
_REF = re.compile(r"^\s*(var|local)\.([A-Za-z_][A-Za-z0-9_-]*)\s*$")
_PATH_REF = re.compile(r"^\s*path\.(module|root|cwd)\s*$")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass(frozen=True)
class TfValue:
    """One `substitutions` entry of a resource: its text, or why only Terraform knows it."""

    key: str
    value: str | None
    unknown: str | None  # e.g. "data.genesyscloud_auth_division_home.home.name (a data source)"
    path: str
    line: int


@dataclass
class FlowResource:
    address: str  # genesyscloud_flow.main
    path: str  # the .tf file
    line: int
    filepath: str | None  # absolute, when Terraform's value is known here
    filepath_unknown: str | None = None
    values: dict[str, TfValue] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.address} at {self.path}:{self.line}"


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPES:
            out.append(_ESCAPES[text[i + 1]])
            i += 2
        elif text.startswith(("$${", "%%{"), i):
            out.append(text[i + 1:i + 3])
            i += 3
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _kind(expr: str) -> str:
    head = expr.strip().split(".", 1)[0]
    if head == "data":
        return "a data source"
    if head in ("var", "local"):
        return "a variable with no value in the given tfvars or defaults"
    if "(" in expr or any(op in expr for op in ("?", "+", "[", " ")):
        return "an expression"
    if head.startswith("genesyscloud_") or head == "module":
        return "an attribute of another resource"
    return "an expression"


class _Values:
    """Variable and local values of one Terraform configuration, as far as they are literal."""

    def __init__(self, variables: dict[str, Any], tfvars: dict[str, Any], locals_: dict[str, Any], base: str):
        self.variables, self.tfvars, self.locals, self.base = variables, tfvars, locals_, base

    def resolve(self, value: Any, depth: int = 0) -> tuple[str | None, str | None]:
        """(text, None) for a value known here, (None, why) for one only Terraform knows."""
        if isinstance(value, bool):
            return ("true" if value else "false"), None
        if isinstance(value, (int, float)):
            return f"{value:g}" if isinstance(value, float) else str(value), None
        if not isinstance(value, str):
            return None, "a list or map, not text"
        if depth > 20:
            return None, "a chain of variables too long to follow"
        if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
            return self._template(value[1:-1], depth)
        m = re.fullmatch(r"\$\{(.*)\}", value, re.S)
        return self._expr(m.group(1) if m else value, depth)

    def _template(self, inner: str, depth: int) -> tuple[str | None, str | None]:
        parts, last = [], 0
        for m in _INTERP.finditer(inner):
            parts.append(_unescape(inner[last:m.start()]))
            text, why = self._expr(m.group(1), depth)
            if text is None:
                return None, why
            parts.append(text)
            last = m.end()
        if "%{" in inner.replace("%%{", ""):
            return None, "a template directive"
        parts.append(_unescape(inner[last:]))
        return "".join(parts), None

    def _expr(self, expr: str, depth: int) -> tuple[str | None, str | None]:
        if _PATH_REF.match(expr):
            return self.base, None
        m = _REF.match(expr)
        if m is None:
            return None, f"{expr.strip()} ({_kind(expr)})"
        kind, name = m.groups()
        if kind == "var":
            if name in self.tfvars:
                return self.resolve(self.tfvars[name], depth + 1)
            if name in self.variables:
                return self.resolve(self.variables[name], depth + 1)
        elif name in self.locals:
            text, why = self.resolve(self.locals[name], depth + 1)
            return (text, None) if text is not None else (None, f"local.{name} = {why}")
        return None, f"{kind}.{name} ({_kind(expr)})"


def _hcl(path: str) -> dict[str, Any]:
    try:
        import hcl2
        from hcl2.utils import SerializationOptions
    except ImportError:  # pragma: no cover - a declared dependency
        raise ConfigError("reading Terraform files needs python-hcl2: pip install 'python-hcl2>=8'") from None
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read Terraform file: {getattr(exc, 'strerror', None) or exc}") from None
    if path.endswith(".json"):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ConfigError(f"{path}: not valid JSON: {exc}") from None
        return {k: json.dumps(v) if isinstance(v, str) else v for k, v in data.items()} if isinstance(data, dict) else {}
    try:
        return hcl2.loads(text, serialization_options=SerializationOptions(with_comments=False,
                                                                           preserve_heredocs=False))
    except Exception as exc:  # lark raises several types; all mean "not HCL"
        line = getattr(exc, "line", None)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"{path}:{line or 1}: not valid Terraform (HCL2): {first}") from None


def _display(path: str) -> str:
    """A path relative to the working directory when inside it (as findings show paths)."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _name(key: str) -> str:
    return key[1:-1] if len(key) >= 2 and key.startswith('"') and key.endswith('"') else key


def _line_of(text: str, pattern: str, start: int = 0) -> tuple[int, int]:
    m = re.compile(pattern, re.M).search(text, start)
    if m is None:
        return 1, start
    return text.count("\n", 0, m.start()) + 1, m.end()


class TerraformSubstitutions:
    """The `genesyscloud_flow` resources of one environment's Terraform files."""

    def __init__(self, tf_files: list[str], tfvars_files: list[str]) -> None:
        self.files = tf_files
        self.resources: list[FlowResource] = []
        parsed = [(p, _hcl(p)) for p in tf_files]
        tfvars: dict[str, Any] = {}
        for p in tfvars_files:
            tfvars.update(_hcl(p))
        for path, data in parsed:
            values = _Values(self._variables(parsed, path), tfvars, self._locals(parsed, path),
                             os.path.dirname(os.path.abspath(path)))
            self._resources(path, data, values)

    @staticmethod
    def _variables(parsed: list[tuple[str, dict]], path: str) -> dict[str, Any]:
        """Defaults of the variables declared in the same module (directory) as `path`."""
        out: dict[str, Any] = {}
        here = os.path.dirname(os.path.abspath(path))
        for p, data in parsed:
            if os.path.dirname(os.path.abspath(p)) != here:
                continue
            for block in data.get("variable") or []:
                for name, body in block.items():
                    if isinstance(body, dict) and "default" in body:
                        out[_name(name)] = body["default"]
        return out

    @staticmethod
    def _locals(parsed: list[tuple[str, dict]], path: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        here = os.path.dirname(os.path.abspath(path))
        for p, data in parsed:
            if os.path.dirname(os.path.abspath(p)) == here:
                for block in data.get("locals") or []:
                    out.update({k: v for k, v in block.items() if not k.startswith("__")})
        return out

    def _resources(self, path: str, data: dict, values: _Values) -> None:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        for block in data.get("resource") or []:
            for rtype, named in block.items():
                if _name(rtype) != "genesyscloud_flow" or not isinstance(named, dict):
                    continue
                for rname, body in named.items():
                    if not isinstance(body, dict) or rname.startswith("__"):
                        continue
                    name = _name(rname)
                    line, at = _line_of(text, rf'^[ \t]*resource\s+"genesyscloud_flow"\s+"{re.escape(name)}"')
                    fp, why = values.resolve(body.get("filepath")) if "filepath" in body else (None, "not set")
                    resolved = None
                    if fp is not None:
                        resolved = os.path.normpath(fp if os.path.isabs(fp) else os.path.join(values.base, fp))
                    res = FlowResource(f"genesyscloud_flow.{name}", _display(path), line, resolved, why)
                    subs = body.get("substitutions")
                    for key, raw in (subs.items() if isinstance(subs, dict) else ()):
                        if key.startswith("__"):
                            continue
                        k = _name(key)
                        text_value, unknown = values.resolve(raw)
                        kline, _ = _line_of(text, rf'^[ \t]*"?{re.escape(k)}"?\s*=', at)
                        res.values[k] = TfValue(k, text_value, unknown, _display(path), kline)
                    self.resources.append(res)

    def resource_for(self, flow_path: str) -> FlowResource | None:
        want = os.path.realpath(flow_path)
        for res in self.resources:
            if res.filepath is not None and os.path.realpath(res.filepath) == want:
                return res
        return None


def load_terraform(base_dir: str, env: str, patterns: list[str], tfvars: list[str]) -> TerraformSubstitutions:
    files: list[str] = []
    for pattern in patterns:
        matched = sorted(glob.glob(os.path.join(base_dir, pattern), recursive=True))
        if not matched:
            raise ConfigError(f"environments/{env}/terraform: {pattern!r} matches no file (relative to {base_dir})")
        files += [m for m in matched if m not in files]
    var_files = []
    for p in tfvars:
        full = os.path.join(base_dir, p)
        if not os.path.isfile(full):
            raise ConfigError(f"environments/{env}/tfvars: {p!r}: no such file (relative to {base_dir})")
        var_files.append(full)
    return TerraformSubstitutions(files, var_files)
