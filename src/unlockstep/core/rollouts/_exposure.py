"""What a flag serves at each stage of a rollout, and after an abort.

A stage's targeting is ordinary flagd JsonLogic, so every evaluator — the server, the SDK's
local engine, any flagd provider — serves it the same way::

    {"if": [{"or": [<segment rules of this and every earlier stage>]}, "on",
            {"fractional": [["on", 500], ["off", 9500]]}]}

The percentage is flagd's ``fractional`` with the new variant first and a constant total of
``WEIGHT_TOTAL``: a user's bucket point (``hash * total >> 32``, the flag set's own
bucketing algorithm) is the same at every stage, and they get the new variant while the
point is below the new variant's weight — so raising the weight never takes it away.
Users without a targeting key get the flag's default, which a rollout sets to the safe
variant.

An abort serves the safe variant to everyone at once. When the safe variant is the flag's
``false`` variant this is exactly the kill switch (``core.flags.killed``: marked killed,
targeting gone), so turning it back on must be explicit; otherwise the safe variant becomes
the default with no targeting.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from unlockstep.core.flags import killed
from unlockstep.core.rollouts._plan import WEIGHT_TOTAL, RolloutPlan
from unlockstep.errors import InvalidInput


def variants_of(plan: RolloutPlan, body: Mapping[str, Any]) -> tuple[str, str]:
    """The new and the safe variant of the flag ``body`` for ``plan`` (explicit in the plan,
    else the ``true`` and the ``false`` variant)."""
    variants = body.get("variants") or {}
    if not isinstance(variants, Mapping) or not variants:
        raise InvalidInput(f"flag {plan.flag!r} has no variants", where="flag/variants")

    def find(value: bool) -> str | None:
        return next((name for name, v in variants.items() if v is value), None)

    new = plan.variant or find(True)
    safe = plan.safe_variant or find(False)
    for role, name in (("variant", new), ("safeVariant", safe)):
        if name is None:
            raise InvalidInput(
                f"flag {plan.flag!r} is not boolean; say which variant is the {role}",
                where=f"rollout/{role}",
            )
        if name not in variants:
            raise InvalidInput(
                f"{role} {name!r} is not a variant of {plan.flag!r} "
                f"(variants: {', '.join(sorted(variants))})",
                where=f"rollout/{role}",
            )
    assert new is not None and safe is not None
    if new == safe:
        raise InvalidInput("variant and safeVariant must differ", where="rollout/variant")
    return new, safe


def stage_targeting(plan: RolloutPlan, index: int, new: str, safe: str) -> dict[str, Any]:
    """The targeting that exposes stage ``index`` (its segments and every earlier one's,
    and its percentage)."""
    rules = [rule for stage in plan.stages[: index + 1] for rule in stage.segments]
    points = plan.stages[index].basis_points
    rest: Any = {"fractional": [[new, points], [safe, WEIGHT_TOTAL - points]]} if points else safe
    if not rules:
        if isinstance(rest, dict):
            return rest
        return {"if": [False, new, safe]}
    segment = rules[0] if len(rules) == 1 else {"or": rules}
    return {"if": [segment, new, rest]}


def staged_body(body: Mapping[str, Any], targeting: Mapping[str, Any], safe: str) -> dict[str, Any]:
    """``body`` serving a stage: enabled, the safe variant by default, the stage's targeting."""
    result = dict(body)
    result.update(state="ENABLED", defaultVariant=safe, targeting=dict(targeting))
    return result


def aborted_body(body: Mapping[str, Any], safe: str) -> dict[str, Any]:
    """``body`` after an abort: the safe variant for everyone (the kill switch when the safe
    variant is the ``false`` one)."""
    variants = body.get("variants") or {}
    if isinstance(variants, Mapping) and variants.get(safe) is False:
        first_false = next((name for name, v in variants.items() if v is False), None)
        if first_false == safe:
            return killed(body)
    result = {key: value for key, value in body.items() if key != "targeting"}
    result.update(state="ENABLED", defaultVariant=safe)
    return result
