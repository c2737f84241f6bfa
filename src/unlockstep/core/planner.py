"""Contract changes -> rollout steps with dependencies (seed §19 and §20), in parallel groups.

Every kind of change has a template: the safe, compatibility-first sequence (provider
first for additive fields; accept both → consumers send → require for a new required
request field; consumers first for removals; add → dual write → backfill → read new → stop
old write → drop for a column rename; a new workflow version for new instances while old
instances finish on the old one). A change shipped ``in-place`` gets one step per service
with the orderings its risk row forces — which, when it breaks both ways, is a cycle: the
lockstep ``core.lockstep`` reports.

Each step says who deploys what, which flag flips, the gates that must hold before it
starts, and how to roll back or forward. ``schedule`` groups steps into levels of a
topological order (steps in one level can run in parallel); ties keep file order, so the
output is deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from unlockstep.core.plan_file import ContractChange, Plan, Strategy
from unlockstep.core.risk import ROW_BY_KIND, RiskRow


@dataclass(frozen=True, slots=True)
class Gate:
    """A condition that must hold before a step starts. ``kind`` is machine-checkable
    (``can-i-deploy``, ``verified``, ``usage-zero``, ``no-running-instances``,
    ``flag-state``) or ``observe`` (a person reads a dashboard)."""

    kind: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    service: str
    action: str
    kind: str = "deploy"  # deploy | migration | flag | wait
    phase: str = "expand"  # expand | migrate | contract | deploy | lockstep
    contract: str | None = None
    flag: str | None = None
    flip: str | None = None
    gates: tuple[Gate, ...] = ()
    rollback: str = ""
    roll_forward: str = ""
    after: tuple[str, ...] = ()

    @property
    def actor(self) -> str:
        """Who acts, as a person reads it: a migration is named apart from its service."""
        return f"{self.service} migration" if self.kind == "migration" else self.service

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "service": self.service,
            "action": self.action,
            "kind": self.kind,
            "phase": self.phase,
            "contract": self.contract,
            "flag": self.flag,
            "flip": self.flip,
            "gates": [g.to_dict() for g in self.gates],
            "rollback": self.rollback,
            "rollForward": self.roll_forward,
            "after": list(self.after),
        }


@dataclass(frozen=True, slots=True)
class Edge:
    before: str
    after: str
    cause: str  # contract id, or "needs" for a service-level ordering
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {
            "before": self.before,
            "after": self.after,
            "cause": self.cause,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class StepGraph:
    steps: tuple[Step, ...]
    edges: tuple[Edge, ...]

    def index(self) -> dict[str, int]:
        return {s.id: i for i, s in enumerate(self.steps)}

    def successors(self) -> list[list[int]]:
        idx = self.index()
        succ: list[list[int]] = [[] for _ in self.steps]
        for e in self.edges:
            succ[idx[e.before]].append(idx[e.after])
        return succ


@dataclass(frozen=True, slots=True)
class Schedule:
    levels: tuple[tuple[str, ...], ...]
    blocked: tuple[str, ...]  # steps that cannot be ordered (in or behind a cycle)

    def to_dict(self) -> dict[str, Any]:
        return {"levels": [list(level) for level in self.levels], "blocked": list(self.blocked)}


def topological_levels(n: int, succ: Sequence[Sequence[int]]) -> tuple[list[list[int]], list[int]]:
    """Kahn's algorithm by layers: level k holds the nodes whose longest chain of
    predecessors has k edges. Ties are sorted by node number. Nodes in or behind a cycle
    are returned as blocked."""
    indegree = [0] * n
    for targets in succ:
        for v in targets:
            indegree[v] += 1
    current = [u for u in range(n) if indegree[u] == 0]
    levels: list[list[int]] = []
    while current:
        current.sort()
        levels.append(current)
        following: list[int] = []
        for u in current:
            for v in succ[u]:
                indegree[v] -= 1
                if indegree[v] == 0:
                    following.append(v)
        current = following
    blocked = [u for u in range(n) if indegree[u] > 0]
    return levels, blocked


def schedule(graph: StepGraph) -> Schedule:
    levels, blocked = topological_levels(len(graph.steps), graph.successors())
    ids = [s.id for s in graph.steps]
    return Schedule(
        levels=tuple(tuple(ids[i] for i in level) for level in levels),
        blocked=tuple(ids[i] for i in blocked),
    )


class _Builder:
    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []  # Step fields; ``after`` is added at the end
        self.edges: list[Edge] = []
        self._edge_keys: set[tuple[str, str]] = set()
        self.first: dict[str, str] = {}  # contract id -> first step (the new thing is live)
        self.by_service: dict[str, list[str]] = {}

    def add(self, **fields: Any) -> str:
        self.steps.append(fields)
        self.by_service.setdefault(fields["service"], []).append(fields["id"])
        return str(fields["id"])

    def edge(self, before: str, after: str, cause: str, reason: str) -> None:
        if (before, after) in self._edge_keys:
            return
        self._edge_keys.add((before, after))
        self.edges.append(Edge(before, after, cause, reason))

    def graph(self) -> StepGraph:
        after: dict[str, list[str]] = {}
        for e in self.edges:
            after.setdefault(e.after, []).append(e.before)
        steps = tuple(Step(**s, after=tuple(after.get(s["id"], ()))) for s in self.steps)
        return StepGraph(steps=steps, edges=tuple(self.edges))


def build(plan: Plan, rows: Mapping[str, RiskRow]) -> StepGraph:
    """The step graph of a plan. ``rows`` gives each contract's risk row (described or
    computed); a contract without one is planned as an internal change of its provider."""
    b = _Builder()
    for c in plan.contracts:
        row = rows.get(c.id) or ROW_BY_KIND["internal-refactor"]
        if c.strategy is Strategy.IN_PLACE and (row.breaks_old or row.needs_new):
            _in_place(b, c, row)
        else:
            _safe(b, c, row)
    for c in plan.contracts:
        for dep in c.after:
            if dep in b.first and c.id in b.first:
                b.edge(
                    b.first[dep],
                    b.first[c.id],
                    c.id,
                    f"{c.name} builds on {dep}, which must be live first",
                )
    for s in plan.services:
        if s.name not in b.by_service:
            b.add(
                id=f"{s.name}.deploy",
                service=s.name,
                phase="deploy",
                action=f"deploy {s.name}: {s.change or 'its part of the change'}",
                gates=(_CAN_I_DEPLOY,),
                rollback="redeploy the previous version",
            )
    for s in plan.services:
        for need in s.needs:
            before, after = b.by_service[need][0], b.by_service[s.name][0]
            b.edge(
                before,
                after,
                "needs",
                f"{s.name} needs {need}'s new version first (declared in 'needs')",
            )
    return b.graph()


_CAN_I_DEPLOY = Gate("can-i-deploy", "can-i-deploy is green for this version")


def _verified(c: ContractChange, who: str = "every consumer") -> Gate:
    return Gate("verified", f"{who} verified against the new {c.name}")


def _usage_zero(c: ContractChange, what: str) -> Gate:
    metric = c.usage_metric or f"usage of {what}"
    return Gate("usage-zero", f"{metric} == 0 for {c.zero_days} days")


def _flip(c: ContractChange, state: str) -> dict[str, Any]:
    return {"flag": c.flag, "flip": state} if c.flag else {}


def _fill(text: str, **values: str) -> str:
    """Fill ``{name}`` placeholders without touching other braces (PromQL, paths)."""
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


class _Template:
    """Steps of one contract, numbered in order, consumers fanned out."""

    def __init__(self, b: _Builder, c: ContractChange, row: RiskRow) -> None:
        self.b, self.c, self.row = b, c, row
        self.n = 0
        self.previous: list[str] = []

    def provider(
        self,
        action: str,
        phase: str,
        gates: Sequence[Gate] = (),
        *,
        rollback: str,
        roll_forward: str = "",
        **extra: Any,
    ) -> None:
        self._emit([(self.c.provider, "")], action, phase, gates, rollback, roll_forward, extra)

    def consumers(
        self,
        action: str,
        phase: str,
        gates: Sequence[Gate] = (),
        *,
        rollback: str,
        roll_forward: str = "",
        include_provider: bool = False,
        **extra: Any,
    ) -> None:
        who = [(name, f".{name}") for name in self.c.consumers]
        if include_provider:
            who.insert(0, (self.c.provider, f".{self.c.provider}"))
        if who:
            self._emit(who, action, phase, gates, rollback, roll_forward, extra)

    def _emit(
        self,
        who: list[tuple[str, str]],
        action: str,
        phase: str,
        gates: Sequence[Gate],
        rollback: str,
        roll_forward: str,
        extra: dict[str, Any],
    ) -> None:
        self.n += 1
        ids: list[str] = []
        values = {"field": self.c.field or "the field", "name": self.c.name}
        action = _fill(action, **values)
        gates = [Gate(g.kind, _fill(g.text, **values)) for g in gates]
        per_service = "{service}" in action or any("{service}" in g.text for g in gates)
        shared = tuple(gates)
        reason = f"{self.row.title.lower()}: {self.row.safe_default}"
        for service, suffix in who:
            sid = self.b.add(
                id=f"{self.c.id}.{self.n}{suffix}",
                service=service,
                action=_fill(action, service=service) if per_service else action,
                phase=phase,
                contract=self.c.id,
                gates=tuple(Gate(g.kind, _fill(g.text, service=service)) for g in gates)
                if per_service
                else shared,
                rollback=rollback,
                roll_forward=roll_forward,
                **extra,
            )
            ids.append(sid)
            for before in self.previous:
                self.b.edge(before, sid, self.c.id, reason)
        if self.n == 1:
            self.b.first[self.c.id] = ids[0]
        self.previous = ids


def _safe(b: _Builder, c: ContractChange, row: RiskRow) -> None:
    t = _Template(b, c, row)
    redeploy = "redeploy the previous version (nothing depends on it yet)"
    kind = row.kind
    if kind == "internal-refactor":
        t.provider(
            "deploy {name} (internal refactor)",
            "deploy",
            [_CAN_I_DEPLOY],
            rollback="redeploy the previous version",
        )
    elif kind in ("add-optional-response-field", "add-endpoint"):
        what = "add endpoint {name}" if kind == "add-endpoint" else "add optional {field} to {name}"
        t.provider(what, "expand", [_CAN_I_DEPLOY], rollback=redeploy)
        t.consumers(
            "starts using the new {name} (tolerant: works without it)",
            "migrate",
            [_verified(c, "{service}")],
            rollback="disable the consumer's flag or redeploy the consumer",
            roll_forward="fix the consumer; the provider stays",
            **_flip(c, "on per tenant"),
        )
        if kind == "add-optional-response-field":
            t.provider(
                "mark {field} as stable in the published {name} contract",
                "contract",
                [_verified(c)],
                rollback="none needed (documentation)",
            )
    elif kind in ("remove-endpoint", "remove-response-field"):
        what = "endpoint {name}" if kind == "remove-endpoint" else "{field} in {name}"
        t.provider(
            f"deprecate {what}: announce the deadline, count its usage",
            "expand",
            [_CAN_I_DEPLOY],
            rollback="remove the deprecation notice",
        )
        t.consumers(
            f"stops using {what}",
            "migrate",
            [_verified(c, "{service}")],
            rollback="redeploy the consumer",
        )
        t.provider(
            f"remove {what}",
            "contract",
            [_usage_zero(c, what), _verified(c)],
            rollback="roll forward: restore the element in a new provider version",
        )
    elif kind in ("add-optional-event-field", "add-required-event-field"):
        t.provider(
            "publish {name} with optional {field} (writing it stays off)",
            "expand",
            [
                Gate(
                    "can-i-deploy",
                    "compatibility check of the new schema passes for every consumer",
                )
            ],
            rollback=redeploy,
        )
        t.consumers(
            "reads {field} when present (tolerant reader)",
            "migrate",
            [_verified(c, "{service}")],
            rollback="redeploy the consumer",
        )
        if c.flag:
            t.provider(
                "start writing {field} behind flag (internal tenant first)",
                "migrate",
                [_verified(c)],
                kind="flag",
                flag=c.flag,
                flip="on for internal tenant, then per tenant",
                rollback=f"turn flag {c.flag} off",
                roll_forward="fix and re-enable",
            )
        if kind == "add-required-event-field":
            t.provider(
                "require {field} at the business layer (old data stays valid)",
                "contract",
                [_usage_zero(c, "events without {field}"), _verified(c)],
                rollback="relax the requirement in a new version",
            )
    elif kind in ("change-event-meaning", "change-audit-event"):
        review = kind == "change-audit-event"
        t.provider(
            "dual publish: new {name} type alongside the old one",
            "expand",
            [_CAN_I_DEPLOY],
            rollback=redeploy,
            **_flip(c, "on (dual publish)"),
        )
        t.consumers(
            "reviews the new shape and records evidence"
            if review
            else "{service} switches to the new {name} type",
            "migrate",
            [_verified(c, "{service}")],
            rollback="switch the consumer back to the old type (still published)",
        )
        t.provider(
            "stop publishing the old {name} type",
            "contract",
            [_usage_zero(c, "the old event type"), _verified(c)],
            rollback="resume dual publish",
            roll_forward="consumers already moved",
        )
    elif kind in ("add-nullable-column", "add-required-column"):
        t.provider(
            "add nullable column {field} to {name}",
            "expand",
            [_CAN_I_DEPLOY],
            kind="migration",
            rollback="leave the column (unused); drop it in a later migration",
        )
        t.provider(
            "write {field} (behind flag)" if c.flag else "write {field}",
            "migrate",
            [_CAN_I_DEPLOY],
            flag=c.flag,
            flip="on" if c.flag else None,
            rollback=f"turn flag {c.flag} off"
            if c.flag
            else "redeploy the previous version (the column is nullable)",
        )
        if kind == "add-required-column":
            t.provider(
                "backfill {field} for existing rows",
                "migrate",
                kind="migration",
                gates=[Gate("observe", "backfill lag and records remaining at zero")],
                rollback="pause the backfill",
            )
        t.consumers(
            "reads {field}",
            "migrate",
            [_verified(c, "{service}")],
            rollback="redeploy the consumer",
        )
        if kind == "add-required-column":
            t.provider(
                "enforce NOT NULL on {field} (only if safe)",
                "contract",
                [Gate("observe", "rows with null {field} == 0")],
                kind="migration",
                rollback="drop the constraint",
            )
    elif kind == "drop-column":
        t.consumers(
            "stops reading and writing {field}",
            "migrate",
            [_CAN_I_DEPLOY],
            rollback="redeploy the previous version (column still there)",
            include_provider=True,
        )
        t.provider(
            "drop column {field} from {name}",
            "contract",
            [_usage_zero(c, "the column")],
            kind="migration",
            rollback="roll forward only: restore from backup into a new column",
        )
    elif kind == "rename-column":
        t.provider(
            "add the new column for {field}",
            "expand",
            [_CAN_I_DEPLOY],
            kind="migration",
            rollback="leave the unused column",
        )
        t.provider(
            "dual write old and new column",
            "migrate",
            [_CAN_I_DEPLOY],
            flag=c.flag,
            flip="on" if c.flag else None,
            rollback="stop writing the new column",
        )
        t.provider(
            "backfill the new column",
            "migrate",
            kind="migration",
            gates=[Gate("observe", "dual-write mismatch count == 0")],
            rollback="pause the backfill",
        )
        t.consumers(
            "reads the new column",
            "migrate",
            [Gate("observe", "old/new read mismatch == 0")],
            rollback="read the old column again",
            include_provider=True,
        )
        t.provider(
            "stop writing the old column",
            "contract",
            [_usage_zero(c, "reads of the old column")],
            rollback="resume dual write",
        )
        t.provider(
            "drop the old column",
            "contract",
            [_usage_zero(c, "writes to the old column")],
            kind="migration",
            rollback="roll forward only",
        )
    elif kind == "change-workflow-rule":
        t.provider(
            "deploy workflow {name} v2 for new instances; old instances stay on v1",
            "expand",
            [_CAN_I_DEPLOY],
            rollback="route new instances back to v1",
            **_flip(c, "on for new instances"),
        )
        t.consumers(
            "handles both workflow versions",
            "migrate",
            [_verified(c, "{service}")],
            rollback="redeploy the consumer",
        )
        t.provider(
            "old instances finish on v1 (migrate only with an explicit, approved decision)",
            "migrate",
            kind="wait",
            gates=[Gate("no-running-instances", "running v1 instances reach zero")],
            rollback="none (waiting)",
        )
        t.provider(
            "remove workflow {name} v1",
            "contract",
            [Gate("no-running-instances", "no running v1 instances")],
            rollback="restore v1 from the previous version",
        )
    elif kind == "change-auth-policy":
        t.provider(
            "deploy the new policy in audit-only mode (log would-deny decisions)",
            "expand",
            [_CAN_I_DEPLOY],
            rollback=redeploy,
        )
        t.consumers(
            "obtains the permissions the new policy requires",
            "migrate",
            [Gate("observe", "no would-deny decisions for {service}")],
            rollback="keep the old permissions too",
        )
        t.provider(
            "enforce the new policy, staged per tenant",
            "migrate",
            [Gate("observe", "would-deny decisions == 0 for every consumer")],
            rollback="switch back to audit-only",
            **_flip(c, "on per tenant"),
        )
        t.provider(
            "remove the old policy",
            "contract",
            [_usage_zero(c, "the old policy")],
            rollback="restore the old policy",
        )
    elif kind == "change-timeout-retry":
        t.provider(
            "canary the new timeout/retry policy on one instance or tenant",
            "expand",
            [_CAN_I_DEPLOY],
            rollback="send traffic back to the old policy",
            **_flip(c, "on for the canary"),
        )
        t.provider(
            "roll the policy out everywhere",
            "migrate",
            [Gate("observe", "dependency error rate and latency within SLO during the canary")],
            rollback="turn the canary flag off",
        )
    elif kind == "add-required-request-field":
        t.provider(
            "accept {field} in {name} as optional (old and new requests work)",
            "expand",
            [_CAN_I_DEPLOY],
            rollback=redeploy,
        )
        t.consumers(
            "sends {field}",
            "migrate",
            [_verified(c, "{service}")],
            rollback="redeploy the consumer (the field is still optional)",
        )
        t.provider(
            "require {field} in {name}",
            "contract",
            [_usage_zero(c, "requests without {field}"), _verified(c)],
            rollback="make the field optional again in a new version",
        )
    elif kind == "remove-event-field":
        t.consumers(
            "stops relying on {field}",
            "migrate",
            [_CAN_I_DEPLOY],
            rollback="redeploy the consumer (field still published)",
        )
        t.provider(
            "stop publishing {field} in {name}",
            "contract",
            [_verified(c)],
            rollback="publish the field again",
        )
        t.provider(
            "remove {field} from the {name} schema",
            "contract",
            [_usage_zero(c, "readers of {field}")],
            rollback="restore the schema",
        )
    else:  # a row without a template: plan it like a provider-first change
        t.provider(
            f"ship {{name}} ({row.title.lower()})", "expand", [_CAN_I_DEPLOY], rollback=redeploy
        )
        t.consumers(
            "adopts {name}",
            "migrate",
            [_verified(c, "{service}")],
            rollback="redeploy the consumer",
        )


def _in_place(b: _Builder, c: ContractChange, row: RiskRow) -> None:
    """One step per service; the orderings the risk row forces, both ways when it breaks
    both ways (that is the lockstep)."""
    what = f"{row.title.lower()} in {c.name}" + (f" ({c.field})" if c.field else "")
    provider_steps: list[str] = []
    if c.group == "table":
        provider_steps.append(
            b.add(
                id=f"{c.id}.migration",
                service=c.provider,
                kind="migration",
                phase="lockstep",
                contract=c.id,
                action=f"{what}, in place",
                gates=(_CAN_I_DEPLOY,),
                rollback="reverse migration (data written meanwhile may be lost)",
            )
        )
    provider_steps.append(
        b.add(
            id=f"{c.id}.{c.provider}",
            service=c.provider,
            phase="lockstep",
            contract=c.id,
            action=f"ship {what}, in place",
            gates=(_CAN_I_DEPLOY,),
            rollback="roll back together with every counterpart",
        )
    )
    b.first[c.id] = provider_steps[0]
    counterparts = [
        (
            s,
            b.add(
                id=f"{c.id}.{s}",
                service=s,
                phase="lockstep",
                contract=c.id,
                action=f"adapts to {what}",
                gates=(_CAN_I_DEPLOY,),
                rollback="roll back together with the provider",
            ),
        )
        for s in c.consumers
    ]
    if c.group == "table":
        counterparts.insert(0, (c.provider, provider_steps[1]))
        provider_steps = provider_steps[:1]
    for p in provider_steps:
        for service, step in counterparts:
            if row.needs_new:
                b.edge(
                    p,
                    step,
                    c.id,
                    f"{service}'s new code needs the new {c.name} ({row.title.lower()})",
                )
            if row.breaks_old:
                b.edge(
                    step,
                    p,
                    c.id,
                    f"the new {c.name} breaks {service} while it still "
                    f"runs the old code ({row.title.lower()})",
                )
