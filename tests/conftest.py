"""Shared fixtures. Online fixtures (emulator, fake GitHub) live in plugin modules."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

pytest_plugins = [
    p for p in ("tests.conftest_emulator", "tests.conftest_github", "tests.genesys_helpers")
    if (REPO / (p.replace(".", "/") + ".py")).exists()
]


def corpus_dir() -> Path | None:
    """The real flows: $IVR_CI_CORPUS or ../shared/corpus (never copied into the repo)."""
    base = os.environ.get("IVR_CI_CORPUS") or str(REPO.parent / "shared" / "corpus")
    path = Path(base)
    if (path / "archy").is_dir():
        path = path / "archy"
    return path if path.is_dir() else None


def corpus_files() -> list[Path]:
    d = corpus_dir()
    if d is None:
        return []
    return sorted(p for p in d.iterdir() if p.is_file() and (p.suffix in (".yaml", ".yml") or
                                                              p.name.endswith(".tftpl")))


@pytest.fixture
def corpus() -> list[Path]:
    files = corpus_files()
    if not files:
        pytest.skip("corpus not available (set IVR_CI_CORPUS)")
    return files


@pytest.fixture
def write_flow(tmp_path: Path):
    """Write a dedented YAML fixture and return its path."""

    def _write(text: str, name: str = "flow.yaml") -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return p

    return _write
