"""Validate HTTP traffic against an OpenAPI 3.0 document (test support: not part of the package).

Used by the loopback fake GitHub server (tests/fake_github.py) and the Genesys emulator's
fixture (tests/conftest_emulator.py) to check EVERY request and response they see against the
OpenAPI subsets (`reference_path()`: the repository's `reference/`, then `../shared/reference/`)::

    doc = OpenApiDoc.load(reference_path("github-openapi-subset.json"))
    doc.check_request("POST", "/repos/o/r/issues/1/comments", {}, {"body": "hi"})   # -> []
    doc.check_response("POST", "/repos/o/r/issues/1/comments", 201, comment)        # -> [...]

How OpenAPI 3.0 schemas are turned into JSON Schema (Draft 4, whose `exclusiveMinimum` and
`$ref`-ignores-siblings semantics OpenAPI 3.0 inherits):

* the whole document is converted once: `nullable: true` becomes a type list with "null" (and
  `null` is added to an `enum`); a nullable schema without `type` becomes `anyOf: [null, it]`;
* every local `$ref` ("#/components/...") is rewritten to an absolute URI of the converted
  document, which is registered in a `referencing.Registry`, so `allOf`/`oneOf`/`anyOf` and
  recursive schemas are handled by jsonschema itself;
* `format` is not asserted; `x-*`, `example`, `discriminator` are ignored (unknown keywords).

Compiled validators are cached per document location and documents are cached per file, so the
714 KB Genesys subset is parsed and converted once per process.

Query/path parameters arrive as strings: they are coerced by their schema type (integer, number,
boolean) before validation; `style: form` arrays take repeated keys (`explode: true`, the default)
or a comma-separated value (`explode: false`). Header and cookie parameters are not checked.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jsonschema import Draft4Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

_DOC_URI = "urn:ivr-ci:openapi"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_MAX_ERRORS = 20
_NO_BODY = (None, b"", "")


REPO = Path(__file__).resolve().parents[1]  # this file is tests/openapi_check.py of the checkout
OWN_REFERENCE = REPO / "reference"
GENESYS_SUBSET = "genesys-openapi-subset.json"


class ReferenceMissing(FileNotFoundError):
    """A reference file is in none of the places looked in: the checks cannot run (a failure)."""


def reference_dirs() -> list[Path]:
    """Where reference files are looked for, in order: the repository's own `reference/` (a
    subset it extended, e.g. GitHub's with the deployments operations: `../shared` is
    read-only), then `$IVR_CI_REFERENCE_DIR` when set, then `../shared/reference/` beside the
    checkout (both the path as given and with symlinks resolved, which differ when the
    checkout itself is reached through a link)."""
    dirs = [OWN_REFERENCE]
    env = os.environ.get("IVR_CI_REFERENCE_DIR")
    if env:
        dirs.append(Path(env))
    given = Path(os.path.abspath(__file__)).parents[1]
    for checkout in (given, REPO):
        shared = checkout.parent / "shared" / "reference"
        if shared not in dirs:
            dirs.append(shared)
    return dirs


def reference_path(name: str) -> Path:
    """The reference file `name` (e.g. "github-openapi-subset.json") from the first of
    `reference_dirs()` that has it; `ReferenceMissing`, naming every place looked in, when
    none has: a test that needs it fails with that message instead of being skipped."""
    dirs = reference_dirs()
    for base in dirs:
        if (base / name).is_file():
            return base / name
    raise ReferenceMissing(f"{name} not found in any of: {', '.join(map(str, dirs))} "
                           "(set IVR_CI_REFERENCE_DIR, or check out ../shared beside the repository)")


def merged_document(base: Mapping[str, Any], *extensions: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with the extensions' paths (methods added to existing paths) and schemas added.
    An extension never replaces what the base declares: a clash is a bug in the extension."""
    doc = json.loads(json.dumps(base))
    for ext in extensions:
        for path, item in ext.get("paths", {}).items():
            target = doc.setdefault("paths", {}).setdefault(path, {})
            for method, spec in item.items():
                if method in target:
                    raise ValueError(f"OpenAPI extension redefines {method.upper()} {path}")
                target[method] = spec
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in ext.get("components", {}).get("schemas", {}).items():
            if name in schemas:
                raise ValueError(f"OpenAPI extension redefines schema {name}")
            schemas[name] = schema
    return doc


def genesys_extensions() -> list[Path]:
    """This repository's extensions of the Genesys subset: `reference/genesys-openapi-*.json`
    (e.g. the user prompt writes), the subset itself excluded should a copy of it be there."""
    return sorted(p for p in OWN_REFERENCE.glob("genesys-openapi-*.json") if p.name != GENESYS_SUBSET)


