"""Mutations of real-shaped YAML: the mistakes people make and the inputs attackers write.

Text mutations work on lines (indentation, deleted/duplicated/swapped lines, truncation,
bytes that are not UTF-8, tabs, CRLF, a BOM); tree mutations parse the document, change one
node (a hostile value, a deleted or renamed key, a wrapped value) and dump it back. Every
mutation is drawn from a `random.Random`, so a case is reproduced by its seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import yaml

HUGE_INT = "9" * 5000
HOSTILE_SCALARS: tuple[Any, ...] = (
    "1e309", "-1e309", HUGE_INT, "9" * 400, ".nan", ".inf", "true", "false", "null", "~", "0", "-1",
    "2147483648", "0x1F", "1_000", "'{{missing}}'", "{{key}}", "\"\"", "''", "[]", "{}", "yes", "no",
    "\"\\u0000\"", "\"\\ud800\"", "'" + "x" * 20000 + "'", "!!python/object:os.system ls", "!!binary aGk=",
    "*undefined_alias", "&anchor value", "[[[[[[[[[[1]]]]]]]]]]", "\"digit_\"", "digit_10", "digit_-1",
    "\"/inboundCall/menus/menu[nope]\"", "'@'", "'%'", "'\\t'", "|\n  block\n  text", ">-\n  folded",
)
HOSTILE_VALUES: tuple[Any, ...] = (
    float("inf"), float("-inf"), 10 ** 400, True, False, None, 0, -1, "", [], {}, [None], {"": None},
    {"lit": 1e308}, {"lit": {"seconds": 10 ** 300}}, {"exp": "ToInt(\"x\") / 0"}, {"noValue": "maybe"},
    "{{x}}", "x" * 10000, ["a"] * 50, {"a": {"b": {"c": {"d": {"e": []}}}}}, 3.5, "01", "-0",
)
KEY_NAMES = ("name", "refId", "startUpRef", "menus", "tasks", "actions", "choices", "dtmf", "lit", "exp",
             "settingsMenu", "repeatCount", "menuSelectionTimeout", "targetMenuRef", "environments", "lint",
             "options", "disable", "severity", "keys", "expect", "cases", "flow", "substitutions", "region",
             "api_base", "client_id_env", "options_file", "promotion", "<<", "", "unknownKey", "1", "true")


def _lines(text: str) -> list[str]:
    return text.split("\n")


def delete_line(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    if len(lines) > 1:
        del lines[rng.randrange(len(lines))]
    return "\n".join(lines)


def duplicate_line(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i])
    return "\n".join(lines)


def swap_lines(rng: random.Random, text: str) -> str:
    lines = _lines(text)
    if len(lines) > 2:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)


def reindent(rng: random.Random, text: str) -> str:
    """Wrong indentation: the most common hand-editing mistake."""
    lines = _lines(text)
    i = rng.randrange(len(lines))
    delta = rng.choice((-4, -2, -1, 1, 2, 4))
    line = lines[i]
    lines[i] = line[min(-delta, len(line) - len(line.lstrip())):] if delta < 0 else " " * delta + line
    return "\n".join(lines)


def truncate(rng: random.Random, text: str) -> str:
    return text[: rng.randrange(len(text) + 1)]


def insert_char(rng: random.Random, text: str) -> str:
    i = rng.randrange(len(text) + 1)
    return text[:i] + rng.choice(":{}[]&*!|>#'\"\t\\-?,%@`\x00\u2028") + text[i:]


def replace_scalar(rng: random.Random, text: str) -> str:
    """A `key: value` line's value replaced by a hostile scalar."""
    lines = _lines(text)
    candidates = [i for i, ln in enumerate(lines) if ": " in ln and not ln.lstrip().startswith("#")]
    if not candidates:
        return text
    i = rng.choice(candidates)
    key, _, _ = lines[i].partition(": ")
    value = rng.choice(HOSTILE_SCALARS)
    indent = " " * (len(key) - len(key.lstrip()) + 2)
    lines[i] = f"{key}: {value.replace(chr(10), chr(10) + indent)}"
    return "\n".join(lines)


