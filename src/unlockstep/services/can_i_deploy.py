"""can-i-deploy: gather each subject's integrations and their evidence from the store (a
handful of indexed queries per subject), then decide in ``core.contracts.decide``. The
answer (yes / no / unknown) is a returned value, never an exception.

Beside the integrations, gates can hold the answer back (``core.contracts.Gate``):

- **hidden dependencies**: a consumer the catalog declares (``consumesApis``, ``dependsOn``),
  live in the environment, or that usage telemetry saw call the service there in the last 30
  days, that published no expectation — per environment, ``unknown``
  (default), ``warn`` or ``off`` (setting ``hidden_dependencies``);
- **policies** (``services.policies``): the deploy as a ``Deployment`` subject; a finding
  that blocks makes the answer no, a warning informs;
- **the release calendar** (``services.calendar``): blackout and freeze periods make it no
  (unless a freeze exception covers the service), risky windows inform.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from unlockstep.core import contracts as core
from unlockstep.core.policies import hidden_gates, mode_for
from unlockstep.services import calendar, policies
from unlockstep.store import policies as policy_rows
from unlockstep.store.can_i_deploy import gather


@dataclass(frozen=True)
class Asked:
    """The decision and the service versions it was asked about."""

    decision: core.Decision
    subjects: list[tuple[str, str]]


def hidden_dependencies(
    session: Session,
    wanted: list[tuple[str, str]],
    environment: str,
    mode: str,
    decision: core.Decision,
    around: Mapping[str, dict[str, Any]],
) -> list[core.Gate]:
    """The consumers the catalog declares of each service in ``wanted``, live in
    ``environment``, without evidence; ``around`` is each service's registry snapshot
    (``store.policies.snapshot``: its declared consumers and where they are live)."""
    together = {service for service, _ in wanted}
    observed = policy_rows.observed_consumers(session, together)
    gates: list[core.Gate] = []
    for service, version in wanted:
        services = around[service]["services"]
        declared = set(services.get(service, {}).get("consumers", ())) - together
        seen = {
            c for c, envs in observed.get(service, {}).items() if environment in envs
        } - together
        if not declared and not seen:
            continue
        evidenced = policy_rows.consumers_with_expectations(session, service) | {
            i.integration.consumer
            for i in decision.integrations
            if i.integration.provider == service
        }
        in_env = {c: services.get(c, {}).get("live", {}).get(environment, []) for c in declared}
        gates.extend(
            hidden_gates(service, version, environment, declared, in_env, evidenced, mode, seen)
        )
    return gates


def can_i_deploy(
    session: Session,
    wanted: list[tuple[str, str]],
    environment: str,
    *,
    hidden: Mapping[str, str] | None = None,
    admission: policies.Admission | None = None,
    now: datetime | None = None,
) -> Asked:
    decision = core.decide(gather(session, wanted, environment), environment)
    mode = mode_for(hidden or {"*": "unknown"}, environment)
    # each service's registry snapshot, read once for the hidden-dependency gate and the
    # admission policies alike
    around = {
        service: policy_rows.snapshot(session, [service], environment)
        for service, _ in wanted
        if mode != "off" or admission is not None
    }
    gates = (
        hidden_dependencies(session, wanted, environment, mode, decision, around)
        if mode != "off"
        else []
    )
    gates.extend(calendar.gates(session, wanted, environment, now))
    if admission is not None:
        for service, version in wanted:
            registry = around[service]
            subject = policies.deployment(session, service, version, environment, registry=registry)
            found = admission.judge(subject, registry)
            gates.extend(policies.as_gates(found, f"{service} {version}"))
    return Asked(decision.gated(gates), list(wanted))