def genesys_document() -> OpenApiDoc:
    """The Genesys OpenAPI subset (`reference_path()`) with this repository's extensions merged
    in (`genesys_extensions()`); `ReferenceMissing` when the subset is nowhere to be found."""
    path = reference_path(GENESYS_SUBSET)
    key = (str(path.resolve()) + "+extensions", "")
    with OpenApiDoc._cache_lock:
        doc = OpenApiDoc._cache.get(key)
    if doc is None:
        with open(path, encoding="utf-8") as fh:
            base = json.load(fh)
        extensions = []
        for ext_path in genesys_extensions():
            with open(ext_path, encoding="utf-8") as fh:
                extensions.append(json.load(fh))
        doc = OpenApiDoc(merged_document(base, *extensions))
        with OpenApiDoc._cache_lock:
            OpenApiDoc._cache.setdefault(key, doc)
    return doc


def _convert(node: Any) -> Any:
    """OpenAPI 3.0 schema dialect -> Draft 4 JSON Schema (recursively, on a copy)."""
    if isinstance(node, list):
        return [_convert(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _convert(v) for k, v in node.items() if k != "nullable"}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith("#"):
        out["$ref"] = _DOC_URI + ref
    if node.get("nullable") is True and "$ref" not in out:
        typ = out.get("type")
        if isinstance(typ, str):
            out["type"] = [typ, "null"]
            if isinstance(out.get("enum"), list) and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        elif typ is None:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


def _pointer_escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True)
class Operation:
    """One method on one path template, with its parameters merged (path level + operation)."""

    method: str  # upper case
    template: str
    operation_id: str
    spec: Mapping[str, Any] = field(repr=False)
    pointer: str = field(repr=False)  # JSON pointer of the operation object in the document
    # (resolved parameter object, JSON pointer of the parameter object)
    parameters: tuple[tuple[Mapping[str, Any], str], ...] = field(default=(), repr=False)

    def label(self) -> str:
        return f"{self.method} {self.template} ({self.operation_id})"


@dataclass
class _Template:
    template: str
    regex: re.Pattern[str]
    names: list[str]
    specificity: tuple[int, ...]
    operations: dict[str, Operation] = field(default_factory=dict)


