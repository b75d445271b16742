"""A fast "is this flow valid?" check in front of jsonschema.

jsonschema walks ~850k schema nodes for a 10,000-menu flow (seconds); fastjsonschema
compiles the same schema to plain Python (~10x faster). It only answers valid/invalid,
so a document it rejects is re-checked with jsonschema for complete, positioned errors;
a test holds the two to the same verdict on every fixture and corpus file.

Compiling costs ~0.1 s, so the generated code is cached on disk (keyed by the schema's and
the library's version) under $XDG_CACHE_HOME/ivr-ci; without fastjsonschema or a cache
directory everything still works, only slower.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any


def _cache_dir() -> str | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "ivr-ci")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None


_TRANSFORM = "draft7-v5"  # bump when _as_draft7 or _lean changes: it keys the on-disk cache


def _as_draft7(node: Any) -> Any:
    """fastjsonschema speaks draft-07: rename dependentSchemas, and move keywords beside a
    `$ref` (applied in 2020-12, ignored in draft-07) into an allOf."""
    if isinstance(node, dict):
        out = {("dependencies" if k == "dependentSchemas" else k): _as_draft7(v) for k, v in node.items()}
        if "$schema" in out:
            out["$schema"] = "http://json-schema.org/draft-07/schema#"
        if "$ref" in out and len(out) > 1:
            ref = {"$ref": out.pop("$ref")}
            keep = {k: out.pop(k) for k in ("$schema", "$id", "$defs", "definitions") if k in out}
            out = {**keep, "allOf": [ref, out]}
        return out
    if isinstance(node, list):
        return [_as_draft7(v) for v in node]
    return node


_GENERATED_IMPORT = "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException\n"
_OWN_EXCEPTIONS = """
class JsonSchemaValueException(ValueError):
    pass


JsonSchemaValuesException = JsonSchemaValueException
"""
# every raise is one line: `raise JsonSchemaValueException("data.x must be ...", value=..., ...)`
_RAISE_RE = re.compile(r"raise JsonSchemaValueException\(.*\)$", re.MULTILINE)
# the name of the part a nested validator checks, for its messages: `(name_prefix or "data") + ".x"`
_NAME_ARG_RE = re.compile(r'custom_formats, \(name_prefix or "data"\) \+ "[^"\n]*"\)')


def _lean(source: str) -> str:
    """Drop the generated code's error-path work: only the verdict is used here (jsonschema
    words the errors), but every check that fails, including each `anyOf` branch tried on a
    valid document, would build its message, its schema excerpt and an exception with a
    Python `__init__`; every nested call would build its part's name. A raise becomes a bare
    `raise` of the code's own exception class (so running it never imports fastjsonschema,
    and urllib), nested calls pass no name. The control flow, and so the verdict, is the
    same: which checks raise, and which handlers catch them."""
    if _GENERATED_IMPORT not in source:  # a fastjsonschema release that words it differently
        raise ValueError("unexpected fastjsonschema output")
    source = source.replace(".format(**locals())", "").replace(_GENERATED_IMPORT, _OWN_EXCEPTIONS)
    source = _RAISE_RE.sub("raise JsonSchemaValueException", source)
    source = _NAME_ARG_RE.sub("custom_formats, None)", source)
    if "raise JsonSchemaValueException(" in source or "(name_prefix or" in source:
        raise ValueError("unexpected fastjsonschema output")
    return source


def _load_cached(path: str) -> Any:
    import marshal

    try:
        with open(path, "rb") as fh:
            return marshal.load(fh)
    except (OSError, EOFError, ValueError, TypeError):  # absent or damaged: rebuild it
        return None


def _store(directory: str, path: str, code: Any) -> None:
    import marshal
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            marshal.dump(code, fh)
        os.replace(tmp, path)  # concurrent hook processes may race: the last complete file wins
    except OSError:
        pass  # a read-only cache only costs speed


@lru_cache(maxsize=4)
def fast_validator(schema_text: str) -> Callable[[Any], Any] | None:
    """A compiled validator raising on invalid data, or None when fastjsonschema is missing.

    The generated module is cached as a marshalled code object (keyed by the interpreter's
    cache tag), so neither code generation nor compiling 600 KB of Python is paid per run,
    whatever PYTHONDONTWRITEBYTECODE says.
    """
    import importlib.util
    import sys
    import zlib  # a cache key, not a security boundary: crc32 imports in microseconds

    spec = importlib.util.find_spec("fastjsonschema")
    if spec is None or spec.origin is None:
        return None
    installed = os.stat(spec.origin)  # a reinstall or upgrade changes it: no import needed to know
    key = f"{installed.st_mtime_ns}:{installed.st_size}\0{_TRANSFORM}\0{schema_text}".encode()
    name = f"ivr_ci_flow_schema_{zlib.crc32(key):08x}{len(key):x}"
    directory = _cache_dir()
    path = os.path.join(directory, f"{name}.{sys.implementation.cache_tag}.marshal") if directory else None
    code = _load_cached(path) if path else None
    if code is None:
        import json

        import fastjsonschema

        try:
            source = _lean(fastjsonschema.compile_to_code(_as_draft7(json.loads(schema_text))))
        except ValueError:
            return None  # jsonschema alone still gives the answer, only slower
        code = compile(source, f"<{name}>", "exec")
        if path and directory:
            _store(directory, path, code)
    namespace: dict[str, Any] = {"__name__": name}
    exec(code, namespace)  # our own generated validator (fastjsonschema.compile does the same)
    funcs = [v for k, v in namespace.items() if k.startswith("validate") and callable(v)]
    return funcs[0]


def is_valid_fast(schema_text: str, data: Any) -> bool | None:
    """True/False from the compiled validator; None when it cannot tell (not installed)."""
    validate = fast_validator(schema_text)
    if validate is None:
        return None
    try:
        validate(data)
    except Exception:  # JsonSchemaValueException, or a definition it cannot handle
        return False
    return True
