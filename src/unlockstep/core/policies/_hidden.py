"""Hidden dependencies (seed §18, §25): a consumer the registry knows of — declared in the
catalog (``consumesApis``, ``dependsOn``) — that has published no expectation, so nothing
verified that the new version works for it. can-i-deploy must not answer yes over it, and a
release plan that leaves it out is missing a consumer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from unlockstep.core.contracts import Gate
from unlockstep.core.policies._builtins import plan_contracts

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


@dataclass(frozen=True, slots=True)
class Omitted:
    """A consumer the registry knows of that a plan's contract change does not list."""

    change: str  # the plan's contract change id
    provider: str
    consumer: str
    path: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "change": self.change,
            "provider": self.provider,
            "consumer": self.consumer,
            "path": self.path,
        }


def omitted_consumers(plan: Mapping[str, Any], registry: Mapping[str, Any]) -> list[Omitted]:
    """For each contract change of a plan (its raw spec), the consumers the registry knows
    its provider has (catalog relations) that neither the change nor the plan's services
    name."""

    known = registry.get("services") or {}
    in_plan = set((plan.get("services") or {}) if isinstance(plan.get("services"), dict) else ())
    out: list[Omitted] = []
    for _group, path, item in plan_contracts(dict(plan)):
        provider = str(item.get("provider") or "")
        listed = item.get("consumers")
        named = {str(c) for c in (listed if isinstance(listed, list) else [])} | in_plan
        for consumer in (known.get(provider) or {}).get("consumers") or []:
            if consumer not in named:
                out.append(
                    Omitted(
                        str(item.get("id") or item.get("name") or path), provider, consumer, path
                    )
                )
    return out