class OpenApiDoc:
    """A loaded OpenAPI 3.0 document that checks requests and responses."""

    _cache: dict[tuple[str, str], OpenApiDoc] = {}
    _cache_lock = threading.Lock()

    def __init__(self, document: Mapping[str, Any], strip_prefix: str = "") -> None:
        self.document = document
        self.strip_prefix = strip_prefix.rstrip("/")
        self._converted = _convert(document)
        self._registry: Registry = Registry().with_resource(
            _DOC_URI, DRAFT4.create_resource(self._converted)
        )
        self._validators: dict[str, Draft4Validator] = {}
        self._templates = [self._compile(t, item) for t, item in document.get("paths", {}).items()]
        self._templates.sort(key=lambda t: t.specificity)

    @classmethod
    def load(cls, path: str | Path, strip_prefix: str = "") -> OpenApiDoc:
        """Load (once per process per file and prefix) an OpenAPI JSON document."""
        key = (str(Path(path).resolve()), strip_prefix)
        with cls._cache_lock:
            doc = cls._cache.get(key)
            if doc is None:
                with open(path, encoding="utf-8") as fh:
                    doc = cls(json.load(fh), strip_prefix=strip_prefix)
                cls._cache[key] = doc
            return doc

    # ----------------------------------------------------------------- structure
    def _resolve(self, node: Any) -> Any:
        """Follow a local `$ref` (parameters, responses, request bodies) in the raw document."""
        seen = 0
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and seen < 20:
            node = self._at(node["$ref"])
            seen += 1
        return node

    def _at(self, ref: str) -> Any:
        node: Any = self.document
        for part in ref.lstrip("#").strip("/").split("/"):
            node = node[unquote(part).replace("~1", "/").replace("~0", "~")]
        return node

    def _compile(self, template: str, item: Mapping[str, Any]) -> _Template:
        names: list[str] = []
        pattern = ""
        for piece in re.split(r"(\{[^}/]+\})", template):
            if piece.startswith("{") and piece.endswith("}"):
                names.append(piece[1:-1])
                pattern += f"(?P<p{len(names) - 1}>[^/]+)"
            else:
                pattern += re.escape(piece)
        segments = template.strip("/").split("/")
        specificity = tuple(1 if "{" in s else 0 for s in segments)
        tpl = _Template(template, re.compile(pattern + "/?"), names, specificity)
        base = "/paths/" + _pointer_escape(template)
        shared = self._params(item.get("parameters", []), base + "/parameters")
        for method in _METHODS:
            spec = item.get(method)
            if not isinstance(spec, Mapping):
                continue
            own = self._params(spec.get("parameters", []), f"{base}/{method}/parameters")
            merged = {(p["name"], p["in"]): (p, ptr) for p, ptr in shared}
            merged.update({(p["name"], p["in"]): (p, ptr) for p, ptr in own})
            tpl.operations[method.upper()] = Operation(
                method.upper(), template, spec.get("operationId", f"{method} {template}"), spec,
                f"{base}/{method}", tuple(merged.values()),
            )
        return tpl

    def _params(self, raw: list[Any], pointer: str) -> list[tuple[Mapping[str, Any], str]]:
        out = []
        for i, p in enumerate(raw):
            ptr = self._ref_pointer(p["$ref"]) if "$ref" in p else f"{pointer}/{i}"
            out.append((self._resolve(p), ptr))
        return out

    def _local_path(self, path: str) -> str:
        if "://" in path or "?" in path:
            path = urlsplit(path).path
        if self.strip_prefix and (path == self.strip_prefix or path.startswith(self.strip_prefix + "/")):
            path = path[len(self.strip_prefix):] or "/"
        return path

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation for `method path` and its (percent-decoded) path parameters, or None.

        Like a server router, the most specific template wins (literal segments before `{x}`);
        when that template lacks the method, there is no match (a 405, not another route).
        """
        found = self._find_template(path)
        if found is None:
            return None
        tpl, params = found
        op = tpl.operations.get(method.upper())
        return (op, params) if op is not None else None

    def _find_template(self, path: str) -> tuple[_Template, dict[str, str]] | None:
        local = self._local_path(path)
        for tpl in self._templates:
            m = tpl.regex.fullmatch(local)
            if m:
                return tpl, {name: unquote(m.group(f"p{i}")) for i, name in enumerate(tpl.names)}
        return None

    # ----------------------------------------------------------------- validation
    def validator(self, pointer: str) -> Draft4Validator:
        """The compiled validator of the (converted) schema at a JSON pointer, cached."""
        v = self._validators.get(pointer)
        if v is None:
            v = Draft4Validator({"$ref": f"{_DOC_URI}#{pointer}"}, registry=self._registry)
            self._validators[pointer] = v
        return v

    def _errors(self, pointer: str, instance: Any, where: str) -> list[str]:
        errors = sorted(self.validator(pointer).iter_errors(instance), key=lambda e: [str(p) for p in e.path])
        out = []
        for err in errors[:_MAX_ERRORS]:
            loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path)
            out.append(f"{where} at ${loc}: {err.message}")
        if len(errors) > _MAX_ERRORS:
            out.append(f"{where}: ... {len(errors) - _MAX_ERRORS} more errors")
        return out

    def check_request(
        self,
        method: str,
        path: str,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        content_type: str | None = None,
    ) -> list[str]:
        """Problems with a request: unknown operation, parameters, request body. [] when valid.

        `query` maps names to a value or a list of values (as `parse_qs` returns); `body` is the
        parsed JSON (or raw bytes/str, parsed here when the media type is JSON), None for none.
        """
        found = self._find_template(path)
        if found is None:
            return [f"{method.upper()} {path}: no path template in the document matches"]
        tpl, path_params = found
        op = tpl.operations.get(method.upper())
        if op is None:
            allowed = ", ".join(tpl.operations) or "none"
            return [f"{method.upper()} {path}: method not declared for {tpl.template} (declared: {allowed})"]
        problems: list[str] = []
        query = dict(query or {})
        for param, param_ptr in op.parameters:
            name, where = param["name"], param["in"]
            label = f"{op.label()}: {where} parameter {name!r}"
            ptr = param_ptr + "/schema" if "schema" in param else None
            if where == "path":
                if name in path_params:
                    value = _coerce(path_params[name], param.get("schema", {}))
                    problems += self._errors(ptr, value, label) if ptr else []
            elif where == "query":
                if name not in query:
                    if param.get("required"):
                        problems.append(f"{label} is required")
                    continue
                value = _query_value(query.pop(name), param)
                if isinstance(value, _Repeated):
                    problems.append(f"{label} given {value.count} times")
                elif ptr:
                    problems += self._errors(ptr, value, label)
        for name in sorted(query):
            problems.append(f"{op.label()}: unknown query parameter {name!r}")
        return problems + self._check_request_body(op, body, content_type)

    def _ref_pointer(self, ref: str) -> str:
        node: Any = {"$ref": ref}
        while isinstance(node, Mapping) and "$ref" in node:
            ref = node["$ref"]
            node = self._at(ref)
        return ref.lstrip("#")

    def _check_request_body(self, op: Operation, body: Any, content_type: str | None) -> list[str]:
        raw_rb = op.spec.get("requestBody")
        if raw_rb is None:
            return [] if body in _NO_BODY else [f"{op.label()}: unexpected request body"]
        rb = self._resolve(raw_rb)
        rb_ptr = self._ref_pointer(raw_rb["$ref"]) if "$ref" in raw_rb else op.pointer + "/requestBody"
        if body in _NO_BODY:
            return [f"{op.label()}: request body is required"] if rb.get("required") else []
        return self._check_content(rb.get("content", {}), rb_ptr, body, content_type, f"{op.label()}: request body")

    def _check_content(
        self, content: Mapping[str, Any], ptr: str, body: Any, content_type: str | None, label: str
    ) -> list[str]:
        media = _pick_media(content, content_type)
        if media is None:
            declared = ", ".join(content) or "none"
            return [f"{label}: content type {content_type!r} not declared ({declared})"]
        if "schema" not in content[media]:
            return []
        if media.endswith("json") and isinstance(body, (bytes, str)):
            try:
                body = json.loads(body)
            except ValueError as exc:
                return [f"{label}: not valid JSON ({exc})"]
        return self._errors(f"{ptr}/content/{_pointer_escape(media)}/schema", body, label)

    def check_response(
        self, method: str, path: str, status: int, body: Any = None, content_type: str | None = None
    ) -> list[str]:
        """Problems with a response: undeclared status, missing/unexpected/invalid JSON body."""
        found = self.match(method, path)
        if found is None:
            return [f"{method.upper()} {path}: response to an undeclared operation"]
        op = found[0]
        responses = op.spec.get("responses", {})
        key = next((k for k in (str(status), f"{str(status)[0]}XX", "default") if k in responses), None)
        if key is None:
            return [f"{op.label()}: status {status} not declared (declared: {', '.join(responses)})"]
        raw = responses[key]
        resp = self._resolve(raw)
        ptr = self._ref_pointer(raw["$ref"]) if "$ref" in raw else f"{op.pointer}/responses/{key}"
        content = resp.get("content") or {}
        label = f"{op.label()}: {status} response body"
        if not content:
            return [] if body in _NO_BODY else [f"{label}: present but none declared"]
        if body in _NO_BODY:
            return [f"{label}: missing (declared: {', '.join(content)})"]
        return self._check_content(content, ptr, body, content_type, label)


class _Repeated:
    def __init__(self, count: int) -> None:
        self.count = count


def _pick_media(content: Mapping[str, Any], content_type: str | None) -> str | None:
    if not content:
        return None
    if content_type is None:
        return next((m for m in content if "json" in m), next(iter(content)))
    wanted = content_type.split(";")[0].strip().lower()
    if wanted in content:
        return wanted
    if wanted.endswith("json"):  # application/vnd.github+json etc.
        return next((m for m in content if m.endswith("json")), None)
    return next((m for m in content if m in ("*/*", wanted.split("/")[0] + "/*")), None)


def _coerce(value: Any, schema: Mapping[str, Any]) -> Any:
    """A query/path string as the schema's scalar type (left alone when it does not parse)."""
    if not isinstance(value, str):
        return value
    typ = schema.get("type")
    if typ == "integer" and re.fullmatch(r"[+-]?\d+", value):
        return int(value)
    if typ == "number":
        try:
            return float(value)
        except ValueError:
            return value
    if typ == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def _query_value(raw: Any, param: Mapping[str, Any]) -> Any:
    values = list(raw) if isinstance(raw, (list, tuple)) else [raw]
    schema = param.get("schema", {})
    if schema.get("type") == "array":
        # Genesys marks arrays `multi` (repeated keys), yet its Python and Go SDKs send them
        # comma-joined and the service accepts both (genesys-api.md §2.3).
        if param.get("explode", True) is False or "x-genesys-collection-format" in param:
            values = [part for v in values for part in (v.split(",") if isinstance(v, str) else [v])]
        return [_coerce(v, schema.get("items", {})) for v in values]
    if len(values) != 1:
        return _Repeated(len(values))
    return _coerce(values[0], schema)
