"""Menu coverage: which menus and menu choices of a flow no path case reaches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ivr_ci.flow.model import Flow
from ivr_ci.simulate.trace import SimResult


@dataclass(frozen=True)
class Item:
    path: str  # Archy path
    label: str
    line: int


@dataclass
class FlowCoverage:
    file: str
    items: list[Item]
    reached: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, file: str, flow: Flow) -> FlowCoverage:
        items: list[Item] = []
        for menu in flow.menus:
            items.append(Item(menu.path, f"menu \"{menu.name}\"", menu.line))
            for c in menu.choices:
                key = f"key {c.digit}" if c.digit else "speech only"
                items.append(Item(c.path, f"choice \"{c.name}\" ({key}) of menu \"{menu.name}\"", c.line))
        return cls(file, items)

    def add(self, result: SimResult) -> None:
        self.reached |= result.visited_menus | result.visited_choices

    @property
    def missing(self) -> list[Item]:
        return [i for i in self.items if i.path not in self.reached]


@dataclass
class Coverage:
    flows: dict[str, FlowCoverage] = field(default_factory=dict)

    def flow(self, file: str, flow: Flow) -> FlowCoverage:
        if file not in self.flows:
            self.flows[file] = FlowCoverage.of(file, flow)
        return self.flows[file]

    @property
    def total(self) -> int:
        return sum(len(f.items) for f in self.flows.values())

    @property
    def covered(self) -> int:
        return self.total - sum(len(f.missing) for f in self.flows.values())

    @property
    def percent(self) -> float:
        return 100.0 if self.total == 0 else round(100.0 * self.covered / self.total, 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "percent": self.percent, "covered": self.covered, "total": self.total,
            "missing": [{"file": f.file, "line": i.line, "element": i.path, "label": i.label}
                        for f in self.flows.values() for i in f.missing],
        }

    def render_text(self) -> str:
        lines = [f"coverage: {self.percent:.1f}% of menus and menu choices reached "
                 f"({self.covered}/{self.total})"]
        missing = [(f.file, i) for f in self.flows.values() for i in f.missing]
        if missing:
            lines.append("not reached by any case:")
            lines.extend(f"  {file}:{i.line}: {i.label}" for file, i in missing)
        return "\n".join(lines) + "\n"
