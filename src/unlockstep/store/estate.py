"""Estate-wide queries for the dashboard: every service with its owner, every edge between
services (from expectations and from the catalog's declared relations), and what is live
where. A handful of set queries, whatever the size of the estate."""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from unlockstep.store.contract_tables import Contract, ContractBlob, ContractVersion
from unlockstep.store.expectation_tables import ExpectationRow
from unlockstep.store.tables import Dependency, Deployment, Environment, Service, Team, Version


class ServiceRow(NamedTuple):
    name: str
    owner: str | None
    system: str | None
    tier: int | None
    lifecycle: str | None


class Edge(NamedTuple):
    """``consumer`` uses ``provider`` (through ``via``: a contract or a catalog relation)."""

    consumer: str
    provider: str
    via: str
    evidence: str  # expectation | catalog


def services(session: Session) -> list[ServiceRow]:
    rows = session.execute(
        select(Service.name, Team.name, Service.system, Service.tier, Service.lifecycle)
        .outerjoin(Team, Team.id == Service.team_id)
        .order_by(Service.name)
    )
    return [ServiceRow(*row) for row in rows]


def edges(session: Session, service: str | None = None) -> list[Edge]:
    """Consumer → provider edges, one per (consumer, provider, contract or relation);
    with ``service``, only those it is at one end of (read as such: a service page does
    not read the whole estate's edges)."""
    consumer, provider = aliased(Service), aliased(Service)
    found: set[Edge] = set()
    query = select(
        ExpectationRow.consumer_service_id,
        ExpectationRow.provider_service_id,
        ExpectationRow.contract,
    ).distinct()
    if service is not None:
        one = select(Service.id).where(Service.name == service).scalar_subquery()
        query = query.where(
            (ExpectationRow.consumer_service_id == one)
            | (ExpectationRow.provider_service_id == one)
        )
    pairs = session.execute(query).all()
    ids = select(Service.id, Service.name)
    if service is not None:
        ids = ids.where(Service.id.in_({i for p in pairs for i in p[:2]}))
    names: dict[int, str] = {id_: name for id_, name in session.execute(ids)}
    for consumer_id, provider_id, contract in pairs:
        found.add(Edge(names[consumer_id], names[provider_id], contract, "expectation"))
    # the catalog: dependsOn component:x, and consumesApi a that another service provides
    declared_query = (
        select(consumer.name, Dependency.target_name)
        .select_from(Dependency)
        .join(consumer, consumer.id == Dependency.service_id)
        .join(provider, provider.name == Dependency.target_name)  # a known service
        .where(Dependency.relation == "depends_on", Dependency.target_kind == "component")
    )
    provides = aliased(Dependency)
    api_query = (
        select(consumer.name, provider.name, Dependency.target_name)
        .select_from(Dependency)
        .join(consumer, consumer.id == Dependency.service_id)
        .join(
            provides,
            (provides.target_name == Dependency.target_name)
            & (provides.target_kind == "api")
            & (provides.relation == "provides_api"),
        )
        .join(provider, provider.id == provides.service_id)
        .where(Dependency.relation == "consumes_api", Dependency.target_kind == "api")
    )
    if service is not None:
        either = (consumer.name == service) | (provider.name == service)
        declared_query, api_query = declared_query.where(either), api_query.where(either)
    for name, target in session.execute(declared_query):
        if target != name:
            found.add(Edge(name, target, "dependsOn", "catalog"))
    for name, target, api in session.execute(api_query):
        if target != name:
            found.add(Edge(name, target, f"api:{api}", "catalog"))
    return sorted(found)


def providers_with_deprecations(session: Session) -> list[str]:
    """Services that have published a contract document mentioning ``deprecated`` at all:
    only their consumers can use a deprecated element (a cheap filter before parsing)."""
    rows = session.scalars(
        select(Service.name)
        .select_from(ContractVersion)
        .join(Contract, Contract.id == ContractVersion.contract_id)
        .join(Service, Service.id == Contract.service_id)
        .join(ContractBlob, ContractBlob.sha256 == ContractVersion.blob_sha256)
        .where(ContractBlob.content.contains("deprecated"))
        .distinct()
        .order_by(Service.name)
    )
    return list(rows)


def live(session: Session, services: list[str] | None = None) -> dict[str, dict[str, list[str]]]:
    """service -> environment -> the version numbers live there (deployed or released), for
    ``services`` (every service when ``None``)."""
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    query = (
        select(Service.name, Environment.name, Version.number)
        .select_from(Deployment)
        .join(Service, Service.id == Deployment.service_id)
        .join(Environment, Environment.id == Deployment.environment_id)
        .join(Version, Version.id == Deployment.version_id)
        .where(Deployment.ended_at.is_(None))
        .order_by(Service.name, Environment.name, Version.created_at, Version.id)
    )
    if services is not None:
        query = query.where(Service.name.in_(services))
    for service, environment, number in session.execute(query):
        numbers = out[service][environment]
        if number not in numbers:
            numbers.append(number)
    return {service: dict(envs) for service, envs in out.items()}


def contracts(session: Session) -> dict[str, list[tuple[str, str]]]:
    """service -> its contracts as (name, kind), by name."""
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    rows = session.execute(
        select(Service.name, Contract.name, Contract.kind)
        .join(Service, Service.id == Contract.service_id)
        .order_by(Service.name, Contract.name)
    )
    for service, name, kind in rows:
        out[service].append((name, kind))
    return dict(out)


def environments(session: Session) -> list[str]:
    return list(session.scalars(select(Environment.name).order_by(Environment.name)))