def rename_key(rng: random.Random, text: str) -> str:
    """A misspelt or unknown key (`startUpref`, `choises`) or a key from elsewhere."""
    lines = _lines(text)
    candidates = [i for i, ln in enumerate(lines) if ":" in ln and not ln.lstrip().startswith(("#", "-"))]
    if not candidates:
        return text
    i = rng.choice(candidates)
    key, sep, rest = lines[i].partition(":")
    stripped = key.strip()
    if rng.random() < 0.5 and len(stripped) > 2:
        j = rng.randrange(len(stripped) - 1)
        new = stripped[:j] + stripped[j + 1] + stripped[j] + stripped[j + 2:]  # transposed letters
    else:
        new = rng.choice(KEY_NAMES)
    lines[i] = key[: len(key) - len(key.lstrip())] + new + sep + rest
    return "\n".join(lines)


def alias_bomb(rng: random.Random, text: str) -> str:
    """Billion laughs appended under a new top-level or nested key."""
    levels, width = rng.randint(3, 10), rng.randint(2, 10)
    out = [f"bomb0: &b0 [{', '.join(['lol'] * width)}]"]
    out += [f"bomb{i}: &b{i} [{', '.join([f'*b{i - 1}'] * width)}]" for i in range(1, levels)]
    indent = rng.choice(("", "  ", "    "))
    return text.rstrip("\n") + "\n" + "\n".join(indent + ln for ln in out) + "\n"


def self_alias(rng: random.Random, text: str) -> str:
    return text.rstrip("\n") + "\n  loop: &loop [1, *loop]\n"


def deep_nesting(rng: random.Random, text: str) -> str:
    depth = rng.choice((100, 999, 1001, 5000))
    style = rng.random() < 0.5
    value = "[" * depth + "]" * depth if style else "{a: " * depth + "1" + "}" * depth
    return text.rstrip("\n") + f"\n  deep: {value}\n"


def bad_bytes(rng: random.Random, text: str) -> str:
    i = rng.randrange(len(text) + 1)
    return text[:i] + "\udcff" + text[i:]  # written with surrogateescape: an invalid UTF-8 byte


def line_ends(rng: random.Random, text: str) -> str:
    return rng.choice((text.replace("\n", "\r\n"), "\ufeff" + text, text.replace("  ", "\t", 1), text + "\x1a"))


def documents(rng: random.Random, text: str) -> str:
    return rng.choice(("---\n" + text + "\n---\n" + text, text + "\n...\n", "%YAML 1.1\n---\n" + text, ""))


TEXT_MUTATIONS: tuple[Callable[[random.Random, str], str], ...] = (
    delete_line, duplicate_line, swap_lines, reindent, reindent, truncate, insert_char, replace_scalar,
    replace_scalar, rename_key, rename_key, alias_bomb, self_alias, deep_nesting, bad_bytes, line_ends, documents,
)


# --- tree mutations ---------------------------------------------------------------------------

def _nodes(tree: Any, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += _nodes(v, (*path, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out += _nodes(v, (*path, i))
    return out


def _parent(tree: Any, path: tuple) -> Any:
    for part in path[:-1]:
        tree = tree[part]
    return tree


def mutate_tree(rng: random.Random, text: str) -> str:
    if "&" in text or "*" in text or len(text) > 400_000:
        return replace_scalar(rng, text)  # PyYAML's own loader would expand an alias bomb
    try:
        tree = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError, ValueError):
        return replace_scalar(rng, text)
    try:
        paths = [p for p in _nodes(tree) if p]
    except RecursionError:
        return text
    if not paths:
        return text
    path = rng.choice(paths)
    parent = _parent(tree, path)
    action = rng.randrange(5)
    if action == 0:
        parent[path[-1]] = rng.choice(HOSTILE_VALUES)
    elif action == 1:
        del parent[path[-1]]
    elif action == 2 and isinstance(parent, dict):
        parent[rng.choice(KEY_NAMES)] = parent.pop(path[-1])
    elif action == 3:
        parent[path[-1]] = [parent[path[-1]]] if rng.random() < 0.5 else {"lit": parent[path[-1]]}
    else:
        other = _parent(tree, rng.choice(paths))  # a subtree moved somewhere it does not belong
        if isinstance(other, dict):
            other[rng.choice(KEY_NAMES)] = parent[path[-1]]
    try:
        return yaml.safe_dump(tree, sort_keys=False, allow_unicode=True, width=10_000)
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError):
        return text


def mutate(rng: random.Random, text: str, rounds: int | None = None) -> str:
    """One to three mutations, text or tree."""
    for _ in range(rounds or rng.choice((1, 1, 1, 2, 3))):
        text = mutate_tree(rng, text) if rng.random() < 0.3 else rng.choice(TEXT_MUTATIONS)(rng, text)
    return text
