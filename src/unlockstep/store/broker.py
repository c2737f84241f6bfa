"""Queries and row writes behind the Pact Broker API: Pact files, branches and tags of
versions, main branches, environment display names, and deployments read by id.

Reads return plain records; ``services.broker`` decides, writes through these and audits."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from unlockstep.core.broker import Candidate
from unlockstep.store.broker_tables import (
    BrokerEnvironment,
    BrokerService,
    PacticipantLabel,
    PactRow,
    VersionBranch,
    VersionTag,
)
from unlockstep.store.expectation_tables import VerificationRow
from unlockstep.store.tables import Deployment, Environment, Service, Version, utcnow


@dataclass(frozen=True, slots=True)
class PactRecord:
    consumer: str
    consumer_version: str
    provider: str
    sha: str
    content: dict[str, Any]
    created_at: datetime
    branches: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LiveRecord:
    """A deployed or released version, with its row id (its UUID derives from it)."""

    id: int
    service: str
    version: str
    environment_id: int
    environment: str
    kind: str
    instance: str | None
    started_at: datetime
    ended_at: datetime | None


# -- services and environments ----------------------------------------------------------


def broker_service(session: Session, service_id: int) -> BrokerService | None:
    return session.get(BrokerService, service_id)


def main_branches(session: Session, service_ids: list[int]) -> dict[int, str | None]:
    if not service_ids:
        return {}
    rows = session.execute(
        select(BrokerService.service_id, BrokerService.main_branch).where(
            BrokerService.service_id.in_(service_ids)
        )
    )
    return {sid: branch for sid, branch in rows}


def set_service_details(
    session: Session, service_id: int, *, main_branch: str | None, display_name: str | None
) -> bool:
    """Set what is given (``None`` keeps the value); whether anything changed."""
    row = session.get(BrokerService, service_id)
    if row is None:
        row = BrokerService(service_id=service_id)
        session.add(row)
    changed = False
    for field, value in (("main_branch", main_branch), ("display_name", display_name)):
        if value is not None and getattr(row, field) != value:
            setattr(row, field, value)
            changed = True
    session.flush()
    return changed


def environment_display_name(session: Session, environment_id: int) -> str | None:
    row = session.get(BrokerEnvironment, environment_id)
    return row.display_name if row else None


def set_environment_display_name(session: Session, environment_id: int, name: str | None) -> None:
    row = session.get(BrokerEnvironment, environment_id)
    if row is None:
        session.add(BrokerEnvironment(environment_id=environment_id, display_name=name))
    else:
        row.display_name = name
    session.flush()


# -- branches and tags -------------------------------------------------------------------


def add_branch(session: Session, version: Version, name: str) -> bool:
    """Put the version on the branch; whether it was not on it yet."""
    found = session.scalar(
        select(VersionBranch.id).where(
            VersionBranch.version_id == version.id, VersionBranch.name == name
        )
    )
    if found is not None:
        return False
    session.add(VersionBranch(service_id=version.service_id, version_id=version.id, name=name))
    if version.branch is None:
        version.branch = name
    session.flush()
    return True


def add_tag(session: Session, version: Version, name: str) -> bool:
    found = session.scalar(
        select(VersionTag.id).where(VersionTag.version_id == version.id, VersionTag.name == name)
    )
    if found is not None:
        return False
    session.add(VersionTag(service_id=version.service_id, version_id=version.id, name=name))
    session.flush()
    return True


def add_label(session: Session, service_id: int, name: str) -> bool:
    """Label the service; False when it already was."""
    found = session.scalar(
        select(PacticipantLabel.id).where(
            PacticipantLabel.service_id == service_id, PacticipantLabel.name == name
        )
    )
    if found is not None:
        return False
    session.add(PacticipantLabel(service_id=service_id, name=name))
    session.flush()
    return True


def remove_label(session: Session, service_id: int, name: str) -> bool:
    found = session.scalars(
        select(PacticipantLabel).where(
            PacticipantLabel.service_id == service_id, PacticipantLabel.name == name
        )
    ).first()
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True


def labels_of(session: Session, service_ids: list[int] | None = None) -> dict[int, list[str]]:
    """service id -> its labels, sorted (every service's when ``service_ids`` is None)."""
    query = select(PacticipantLabel.service_id, PacticipantLabel.name).order_by(
        PacticipantLabel.name
    )
    if service_ids is not None:
        query = query.where(PacticipantLabel.service_id.in_(service_ids))
    out: dict[int, list[str]] = defaultdict(list)
    for service_id, name in session.execute(query):
        out[service_id].append(name)
    return out


def labelled(session: Session, name: str) -> list[int]:
    """The ids of the services labelled ``name``."""
    return list(
        session.scalars(select(PacticipantLabel.service_id).where(PacticipantLabel.name == name))
    )


def remove_branch(session: Session, service_id: int, name: str) -> int:
    """Take every version of the service off the branch (the versions stay); how many."""
    rows = list(
        session.scalars(
            select(VersionBranch).where(
                VersionBranch.service_id == service_id, VersionBranch.name == name
            )
        )
    )
    for row in rows:
        session.delete(row)
    for version in session.scalars(
        select(Version).where(Version.service_id == service_id, Version.branch == name)
    ):
        version.branch = None
    session.flush()
    return len(rows)


def remove_tag(session: Session, version_id: int, name: str) -> bool:
    row = session.scalar(
        select(VersionTag).where(VersionTag.version_id == version_id, VersionTag.name == name)
    )
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def branches_of(session: Session, version_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if version_ids:
        rows = session.execute(
            select(VersionBranch.version_id, VersionBranch.name)
            .where(VersionBranch.version_id.in_(version_ids))
            .order_by(VersionBranch.id)
        )
        for vid, name in rows:
            found[vid].append(name)
    return found


def tags_of(session: Session, version_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if version_ids:
        rows = session.execute(
            select(VersionTag.version_id, VersionTag.name)
            .where(VersionTag.version_id.in_(version_ids))
            .order_by(VersionTag.id)
        )
        for vid, name in rows:
            found[vid].append(name)
    return found


def _newest(query: Any) -> Any:
    return query.order_by(Version.created_at.desc(), Version.id.desc()).limit(1)


def latest_version(
    session: Session,
    service_id: int,
    *,
    branch: str | None = None,
    tag: str | None = None,
) -> Version | None:
    """The newest version of the service, optionally on a branch or with a tag."""
    query = select(Version).where(Version.service_id == service_id)
    if branch is not None:
        query = query.join(VersionBranch, VersionBranch.version_id == Version.id).where(
            VersionBranch.name == branch
        )
    if tag is not None:
        query = query.join(VersionTag, VersionTag.version_id == Version.id).where(
            VersionTag.name == tag
        )
    found: Version | None = session.scalar(_newest(query))
    return found


def version_count(session: Session, service_id: int) -> int:
    return session.scalar(select(func.count()).where(Version.service_id == service_id)) or 0


# -- pacts -------------------------------------------------------------------------------


def find_pact(session: Session, consumer_version_id: int, provider_id: int) -> PactRow | None:
    return session.scalar(
        select(PactRow).where(
            PactRow.consumer_version_id == consumer_version_id,
            PactRow.provider_service_id == provider_id,
        )
    )


def save_pact(
    session: Session,
    *,
    consumer_id: int,
    consumer_version_id: int,
    provider_id: int,
    expectation_id: int,
    content: dict[str, Any],
    sha: str,
) -> tuple[PactRow, bool]:
    """Store the Pact file; whether its content is new for this consumer version."""
    row = find_pact(session, consumer_version_id, provider_id)
    if row is not None and row.sha == sha:
        return row, False
    if row is None:
        row = PactRow(
            consumer_service_id=consumer_id,
            consumer_version_id=consumer_version_id,
            provider_service_id=provider_id,
        )
        session.add(row)
    row.expectation_id, row.content, row.sha, row.created_at = (
        expectation_id,
        content,
        sha,
        utcnow(),
    )
    session.flush()
    return row, True


_PACT_COLUMNS = (
    PactRow.id,
    PactRow.consumer_version_id,
    PactRow.sha,
    PactRow.content,
    PactRow.created_at,
    Version.number,
    Version.created_at.label("version_created_at"),
)


def pacts_of_provider(
    session: Session, provider_id: int, consumer_id: int | None = None
) -> list[tuple[str, Any]]:
    """(consumer name, row) of every pact published for the provider, newest version first."""
    consumer = Service.__table__.alias("consumer")
    query = (
        select(consumer.c.name, *_PACT_COLUMNS)
        .join(Version, Version.id == PactRow.consumer_version_id)
        .join(consumer, consumer.c.id == PactRow.consumer_service_id)
        .where(PactRow.provider_service_id == provider_id)
        .order_by(Version.created_at.desc(), Version.id.desc())
    )
    if consumer_id is not None:
        query = query.where(PactRow.consumer_service_id == consumer_id)
    return [(row[0], row) for row in session.execute(query)]


def latest_pacts(session: Session) -> list[tuple[str, str, Any]]:
    """(consumer, provider, row) of the newest pact of every integration."""
    consumer = Service.__table__.alias("consumer")
    provider = Service.__table__.alias("provider")
    rows = session.execute(
        select(consumer.c.name, provider.c.name, *_PACT_COLUMNS)
        .join(Version, Version.id == PactRow.consumer_version_id)
        .join(consumer, consumer.c.id == PactRow.consumer_service_id)
        .join(provider, provider.c.id == PactRow.provider_service_id)
        .order_by(consumer.c.name, provider.c.name, Version.created_at.desc(), Version.id.desc())
    )
    seen: set[tuple[str, str]] = set()
    out = []
    for row in rows:
        key = (row[0], row[1])
        if key not in seen:
            seen.add(key)
            out.append((row[0], row[1], row))
    return out


def pact_by_sha(session: Session, provider_id: int, consumer_id: int, sha: str) -> PactRow | None:
    found: PactRow | None = session.scalar(
        select(PactRow)
        .where(
            PactRow.provider_service_id == provider_id,
            PactRow.consumer_service_id == consumer_id,
            PactRow.sha == sha,
        )
        .order_by(PactRow.id.desc())
        .limit(1)
    )
    return found


def pact_contents(session: Session, provider_id: int, shas: set[str]) -> dict[str, Any]:
    """The Pact content of each of ``shas`` (one provider's; the same content has one sha)."""
    if not shas:
        return {}
    found = session.execute(
        select(PactRow.sha, PactRow.content).where(
            PactRow.provider_service_id == provider_id, PactRow.sha.in_(sorted(shas))
        )
    )
    return {sha: content for sha, content in found}


def versions_with_sha(session: Session, provider_id: int, consumer_id: int, sha: str) -> list[int]:
    """Consumer version ids whose pact with the provider has this content."""
    return list(
        session.scalars(
            select(PactRow.consumer_version_id).where(
                PactRow.provider_service_id == provider_id,
                PactRow.consumer_service_id == consumer_id,
                PactRow.sha == sha,
            )
        )
    )


# -- deployments -------------------------------------------------------------------------


def _live_query() -> Any:
    return (
        select(Deployment, Service.name, Version.number, Environment.name)
        .join(Service, Service.id == Deployment.service_id)
        .join(Version, Version.id == Deployment.version_id)
        .join(Environment, Environment.id == Deployment.environment_id)
    )


def _live_record(row: Any) -> LiveRecord:
    dep, service, number, env = row
    return LiveRecord(
        dep.id, service, number, dep.environment_id, env, dep.kind, dep.instance or None,
        dep.started_at, dep.ended_at,
    )  # fmt: skip


def deployment(session: Session, deployment_id: int, kind: str) -> LiveRecord | None:
    row = session.execute(
        _live_query().where(Deployment.id == deployment_id, Deployment.kind == kind)
    ).first()
    return _live_record(row) if row else None


def live_in(
    session: Session,
    environment_id: int,
    kind: str,
    *,
    service_id: int | None = None,
    version_id: int | None = None,
    instance: str | None = None,
) -> list[LiveRecord]:
    query = _live_query().where(
        Deployment.environment_id == environment_id,
        Deployment.kind == kind,
        Deployment.ended_at.is_(None),
    )
    if service_id is not None:
        query = query.where(Deployment.service_id == service_id)
    if version_id is not None:
        query = query.where(Deployment.version_id == version_id)
    if instance is not None:
        query = query.where(Deployment.instance == instance)
    return [_live_record(r) for r in session.execute(query.order_by(Deployment.id))]


def live_of_version(session: Session, version_id: int) -> list[LiveRecord]:
    query = _live_query().where(Deployment.version_id == version_id, Deployment.ended_at.is_(None))
    return [_live_record(r) for r in session.execute(query.order_by(Deployment.id))]


# -- pacts for verification ------------------------------------------------------------------


def verification_candidates(session: Session, provider_id: int) -> list[Candidate]:
    """Every pact published for the provider as ``core.broker.Candidate`` values."""
    consumer = Service.__table__.alias("consumer")
    rows = session.execute(
        select(
            consumer.c.name,
            PactRow.consumer_service_id,
            PactRow.consumer_version_id,
            Version.number,
            PactRow.sha,
            PactRow.created_at,
        )
        .join(Version, Version.id == PactRow.consumer_version_id)
        .join(consumer, consumer.c.id == PactRow.consumer_service_id)
        .where(PactRow.provider_service_id == provider_id)
        .order_by(consumer.c.name, Version.created_at, Version.id)
    ).all()
    version_ids = [r.consumer_version_id for r in rows]
    branches = branches_of(session, version_ids)
    tags = tags_of(session, version_ids)
    mains = main_branches(session, sorted({r.consumer_service_id for r in rows}))
    live: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if version_ids:
        for vid, env, kind in session.execute(
            select(Deployment.version_id, Environment.name, Deployment.kind)
            .join(Environment, Environment.id == Deployment.environment_id)
            .where(Deployment.version_id.in_(version_ids), Deployment.ended_at.is_(None))
        ):
            live[vid].append((env, kind))
    return [
        Candidate(
            consumer=r.name,
            version=r.number,
            sha=r.sha,
            created_at=r.created_at,
            order=order,
            branches=tuple(branches.get(r.consumer_version_id, [])),
            tags=tuple(tags.get(r.consumer_version_id, [])),
            live=tuple(live.get(r.consumer_version_id, [])),
            main_branch=mains.get(r.consumer_service_id),
        )
        for order, r in enumerate(rows)
    ]


def verified_shas(session: Session, provider_id: int, branch: str | None) -> set[str]:
    """Pact contents a build of the provider verified successfully (on ``branch``, when
    given); computed (static) checks are not a build's verification."""
    query = (
        select(PactRow.sha)
        .join(
            VerificationRow,
            (VerificationRow.expectation_id == PactRow.expectation_id)
            & (VerificationRow.consumer_version_id == PactRow.consumer_version_id),
        )
        .where(
            PactRow.provider_service_id == provider_id,
            VerificationRow.status == "verified",
            VerificationRow.source != "static",
        )
        .distinct()
    )
    if branch:
        query = query.join(
            VersionBranch, VersionBranch.version_id == VerificationRow.provider_version_id
        ).where(VersionBranch.name == branch)
    return set(session.scalars(query))
