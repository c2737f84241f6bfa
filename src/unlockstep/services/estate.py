"""Estate-wide reading for the dashboard: the whole estate at once (services, who uses
whom, what is live where), one service with everything around it, one contract with the
diff between any two of its versions, and every deprecation still in use.

Each function runs one read-only unit of work and returns plain records; the dashboard
shapes them into pages (``server/dashboard``), and judges nothing itself: compatibility is
``core.contracts.judge``, deployability ``core.contracts.decide``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from unlockstep.core.compat import CompatibilityReport, Source
from unlockstep.core.contracts import Registered, engine_for, judge, parse_mode
from unlockstep.errors import InvalidInput, NotFound
from unlockstep.services import contracts as contract_service
from unlockstep.services import deprecations as deprecation_usage
from unlockstep.services import integrations
from unlockstep.services.can_i_deploy import can_i_deploy
from unlockstep.store import Store, registry
from unlockstep.store import audit as audit_rows
from unlockstep.store import contracts as contract_rows
from unlockstep.store import estate as rows
from unlockstep.store.audit import EventRecord
from unlockstep.store.estate import Edge, ServiceRow
from unlockstep.store.registry import DeploymentRecord, ServiceRecord, VersionRecord

__all__ = [
    "ContractView",
    "Deprecation",
    "Edge",
    "Overview",
    "ServiceRow",
    "ServiceView",
    "contract_view",
    "deprecations",
    "live",
    "overview",
    "service_view",
]


@dataclass(frozen=True)
class Overview:
    services: list[ServiceRow]
    edges: list[Edge]
    environments: list[str]
    contracts: dict[str, list[tuple[str, str]]]


def overview(store: Store) -> Overview:
    """Every service, who uses whom, and each service's contracts."""
    with store.session() as session:
        return Overview(
            rows.services(session),
            rows.edges(session),
            rows.environments(session),
            rows.contracts(session),
        )


def live(store: Store, services: list[str]) -> dict[str, dict[str, list[str]]]:
    """service -> environment -> the versions live there, for ``services``."""
    with store.session() as session:
        return rows.live(session, services)


@dataclass(frozen=True)
class ServiceView:
    service: ServiceRecord
    live: list[DeploymentRecord]
    versions: list[VersionRecord]
    contracts: list[contract_service.ContractInfo]
    consumers: list[Edge]
    providers: list[Edge]
    #: environment -> the can-i-deploy decision for the newest version (``None``: no version)
    decisions: dict[str, dict[str, Any] | None]
    audit: list[EventRecord]


def service_view(store: Store, name: str, *, audit_limit: int = 10) -> ServiceView:
    """One service: owner, what is live where, contracts, who uses it and whom it uses,
    can-i-deploy of its newest version in every environment, and its recent audit."""
    with store.session() as session:
        found = registry.get_service(session, name)
        record = registry.service_record(found, registry.owner_name(session, found))
        versions = registry.recent_versions(session, found)
        edges = rows.edges(session, name)
        decisions: dict[str, dict[str, Any] | None] = {}
        for environment in rows.environments(session):
            if not versions:
                decisions[environment] = None
                continue
            asked = can_i_deploy(session, [(name, versions[0].number)], environment)
            decisions[environment] = asked.decision.to_dict()
        events, _ = audit_rows.list_events(session, entity_key=name, limit=audit_limit)
        return ServiceView(
            service=record,
            live=registry.live_versions(session, service_id=found.id),
            versions=versions,
            contracts=contract_service.list_contracts(session, name),
            consumers=[e for e in edges if e.provider == name],
            providers=[e for e in edges if e.consumer == name],
            decisions=decisions,
            audit=events,
        )


@dataclass(frozen=True)
class ContractView:
    detail: contract_service.ContractDetail
    consumers: list[integrations.Consumer]
    #: the versions compared (older, newer) and what changed between them
    compared: tuple[str, str] | None = None
    report: CompatibilityReport | None = None
    deprecated: list[dict[str, Any]] = field(default_factory=list)
    #: each deprecated element of the newest document, with what the usage store saw of it
    usage: list[dict[str, Any]] = field(default_factory=list)


def contract_view(
    store: Store, service: str, name: str, older: str | None = None, newer: str | None = None,
    today: dt.date | None = None,
) -> ContractView:  # fmt: skip
    """A contract with its versions and its consumers' current versions (live somewhere, or
    a consumer's newest); with two versions, the report of going
    from ``older`` to ``newer`` under the contract's mode (findings with suggestions)."""
    with store.session() as session:
        detail = contract_service.detail(session, service, name)
        found = integrations.consumers(session, service, name, current=True)
        consumers = next((c.consumers for c in found.contracts if c.contract == name), [])
        deprecated = _deprecated_uses(consumers)
        usage = _usage(session, service, name, today or dt.datetime.now(dt.UTC).date())
        if not (older and newer):
            return ContractView(detail, consumers, deprecated=deprecated, usage=usage)
        numbers = [v.version for v in detail.versions]
        for wanted in (older, newer):
            if wanted not in numbers:
                raise NotFound(
                    f"{service}/{name} has no version {wanted!r}",
                    where="version",
                    hint="pick versions from the contract's list",
                )
        if older == newer:
            raise InvalidInput("pick two different versions to compare", where="version")
        svc = registry.get_service(session, service)
        contract = contract_rows.get_contract(session, svc, name)
        stored = {number: cv for cv, number in contract_rows.versions(session, contract)}
        sides = ((older, stored[older]), (newer, stored[newer]))
        named = tuple((n, cv.blob_sha256, cv.filename or f"{name}@{n}") for n, cv in sides)
        key = (contract.kind, contract.mode, named)
        report = _DIFFS.get(key)
        if report is None:
            base, proposed = (
                Registered(n, contract_rows.content(session, sha) or "", filename)
                for n, sha, filename in named
            )
            source = Source(proposed.content, proposed.filename)
            engine = engine_for(source, None, contract.kind)
            report = judge(engine, source, [base], parse_mode(contract.mode))
            if len(_DIFFS) >= _DIFFS_KEPT:
                _DIFFS.pop(next(iter(_DIFFS)), None)  # the oldest
            _DIFFS[key] = report
        return ContractView(detail, consumers, (older, newer), report, deprecated, usage)


