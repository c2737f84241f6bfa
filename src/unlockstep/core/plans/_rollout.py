"""The rollout-order model (seed §19 and §20): one template per kind of change.

The safe, compatibility-first sequence: provider first for additive fields; accept both →
consumers send → require for a new required request field; consumers first for removals;
add → dual write → backfill → read new → stop old write → drop for a column rename; a new
workflow version for new instances while old instances finish on the old one. A change
shipped ``in-place`` gets one step per service with the orderings its risk row forces —
both ways, when it breaks both ways: the lockstep ``core.lockstep`` reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unlockstep.core.plans._plan import ContractChange
from unlockstep.core.plans._risk import RiskRow
from unlockstep.core.plans._steps import Builder, Gate

CAN_I_DEPLOY = Gate("can-i-deploy", "can-i-deploy is green for this version")


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

    def __init__(self, b: Builder, c: ContractChange, row: RiskRow) -> None:
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


def safe_steps(b: Builder, c: ContractChange, row: RiskRow) -> None:
    t = _Template(b, c, row)
    redeploy = "redeploy the previous version (nothing depends on it yet)"
    kind = row.kind
    if kind == "internal-refactor":
        t.provider(
            "deploy {name} (internal refactor)",
            "deploy",
            [CAN_I_DEPLOY],
            rollback="redeploy the previous version",
        )
    elif kind in ("add-optional-response-field", "add-endpoint", "add-optional-request-field"):
        what = {
            "add-endpoint": "add endpoint {name}",
            "add-optional-request-field": "accept optional {field} in {name}",
        }.get(kind, "add optional {field} to {name}")
        t.provider(what, "expand", [CAN_I_DEPLOY], rollback=redeploy)
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
            [CAN_I_DEPLOY],
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
            [CAN_I_DEPLOY],
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
            [CAN_I_DEPLOY],
            kind="migration",
            rollback="leave the column (unused); drop it in a later migration",
        )
        t.provider(
            "write {field} (behind flag)" if c.flag else "write {field}",
            "migrate",
            [CAN_I_DEPLOY],
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
            [CAN_I_DEPLOY],
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
            [CAN_I_DEPLOY],
            kind="migration",
            rollback="leave the unused column",
        )
        t.provider(
            "dual write old and new column",
            "migrate",
            [CAN_I_DEPLOY],
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
            [CAN_I_DEPLOY],
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
            [CAN_I_DEPLOY],
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
            [CAN_I_DEPLOY],
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
            [CAN_I_DEPLOY],
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
            [CAN_I_DEPLOY],
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
            f"ship {{name}} ({row.title.lower()})", "expand", [CAN_I_DEPLOY], rollback=redeploy
        )
        t.consumers(
            "adopts {name}",
            "migrate",
            [_verified(c, "{service}")],
            rollback="redeploy the consumer",
        )


def in_place_steps(b: Builder, c: ContractChange, row: RiskRow) -> None:
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
                gates=(CAN_I_DEPLOY,),
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
            gates=(CAN_I_DEPLOY,),
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
                gates=(CAN_I_DEPLOY,),
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
