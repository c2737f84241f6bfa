"""A flag set as flagd's own providers evaluate it: unlockstep's prerequisites folded in.

flagd's in-process providers (on unlockstep's sync service) know nothing of the
``prerequisites`` lifecycle field: a child flag evaluates as ``DISABLED`` with the caller's
default unless every prerequisite is *on* (ENABLED, serving a truthy value for the same
context). :func:`for_flagd` rewrites each such child into plain flagd that gives the same value
and variant in every context:

* a prerequisite that is off everywhere (missing, disabled — a kill — or serving a falsy
  constant) makes the child ``DISABLED``: the caller's default, as unlockstep serves it;
* one that is on everywhere (a truthy constant) drops out;
* one whose value depends on the context becomes a condition in the child's targeting, the
  parent's own rule asked whether it picks a truthy variant
  (``{"in": [{"or": [parentRule, parentDefault]}, [truthy variants]]}``); the child gets
  ``"defaultVariant": null`` and ``{"if": [conditions, {"or": [ownRule, ownDefault]}, null]}``,
  so a false condition serves the caller's default (flagd's "code default"; both the Python
  and JavaScript providers honour it) and a true one what the child served before.

A parent rule that buckets (``fractional``) or reads ``$flagd`` properties hashes and reads the
*evaluated* flag's key, which would be the child's inside the child's rule: such a condition
is not folded, and the child is left as it was (``unfoldable`` names it). The reason a provider
reports differs (``DEFAULT`` where unlockstep says ``DISABLED``); value and variant do not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from unlockstep.core.flags.definition import parse_lifecycle
from unlockstep.core.flags.jsonlogic import truthy

#: What a prerequisite is: on everywhere, off everywhere, a condition, or not foldable.
_ON, _OFF, _UNFOLDABLE = "on", "off", "unfoldable"


def for_flagd(document: Mapping[str, Any]) -> dict[str, Any]:
    """``document`` with every flag's prerequisites folded into plain flagd (see above)."""
    flags = document.get("flags")
    if not isinstance(flags, Mapping):
        return dict(document)
    folded = {key: _fold(body, flags) for key, body in flags.items()}
    return {**document, "flags": folded}


def unfoldable(document: Mapping[str, Any]) -> list[str]:
    """Flags whose prerequisites :func:`for_flagd` leaves out (a parent that buckets)."""
    flags = document.get("flags")
    if not isinstance(flags, Mapping):
        return []
    return sorted(
        key
        for key, body in flags.items()
        if isinstance(body, Mapping)
        and any(_condition(flags.get(p)) == _UNFOLDABLE for p in _prerequisites(body))
    )


def _prerequisites(body: Mapping[str, Any]) -> tuple[str, ...]:
    metadata = body.get("metadata")
    return parse_lifecycle(metadata if isinstance(metadata, Mapping) else {}).prerequisites


def _fold(body: Any, flags: Mapping[str, Any]) -> Any:
    if not isinstance(body, Mapping) or body.get("state") != "ENABLED":
        return body
    prerequisites = _prerequisites(body)
    if not prerequisites:
        return body
    conditions: list[Any] = []
    for parent in prerequisites:
        condition = _condition(flags.get(parent))
        if condition == _OFF:
            return {**body, "state": "DISABLED"}
        if condition == _UNFOLDABLE:
            return body
        if condition != _ON:
            conditions.append(condition)
    if not conditions:
        return body
    own, default = body.get("targeting") or None, body.get("defaultVariant")
    served = own if default is None else ({"or": [own, default]} if own else default)
    rule = conditions[0] if len(conditions) == 1 else {"and": conditions}
    return {**body, "defaultVariant": None, "targeting": {"if": [rule, served, None]}}


def _condition(parent: Any) -> Any:
    """``_ON``, ``_OFF``, ``_UNFOLDABLE`` or the JsonLogic rule that is true where ``parent``
    serves a truthy variant."""
    if not isinstance(parent, Mapping) or parent.get("state") != "ENABLED":
        return _OFF
    variants = parent.get("variants")
    if not isinstance(variants, Mapping):
        return _OFF
    default, rule = parent.get("defaultVariant"), parent.get("targeting") or None
    if rule is None:
        if default is None or default not in variants:
            return _OFF
        return _ON if truthy(variants[default]) else _OFF
    text = json.dumps(rule)
    if '"fractional"' in text or "$flagd" in text:
        return _UNFOLDABLE
    names = [name for name, value in variants.items() if truthy(value)]
    if not names:
        return _OFF
    picked = rule if default is None else {"or": [rule, default]}
    return {"in": [picked, names]}
