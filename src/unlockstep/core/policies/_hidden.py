"""Hidden dependencies (seed §18, §25): a consumer the registry knows of — declared in the
catalog (``consumesApis``, ``dependsOn``) or seen calling the service in usage telemetry (the
``consumer`` label of its usage series) — that has published no expectation, so nothing
verified that the new version works for it. can-i-deploy must not answer yes over it (a
release plan that leaves such a consumer out is the built-in rule
``plan-omits-known-consumer``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: core.contracts costs ~100 ms to import
    from unlockstep.core.contracts import Gate

MODES = ("unknown", "warn", "off")


def mode_for(modes: Mapping[str, str], environment: str) -> str:
    """The environment's own mode, else ``*``'s, else ``unknown``."""
    return modes.get(environment) or modes.get("*") or "unknown"


def hidden_gates(
    service: str,
    version: str,
    environment: str,
    declared: Iterable[str],
    live: Mapping[str, Iterable[str]],
    with_expectations: Iterable[str],
    mode: str,
    observed: Iterable[str] = (),
) -> list[Gate]:
    """One gate per consumer of ``service`` that has published no expectation of it and is
    either declared and live in ``environment``, or ``observed`` (usage telemetry saw it call
    ``service`` in ``environment`` lately). ``unknown`` mode makes the answer unknown;
    ``warn`` reports it (outcome ``yes``); ``off`` says nothing."""
    from unlockstep.core.contracts import Gate

    if mode == "off":
        return []
    verified = set(with_expectations)
    known, seen = set(declared), set(observed)
    gates: list[Gate] = []
    for consumer in sorted((known | seen) - verified - {service}):
        versions = sorted(live.get(consumer) or [])
        if consumer in seen:
            unlisted = "" if consumer in known else " (the catalog does not list it)"
            why = f"{consumer} calls {service} in {environment} per usage telemetry{unlisted}"
            remedy = "or register the relation and its verification"
        elif versions:
            why = (
                f"{consumer} ({', '.join(versions)} live in {environment}) depends on "
                f"{service} according to the catalog"
            )
            remedy = (
                f"or remove the relation from the catalog if {consumer} no longer depends on "
                f"{service}"
            )
        else:
            continue  # declared, but not live there and not seen calling: nothing to break
        gates.append(
            Gate(
                "hidden-dependency",
                "unknown" if mode == "unknown" else "yes",
                f"{service} {version}",
                f"{why}, but has published no expectation of it: nothing verified that "
                f"{service} {version} works for {consumer}",
                f"publish {consumer}'s expectations of {service} (unlockstep expectation "
                f"publish, or a Pact file), {remedy}",
                "hidden-dependency",
            )
        )
    return gates
