"""The replay check: before a consumer version deploys, can it read every event schema
version still inside its topics' retention, in an environment?

What was published when comes from the registry: the provider versions deployed (or
released) in the environment at any time inside the window, each with the contract document
it published. When the registry knows no deployment of the provider there, the contract's
publications stand in: every document published inside the window and the one current at
its start. The retention comes from ``--retention`` or the AsyncAPI document (Kafka
``retention.ms``); judged in ``core.safety``: the contract's kind says whether the consumer's
reader schema is resolved (Avro, Protobuf) or its expectation verified (AsyncAPI, JSON Schema).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from unlockstep.core import contracts
from unlockstep.core import safety as core
from unlockstep.errors import NotFound
from unlockstep.store import Store, contract_documents, registry
from unlockstep.store.contract_tables import Contract, ContractVersion
from unlockstep.store.expectation_tables import ExpectationRow
from unlockstep.store.tables import Deployment, Service, Version


def check(
    store: Store,
    consumer: str,
    version: str,
    environment: str,
    *,
    retention_seconds: float | None = None,
    now: datetime | None = None,
) -> list[core.Replay]:
    """One answer per event contract the consumer version expects."""
    now = now or datetime.now(UTC)
    with store.session() as session:
        service = registry.get_service(session, consumer)
        found = registry.get_version(session, service, version)
        env = registry.get_environment(session, environment)
        rows = session.execute(
            select(ExpectationRow, Service)
            .join(Service, Service.id == ExpectationRow.provider_service_id)
            .where(ExpectationRow.consumer_version_id == found.id, ExpectationRow.kind == "event")
            .order_by(Service.name, ExpectationRow.contract)
        ).all()
        if not rows:
            raise NotFound(
                f"{consumer} {version} has no event expectations in the registry",
                hint="publish what it reads first (unlockstep expectation publish)",
            )
        return [
            _one(
                session,
                contracts.parse(e.body),
                e.contract,
                provider,
                env.id,
                retention_seconds,
                now,
            )
            for e, provider in rows
        ]


def _one(
    session: Session,
    expectation: contracts.Expectation,
    contract: str,
    provider: Service,
    environment_id: int,
    retention_seconds: float | None,
    now: datetime,
) -> core.Replay:
    latest = contract_documents.latest(session, provider.id, contract)
    retention = retention_seconds or (core.retention_of(latest[1]) if latest else None)
    if retention is None:
        return core.judge_replay(expectation, contract, provider.name, [], None, None)
    start = now - timedelta(seconds=retention)
    published = _deployed(session, provider.id, contract, environment_id, start)
    if published is None:
        published = _publications(session, provider.id, contract, start)
    kind = session.scalar(
        select(Contract.kind).where(Contract.service_id == provider.id, Contract.name == contract)
    )
    typed = [replace(p, kind=kind or "") for p in published]
    return core.judge_replay(expectation, contract, provider.name, typed, retention, start)


def _deployed(
    session: Session, provider_id: int, contract: str, environment_id: int, start: datetime
) -> list[core.Published] | None:
    """Provider versions live in the environment at some time since ``start`` (``None``: the
    registry knows no deployment of the provider there)."""
    any_known = session.scalar(
        select(Deployment.id)
        .where(Deployment.service_id == provider_id, Deployment.environment_id == environment_id)
        .limit(1)
    )
    if any_known is None:
        return None
    live = session.execute(
        select(Deployment.started_at, Deployment.ended_at, Version.number)
        .join(Version, Version.id == Deployment.version_id)
        .where(
            Deployment.service_id == provider_id,
            Deployment.environment_id == environment_id,
            or_(Deployment.ended_at.is_(None), Deployment.ended_at >= start),
        )
        .order_by(Deployment.started_at)
    ).all()
    out = []
    for since, until, number in live:
        document = contract_documents.document(session, provider_id, contract, number)
        if document is not None:
            out.append(core.Published(number, document, _utc(since), _aware(until)))
    return out


def _publications(
    session: Session, provider_id: int, contract: str, start: datetime
) -> list[core.Published]:
    rows = session.execute(
        select(ContractVersion.published_at, Version.number)
        .join(Contract, Contract.id == ContractVersion.contract_id)
        .join(Version, Version.id == ContractVersion.version_id)
        .where(Contract.service_id == provider_id, Contract.name == contract)
        .order_by(ContractVersion.published_at, ContractVersion.id)
    ).all()
    out: list[core.Published] = []
    for index, (at, number) in enumerate(rows):
        following = rows[index + 1][0] if index + 1 < len(rows) else None
        if following is not None and _utc(following) < start:
            continue  # superseded before the window opened
        document = contract_documents.document(session, provider_id, contract, number)
        until = _utc(following) if following is not None else None
        out.append(core.Published(number, document, _utc(at), until))
    return out


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
