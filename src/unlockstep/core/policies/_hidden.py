"""Hidden dependencies (seed §18, §25): a consumer the registry knows of — declared in the
catalog (``consumesApis``, ``dependsOn``) — that has published no expectation, so nothing
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
) -> list[Gate]:
    """One gate per consumer of ``service`` that is declared, live in ``environment``, and
    has published no expectation of it. ``unknown`` mode makes the answer unknown; ``warn``
    reports it (outcome ``yes``); ``off`` says nothing."""
    from unlockstep.core.contracts import Gate

    if mode == "off":
        return []
    verified = set(with_expectations)
    gates: list[Gate] = []
    for consumer in sorted(set(declared) - verified - {service}):
        versions = sorted(live.get(consumer) or [])
        if not versions:
            continue  # not live there: nothing to break today
        gates.append(
            Gate(
                "hidden-dependency",
                "unknown" if mode == "unknown" else "yes",
                f"{service} {version}",
                f"{consumer} ({', '.join(versions)} live in {environment}) depends on {service} "
                "according to the catalog, but has published no expectation of it: nothing "
                f"verified that {service} {version} works for {consumer}",
                f"publish {consumer}'s expectations of {service} (unlockstep expectation "
                f"publish, or a Pact file), or remove the relation from the catalog if "
                f"{consumer} no longer depends on {service}",
                "hidden-dependency",
            )
        )
    return gates