def _usage(session: Session, service: str, name: str, today: dt.date) -> list[dict[str, Any]]:
    return [
        {
            "element": d.element, "field": d.field, "sunset": d.sunset,
            "users": [
                {"consumer": u.consumer, "amount": u.amount, "lastUsed": _day(u.last_used)}
                for u in d.users
            ],
        }
        for d in deprecation_usage.report(session, today, USAGE_DAYS, [service])
        if d.contract == name
    ]  # fmt: skip


#: (kind, mode, (version, blob, file name) of the older and the newer) -> the report of going
#: from one to the other. Blobs are addressed by their content's hash, so a stored diff never
#: changes: the contract page judges each pair of versions once per process.
_DIFFS: dict[tuple[str, str, tuple[tuple[str, str, str], ...]], CompatibilityReport] = {}
_DIFFS_KEPT = 256


def _deprecated_uses(consumers: list[integrations.Consumer]) -> list[dict[str, Any]]:
    out = []
    for consumer in consumers:
        for version in consumer.versions:
            for use in version.deprecated_uses:
                out.append({"consumer": consumer.service, "version": version.version, **use})
    return out


@dataclass(frozen=True)
class Deprecation:
    provider: str
    contract: str
    element: str
    field: str | None
    sunset: str | None
    overdue: bool
    #: "consumer version" still using it, and where each is live
    users: list[dict[str, Any]]
    #: what the usage store saw over the last 30 days: per consumer, how much and when last
    usage: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def deprecations(store: Store, today: dt.date) -> list[Deprecation]:
    """Every deprecated element a current consumer version (live somewhere, or a consumer's
    newest) still uses, across the estate, with its sunset and whether that has passed, and
    what the usage store saw of it (an element nobody's expectation names but traffic still
    reaches is listed too); overdue first, then by sunset."""
    found: dict[tuple[str, str, str, str | None], Deprecation] = {}
    with store.session() as session:
        providers = rows.providers_with_deprecations(session)
        for provider in providers:
            for entry in integrations.consumers(session, provider, current=True).contracts:
                for consumer in entry.consumers:
                    for version in consumer.versions:
                        for use in version.deprecated_uses:
                            key = (provider, entry.contract, use["element"], use.get("field"))
                            sunset = use.get("sunset")
                            if key not in found:
                                overdue = bool(sunset) and str(sunset) < today.isoformat()
                                found[key] = Deprecation(
                                    provider, entry.contract, use["element"], use.get("field"),
                                    sunset, overdue, [],
                                )  # fmt: skip
                            found[key].users.append(
                                {
                                    "consumer": consumer.service,
                                    "owner": consumer.owner,
                                    "version": version.version,
                                    "live": version.live,
                                }
                            )
        for used in deprecation_usage.report(session, today, USAGE_DAYS, providers):
            _add_usage(found, used, today)
    return sorted(
        found.values(),
        key=lambda d: (not d.overdue, d.sunset or "9999", d.provider, d.contract, d.element),
    )


#: The deprecation pages count usage over this many days.
USAGE_DAYS = 30


def _add_usage(
    found: dict[tuple[str, str, str, str | None], Deprecation],
    used: deprecation_usage.Deprecated,
    today: dt.date,
) -> None:
    """Attach the usage of one deprecated element to the entries it covers: the same
    element, or a response of that operation (``GET /cases/{id}`` covers ``GET
    /cases/{id} 200``), with the same field. Used but covered by none: a new entry."""
    usage = [
        {"consumer": u.consumer, "amount": u.amount, "lastUsed": _day(u.last_used)}
        for u in used.users
        if u.amount > 0 or u.last_used is not None
    ]
    if not usage:
        return
    field_name = (used.field or "").lstrip("/")
    covered = [
        d for (provider, contract, element, f), d in found.items()
        if (provider, contract) == (used.provider, used.contract)
        and (element == used.element or element.startswith(used.element + " "))
        and (f or "").lstrip("/") == field_name
    ]  # fmt: skip
    for entry in covered:
        entry.usage.extend(u for u in usage if u not in entry.usage)
    if not covered:
        overdue = bool(used.sunset) and str(used.sunset) < today.isoformat()
        key = (used.provider, used.contract, used.element, used.field)
        found[key] = Deprecation(
            used.provider, used.contract, used.element, used.field, used.sunset, overdue, [],
            usage,
        )  # fmt: skip


def _day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()
