"""The rollout templates as data: for every kind of change (a row of the risk matrix), its
compatibility-first steps in order. ``core.plans._rollout`` interprets them.

The safe sequences (seed §19 and §20): provider first for additive fields; accept both →
consumers send → require for a new required request field; consumers first for removals;
add → dual write → backfill → read new → stop old write → drop for a column rename; a new
workflow version for new instances while old instances finish on the old one.
"""

from __future__ import annotations

from dataclasses import dataclass

from unlockstep.core.plans._steps import Gate

CAN_I_DEPLOY = Gate("can-i-deploy", "can-i-deploy is green for this version")


# -- the templates, as data --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GateSpec:
    """A gate of a template. ``verified``: ``text`` names who (``{service}`` or "every
    consumer"); ``usage-zero``: ``text`` names what must be unused (the contract's own
    ``usage_metric`` wins); any other kind: ``text`` is the gate's text."""

    kind: str
    text: str


@dataclass(frozen=True, slots=True)
class StepTemplate:
    """One step of a rollout. ``who``: ``provider``, ``consumers`` (one step each, skipped
    without consumers) or ``everyone`` (the provider and every consumer). Texts may use
    ``{name}``, ``{field}``, ``{service}``, ``{what}``, ``{title}`` and ``{flag}``.

    With a flag on the change, a step with ``flip`` flips it, and ``flagged`` replaces
    fields (``action``, ``rollback``); ``only_flagged`` steps exist only then."""

    who: str
    action: str
    phase: str
    gates: tuple[GateSpec, ...] = ()
    rollback: str = ""
    roll_forward: str = ""
    kind: str | None = None
    flip: str | None = None
    flagged: tuple[tuple[str, str], ...] = ()
    only_flagged: bool = False


@dataclass(frozen=True, slots=True)
class Rollout:
    """The steps of one kind of change, in order; ``what`` fills ``{what}`` in them."""

    steps: tuple[StepTemplate, ...]
    what: str = ""


P, C, E = "provider", "consumers", "everyone"
CAN = GateSpec(CAN_I_DEPLOY.kind, CAN_I_DEPLOY.text)
EACH = GateSpec("verified", "{service}")  # each consumer verified, on its own step
ALL = GateSpec("verified", "every consumer")
REDEPLOY = "redeploy the previous version (nothing depends on it yet)"


def _usage(what: str) -> GateSpec:
    return GateSpec("usage-zero", what)


def _observe(text: str) -> GateSpec:
    return GateSpec("observe", text)


_ADOPT = StepTemplate(
    C,
    "starts using the new {name} (tolerant: works without it)",
    "migrate",
    (EACH,),
    rollback="disable the consumer's flag or redeploy the consumer",
    roll_forward="fix the consumer; the provider stays",
    flip="on per tenant",
)


def _provider_first(action: str, *more: StepTemplate) -> Rollout:
    return Rollout((StepTemplate(P, action, "expand", (CAN,), REDEPLOY), _ADOPT, *more))


def _consumers_first(what: str) -> Rollout:
    return Rollout(
        (
            StepTemplate(
                P,
                "deprecate {what}: announce the deadline, count its usage",
                "expand",
                (CAN,),
                "remove the deprecation notice",
            ),
            StepTemplate(C, "stops using {what}", "migrate", (EACH,), "redeploy the consumer"),
            StepTemplate(
                P,
                "remove {what}",
                "contract",
                (_usage("{what}"), ALL),
                "roll forward: restore the element in a new provider version",
            ),
        ),
        what,
    )


_EVENT_FIELD = (
    StepTemplate(
        P,
        "publish {name} with optional {field} (writing it stays off)",
        "expand",
        (
            GateSpec(
                "can-i-deploy", "compatibility check of the new schema passes for every consumer"
            ),
        ),
        REDEPLOY,
    ),
    StepTemplate(
        C,
        "reads {field} when present (tolerant reader)",
        "migrate",
        (EACH,),
        "redeploy the consumer",
    ),
    StepTemplate(
        P,
        "start writing {field} behind flag (internal tenant first)",
        "migrate",
        (ALL,),
        "turn flag {flag} off",
        "fix and re-enable",
        kind="flag",
        flip="on for internal tenant, then per tenant",
        only_flagged=True,
    ),
)


