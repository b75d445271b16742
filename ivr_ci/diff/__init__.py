"""Semantic flow diff: normalise, match, compare, render (text, JSON, Markdown, Mermaid).

Entry points for other packages:
* `ivr_ci.diff.normalize`: `canonical(flow)`, `canonical_hash(flow)`, `semantically_equal(a, b)`;
* `diff_paths(old, new)` / `diff_git(base, head, paths)` -> `DiffResult` (ivr_ci.diff.model);
* `compare_flows(old_flow, new_flow)` -> list of `Change` for two versions of one flow.
Kept import-light: renderers and git plumbing load only when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ivr_ci.diff.model import Change, DiffResult
    from ivr_ci.diff.sources import Sides
    from ivr_ci.flow.model import Flow

__all__ = ["compare_flows", "diff_git", "diff_paths", "diff_sides"]


def diff_sides(sides: Sides) -> DiffResult:
    from ivr_ci.diff.match import diff_flow_sets
    from ivr_ci.diff.model import DiffResult
    from ivr_ci.util.gcpause import paused_gc

    with paused_gc():
        result = DiffResult(sides.base, sides.head, diff_flow_sets(sides.old, sides.new), list(sides.problems),
                            list(sides.fixed))
    if sides.prompt_diffs is not None:
        result.prompts = list(sides.prompt_diffs)
    elif sides.old_prompts or sides.new_prompts:
        from ivr_ci.diff.prompts import compare_prompt_sets, file_sha256

        result.prompts = compare_prompt_sets(sides.old_prompts, sides.new_prompts, file_sha256, file_sha256)
    return result


def diff_paths(old: str, new: str) -> DiffResult:
    from ivr_ci.diff.sources import from_paths
    from ivr_ci.util.gcpause import paused_gc

    with paused_gc():
        return diff_sides(from_paths(old, new))


def diff_git(base: str | None = None, head: str | None = None, paths: list[str] | None = None,
             cwd: str | None = None, prompt_dir: str | None = None) -> DiffResult:
    from ivr_ci.diff.sources import from_git
    from ivr_ci.util.gcpause import paused_gc

    with paused_gc():
        return diff_sides(from_git(base, head, list(paths or []), cwd, prompt_dir=prompt_dir))


def compare_flows(old: Flow, new: Flow) -> list[Change]:
    from ivr_ci.diff.compare import compare_flows as _compare

    return _compare(old, new)
