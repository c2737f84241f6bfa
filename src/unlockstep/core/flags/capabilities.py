"""Capability sets (seed §23): a frontend or an external client asks "which capabilities are
on for me?" and gets one object of booleans, instead of inferring them from versions.

A flag joins a set through two lifecycle fields in its metadata, so sets live and change with
the flag files (and their review, audit and kill switch)::

    "metadata": {"capability": "canRequestRiskExplanation", "capabilitySets": "investigator-ui"}

``capabilitySets`` is a comma-separated list of set names (flagd metadata holds scalars only);
``capability`` names the boolean in the answer (default: the flag key). A capability is on
exactly when its flag evaluates to ``true`` for the caller's context: disabled, killed, a
non-boolean value, an error — all *off*, so a UI never shows a feature the backend is not
serving.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from unlockstep.core.flags.definition import FlagSet
from unlockstep.core.flags.evaluator import FlagEngine


@dataclass(frozen=True)
class CapabilitySet:
    name: str
    #: capability name → flag key
    flags: Mapping[str, str]
    #: capability names claimed by more than one flag (the first key in order wins)
    clashes: tuple[str, ...] = ()


def capability_sets(flag_set: FlagSet) -> dict[str, CapabilitySet]:
    """Every set the flags of ``flag_set`` name, by set name."""
    members: dict[str, dict[str, str]] = {}
    clashes: dict[str, list[str]] = {}
    for key in sorted(flag_set.flags):
        metadata = flag_set.flags[key].metadata
        names = metadata.get("capabilitySets")
        if not isinstance(names, str):
            continue
        capability = metadata.get("capability")
        capability = capability if isinstance(capability, str) and capability else key
        for name in (n.strip() for n in names.split(",")):
            if not name:
                continue
            found = members.setdefault(name, {})
            if capability in found:
                clashes.setdefault(name, []).append(capability)
            else:
                found[capability] = key
    return {
        name: CapabilitySet(name, dict(sorted(flags.items())), tuple(clashes.get(name, ())))
        for name, flags in sorted(members.items())
    }


def evaluate_capabilities(
    engine: FlagEngine,
    capability_set: CapabilitySet,
    context: Mapping[str, Any],
    targeting_key: str | None = None,
) -> dict[str, bool]:
    """Each capability of the set: on exactly when its flag serves ``true`` here."""
    answer: dict[str, bool] = {}
    for capability, key in capability_set.flags.items():
        resolution = engine.evaluate(key, False, context, "boolean", targeting_key)
        answer[capability] = resolution.error_code is None and resolution.value is True
    return answer