def _new_type(consumer_action: str) -> Rollout:
    return Rollout(
        (
            StepTemplate(
                P,
                "dual publish: new {name} type alongside the old one",
                "expand",
                (CAN,),
                REDEPLOY,
                flip="on (dual publish)",
            ),
            StepTemplate(
                C,
                consumer_action,
                "migrate",
                (EACH,),
                "switch the consumer back to the old type (still published)",
            ),
            StepTemplate(
                P,
                "stop publishing the old {name} type",
                "contract",
                (_usage("the old event type"), ALL),
                "resume dual publish",
                "consumers already moved",
            ),
        )
    )


def _new_column(required: bool) -> Rollout:
    backfill = StepTemplate(
        P,
        "backfill {field} for existing rows",
        "migrate",
        (_observe("backfill lag and records remaining at zero"),),
        "pause the backfill",
        kind="migration",
    )
    enforce = StepTemplate(
        P,
        "enforce NOT NULL on {field} (only if safe)",
        "contract",
        (_observe("rows with null {field} == 0"),),
        "drop the constraint",
        kind="migration",
    )
    return Rollout(
        (
            StepTemplate(
                P,
                "add nullable column {field} to {name}",
                "expand",
                (CAN,),
                "leave the column (unused); drop it in a later migration",
                kind="migration",
            ),
            StepTemplate(
                P,
                "write {field}",
                "migrate",
                (CAN,),
                "redeploy the previous version (the column is nullable)",
                flip="on",
                flagged=(
                    ("action", "write {field} (behind flag)"),
                    ("rollback", "turn flag {flag} off"),
                ),
            ),
            *((backfill,) if required else ()),
            StepTemplate(C, "reads {field}", "migrate", (EACH,), "redeploy the consumer"),
            *((enforce,) if required else ()),
        )
    )


