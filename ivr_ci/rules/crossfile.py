"""validate-flow cross-file rules (IVR3xx): flows that call or transfer to other flows by name.

Flows name each other (`transferToFlow.targetFlow`, `callCommonModule`, `callBotFlow`,
`overrideInQueueFlow`...), never by refId; Architect resolves the names at publish time. These
rules see every file given to one run (scope "set"). Names are compared case-insensitively, as
Architect does; with `--env` placeholders in names are substituted first, without it a name
holding a placeholder cannot be known and is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ivr_ci.flow import FlowDocument
from ivr_ci.flow.model import OrgRef
from ivr_ci.flow.orgrefs import FLOW_REF_KEYS, may_have_keys
from ivr_ci.flow.placeholders import substitute_placeholders as substitute
from ivr_ci.rules.catalogue import Hit, rule
from ivr_ci.rules.context import SetContext
from ivr_ci.util.graphs import cyclic_components, shortest_cycle

# OrgRef kind -> the flow type it needs when the reference itself does not say
_KIND_TYPE = {"flow": None, "commonModule": "commonModule", "botFlow": "botFlow", "digitalBotFlow": "digitalBot"}
_FLOW_KINDS = frozenset(_KIND_TYPE)
_VERB = {"flow": "transfers to", "commonModule": "calls common module", "botFlow": "calls bot flow",
         "digitalBotFlow": "calls digital bot flow"}

FlowKey = tuple[str, str]  # (yaml flow type, casefolded name)


@dataclass(frozen=True)
class FlowUse:
    doc: FlowDocument
    ref: OrgRef
    name: str  # after substitution
    want: str | None  # flow type needed, when known


class FlowSet:
    """The flows of one run by name, and who references whom."""

    def __init__(self, ctx: SetContext) -> None:
        self.config, self.env = ctx.config, ctx.env
        self.values = ctx.config.substitutions(ctx.env) if ctx.env else {}
        self._values_of: dict[str, dict[str, str]] = {}
        self.docs = [d for d in ctx.docs if d.flow is not None]
        self.by_name: dict[str, list[FlowDocument]] = {}
        self.label: dict[FlowKey, str] = {}
        for doc in self.docs:
            name = self.resolved(doc.flow.name, doc)  # type: ignore[union-attr]
            if name is not None:
                self.by_name.setdefault(name.casefold(), []).append(doc)
                self.label.setdefault(self.key(doc), f"{name} ({doc.flow.type})")  # type: ignore[union-attr]
        self.uses: list[FlowUse] = []
        for doc in self.docs:
            if not may_have_keys(doc.text, FLOW_REF_KEYS):  # names no flow: no walk of its tree
                continue
            for ref in doc.flow.org_references(_FLOW_KINDS):  # type: ignore[union-attr]
                if ref.kind in _KIND_TYPE:
                    name = self.resolved(ref.name, doc)
                    if name is not None:
                        self.uses.append(FlowUse(doc, ref, name, ref.flow_type or _KIND_TYPE[ref.kind]))

    def values_of(self, doc: FlowDocument | None) -> dict[str, str]:
        """The values `doc` is rendered with (its Terraform resource's, with `terraform:`)."""
        if doc is None or not self.env:
            return self.values
        if doc.path not in self._values_of:
            self._values_of[doc.path] = self.config.substitutions(self.env, doc.path)
        return self._values_of[doc.path]

    def resolved(self, name: object, doc: FlowDocument | None = None) -> str | None:
        """The name as published, or None when it is not knowable (a placeholder without --env)."""
        if not isinstance(name, (str, int, float)) or isinstance(name, bool):
            return None
        values = self.values_of(doc)
        text = substitute(str(name), values) if values else str(name)
        return None if "{{" in text else text

    def key(self, doc: FlowDocument) -> FlowKey:
        return (doc.flow.type, str(self.resolved(doc.flow.name, doc)).casefold())  # type: ignore[union-attr]

    def targets(self, use: FlowUse) -> list[FlowDocument]:
        same_name = self.by_name.get(use.name.casefold(), [])
        return [d for d in same_name if use.want is None or d.flow.type == use.want]  # type: ignore[union-attr]


@rule(
    "IVR301", "unknown-flow", stage="validate-flow", severity="warning", scope="set",
    summary="a flow calls or transfers to a flow that is neither in the checked files nor declared external",
    rationale="""
        A transfer or call to a flow name that does not exist in the target org fails the
        publish. The target is looked for among all files of the run (by name, and by type
        where the action implies one: a common module, bot flow, secure or in-queue flow) and
        in `validate: {external-flows: [...]}` of `.ivr-ci.yaml` for flows managed elsewhere.
        A warning, not an error: a pre-commit run sees only the changed files, and the online
        preflight of `ivr-ci promote` checks the org itself. Names holding a `{{key}}`
        placeholder are checked only with `--env`, after substitution.
    """,
    bad="""
        - callCommonModule:
            name: Look up customer
            commonModule:
              Customer Lookup:        # no such common module in the repo or external-flows
                ver_latestPublished: {inputs: {}, outputs: {}}
    """,
    good="""
        # .ivr-ci.yaml
        validate:
          external-flows: [Customer Lookup]
    """,
)
def unknown_flow(ctx: SetContext) -> Iterator[Hit]:
    flows = FlowSet(ctx)
    external = {str(n).casefold() for n in ctx.config.section("validate").get("external-flows") or []}
    for use in flows.uses:
        if use.name.casefold() in external or flows.targets(use):
            continue
        verb = _VERB.get(use.ref.kind, "references")
        others = flows.by_name.get(use.name.casefold(), [])
        if others:
            found = ", ".join(sorted({f"{d.flow.type} ({d.path})" for d in others}))  # type: ignore[union-attr]
            msg = f"{verb} '{use.name}', which needs a {use.want} flow; the flow of that name here is {found}"
        else:
            msg = (f"{verb} '{use.name}', which is not one of the {len(flows.docs)} flow files checked "
                   "and not listed in validate.external-flows")
        yield Hit(use.ref.line, use.ref.col, path=use.doc.path, message=msg)


@rule(
    "IVR302", "flow-cycle", stage="validate-flow", severity="error", scope="set",
    summary="flows call or transfer to each other in a cycle",
    rationale="""
        Architect resolves flow references by name when a flow is published, so each flow of a
        cycle (A transfers to B, B calls A) needs the other to exist first: no publish order can
        create them in a new org, and callers can bounce between them. Break the cycle (for
        example return to the caller with an output instead of transferring back).
    """,
    bad="""
        # main.yaml                        # billing.yaml
        inboundCall:                       inboundCall:
          name: Main IVR                     name: Billing IVR
          ... transferToFlow:                ... transferToFlow:
                targetFlow:                        targetFlow:
                  name: Billing IVR                  name: Main IVR
    """,
    good="""
        # billing.yaml ends with a disconnect or a queue transfer instead of transferring back
    """,
)
def flow_cycle(ctx: SetContext) -> Iterator[Hit]:
    flows = FlowSet(ctx)
    nodes: list[FlowKey] = []
    edges: dict[FlowKey, dict[FlowKey, FlowUse]] = {}
    for doc in flows.docs:
        if flows.resolved(doc.flow.name) is not None and flows.key(doc) not in edges:  # type: ignore[union-attr]
            nodes.append(flows.key(doc))
            edges[flows.key(doc)] = {}
    for use in flows.uses:
        if flows.resolved(use.doc.flow.name) is None:  # type: ignore[union-attr]
            continue
        for target in flows.targets(use):
            edges[flows.key(use.doc)].setdefault(flows.key(target), use)

    def succ(k: FlowKey) -> list[FlowKey]:
        return list(edges.get(k, {}))

    for group in cyclic_components(nodes, succ):
        cycle = shortest_cycle(group[0], set(group), succ)
        first = edges[cycle[0]][cycle[1]]
        chain = " → ".join(flows.label[k] for k in cycle)
        yield Hit(first.ref.line, first.ref.col, path=first.doc.path, message=(
            f"flows reference each other in a cycle: {chain}; no publish order can create them"))