#: change kind (a row of the risk matrix) -> its compatibility-first rollout
TEMPLATES: dict[str, Rollout] = {
    "internal-refactor": Rollout(
        (
            StepTemplate(
                P,
                "deploy {name} (internal refactor)",
                "deploy",
                (CAN,),
                "redeploy the previous version",
            ),
        )
    ),
    "add-endpoint": _provider_first("add endpoint {name}"),
    "add-optional-request-field": _provider_first("accept optional {field} in {name}"),
    "add-optional-response-field": _provider_first(
        "add optional {field} to {name}",
        StepTemplate(
            P,
            "mark {field} as stable in the published {name} contract",
            "contract",
            (ALL,),
            "none needed (documentation)",
        ),
    ),
    "remove-endpoint": _consumers_first("endpoint {name}"),
    "remove-response-field": _consumers_first("{field} in {name}"),
    "add-optional-event-field": Rollout(_EVENT_FIELD),
    "add-required-event-field": Rollout(
        (
            *_EVENT_FIELD,
            StepTemplate(
                P,
                "require {field} at the business layer (old data stays valid)",
                "contract",
                (_usage("events without {field}"), ALL),
                "relax the requirement in a new version",
            ),
        )
    ),
    "change-event-meaning": _new_type("{service} switches to the new {name} type"),
    "change-audit-event": _new_type("reviews the new shape and records evidence"),
    "add-nullable-column": _new_column(required=False),
    "add-required-column": _new_column(required=True),
    "drop-column": Rollout(
        (
            StepTemplate(
                E,
                "stops reading and writing {field}",
                "migrate",
                (CAN,),
                "redeploy the previous version (column still there)",
            ),
            StepTemplate(
                P,
                "drop column {field} from {name}",
                "contract",
                (_usage("the column"),),
                "roll forward only: restore from backup into a new column",
                kind="migration",
            ),
        )
    ),
    "rename-column": Rollout(
        (
            StepTemplate(
                P,
                "add the new column for {field}",
                "expand",
                (CAN,),
                "leave the unused column",
                kind="migration",
            ),
            StepTemplate(
                P,
                "dual write old and new column",
                "migrate",
                (CAN,),
                "stop writing the new column",
                flip="on",
            ),
            StepTemplate(
                P,
                "backfill the new column",
                "migrate",
                (_observe("dual-write mismatch count == 0"),),
                "pause the backfill",
                kind="migration",
            ),
            StepTemplate(
                E,
                "reads the new column",
                "migrate",
                (_observe("old/new read mismatch == 0"),),
                "read the old column again",
            ),
            StepTemplate(
                P,
                "stop writing the old column",
                "contract",
                (_usage("reads of the old column"),),
                "resume dual write",
            ),
            StepTemplate(
                P,
                "drop the old column",
                "contract",
                (_usage("writes to the old column"),),
                "roll forward only",
                kind="migration",
            ),
        )
    ),
    "change-workflow-rule": Rollout(
        (
            StepTemplate(
                P,
                "deploy workflow {name} v2 for new instances; old instances stay on v1",
                "expand",
                (CAN,),
                "route new instances back to v1",
                flip="on for new instances",
            ),
            StepTemplate(
                C, "handles both workflow versions", "migrate", (EACH,), "redeploy the consumer"
            ),
            StepTemplate(
                P,
                "old instances finish on v1 (migrate only with an explicit, approved decision)",
                "migrate",
                (GateSpec("no-running-instances", "running v1 instances reach zero"),),
                "none (waiting)",
                kind="wait",
            ),
            StepTemplate(
                P,
                "remove workflow {name} v1",
                "contract",
                (GateSpec("no-running-instances", "no running v1 instances"),),
                "restore v1 from the previous version",
            ),
        )
    ),
    "change-auth-policy": Rollout(
        (
            StepTemplate(
                P,
                "deploy the new policy in audit-only mode (log would-deny decisions)",
                "expand",
                (CAN,),
                REDEPLOY,
            ),
            StepTemplate(
                C,
                "obtains the permissions the new policy requires",
                "migrate",
                (_observe("no would-deny decisions for {service}"),),
                "keep the old permissions too",
            ),
            StepTemplate(
                P,
                "enforce the new policy, staged per tenant",
                "migrate",
                (_observe("would-deny decisions == 0 for every consumer"),),
                "switch back to audit-only",
                flip="on per tenant",
            ),
            StepTemplate(
                P,
                "remove the old policy",
                "contract",
                (_usage("the old policy"),),
                "restore the old policy",
            ),
        )
    ),
    "change-timeout-retry": Rollout(
        (
            StepTemplate(
                P,
                "canary the new timeout/retry policy on one instance or tenant",
                "expand",
                (CAN,),
                "send traffic back to the old policy",
                flip="on for the canary",
            ),
            StepTemplate(
                P,
                "roll the policy out everywhere",
                "migrate",
                (_observe("dependency error rate and latency within SLO during the canary"),),
                "turn the canary flag off",
            ),
        )
    ),
    "add-required-request-field": Rollout(
        (
            StepTemplate(
                P,
                "accept {field} in {name} as optional (old and new requests work)",
                "expand",
                (CAN,),
                REDEPLOY,
            ),
            StepTemplate(
                C,
                "sends {field}",
                "migrate",
                (EACH,),
                "redeploy the consumer (the field is still optional)",
            ),
            StepTemplate(
                P,
                "require {field} in {name}",
                "contract",
                (_usage("requests without {field}"), ALL),
                "make the field optional again in a new version",
            ),
        )
    ),
    "remove-event-field": Rollout(
        (
            StepTemplate(
                C,
                "stops relying on {field}",
                "migrate",
                (CAN,),
                "redeploy the consumer (field still published)",
            ),
            StepTemplate(
                P,
                "stop publishing {field} in {name}",
                "contract",
                (ALL,),
                "publish the field again",
            ),
            StepTemplate(
                P,
                "remove {field} from the {name} schema",
                "contract",
                (_usage("readers of {field}"),),
                "restore the schema",
            ),
        )
    ),
}

#: a row without a template: planned like a provider-first change
FALLBACK = Rollout(
    (
        StepTemplate(P, "ship {name} ({title})", "expand", (CAN,), REDEPLOY),
        StepTemplate(C, "adopts {name}", "migrate", (EACH,), "redeploy the consumer"),
    )
)
