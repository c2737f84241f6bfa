"""Queries and row writes for teams, services, environments, versions and deployments.

Reads return plain records (frozen dataclasses), never API-shaped dicts; the use cases in
``unlockstep.services.registry`` decide, write through these functions and audit.
``upsert_version`` is the one write that audits here, because the contract and expectation
stores create provider and consumer versions through it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from unlockstep.core.registry import name_problem, version_problem
from unlockstep.errors import InvalidInput, NotFound
from unlockstep.store import audit
from unlockstep.store.tables import (
    Deployment,
    Environment,
    Service,
    Team,
    Version,
    utcnow,
)

TIERS = (1, 2, 3)
#: What a write did.
Outcome = Literal["created", "updated", "unchanged"]


def check_name(value: str, what: str) -> str:
    problem = name_problem(value, what)
    if problem:
        raise InvalidInput(problem, where=what)
    return value


def check_version(value: str) -> str:
    problem = version_problem(value)
    if problem:
        raise InvalidInput(problem, where="version")
    return value


def snapshot(record: Any) -> dict[str, Any]:
    """A record as the audit trail keeps it (JSON values)."""
    data = asdict(record)
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}


# -- records -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TeamRecord:
    name: str
    display_name: str | None
    description: str | None
    email: str | None
    parent: str | None


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    name: str
    owner: str | None
    tier: int | None
    lifecycle: str | None
    type: str | None
    system: str | None
    repository_url: str | None
    description: str | None


@dataclass(frozen=True, slots=True)
class EnvironmentRecord:
    name: str
    production: bool
    description: str | None


@dataclass(frozen=True, slots=True)
class VersionRecord:
    service: str
    number: str
    branch: str | None
    build_url: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DeploymentRecord:
    service: str
    version: str
    environment: str
    instance: str | None
    kind: str
    started_at: datetime
    ended_at: datetime | None


def team_record(team: Team) -> TeamRecord:
    return TeamRecord(team.name, team.display_name, team.description, team.email, team.parent)


def service_record(service: Service, owner: str | None) -> ServiceRecord:
    return ServiceRecord(
        service.name,
        owner,
        service.tier,
        service.lifecycle,
        service.type,
        service.system,
        service.repository_url,
        service.description,
    )


def environment_record(env: Environment) -> EnvironmentRecord:
    return EnvironmentRecord(env.name, env.production, env.description)


def version_record(version: Version, service: str) -> VersionRecord:
    return VersionRecord(
        service, version.number, version.branch, version.build_url, version.created_at
    )


def deployment_record(dep: Deployment, service: str, version: str, env: str) -> DeploymentRecord:
    return DeploymentRecord(
        service, version, env, dep.instance or None, dep.kind, dep.started_at, dep.ended_at
    )


# -- teams -------------------------------------------------------------------------------


def find_team(session: Session, name: str) -> Team | None:
    return session.scalar(select(Team).where(Team.name == name))


def get_team(session: Session, name: str) -> Team:
    team = find_team(session, name)
    if team is None:
        raise NotFound(f"team {name!r} is not registered", hint="create it or import the catalog")
    return team


def list_teams(session: Session) -> list[TeamRecord]:
    return [team_record(t) for t in session.scalars(select(Team).order_by(Team.name))]


def assign(row: Any, fields: dict[str, Any]) -> bool:
    """Set ``fields`` on ``row``; whether anything changed."""
    changed = False
    for field, value in fields.items():
        if getattr(row, field) != value:
            setattr(row, field, value)
            changed = True
    return changed


# -- services ----------------------------------------------------------------------------


def owner_name(session: Session, service: Service) -> str | None:
    if service.team_id is None:
        return None
    return session.scalar(select(Team.name).where(Team.id == service.team_id))


def find_service(session: Session, name: str, *, lock: bool = False) -> Service | None:
    """The service called ``name``; with ``lock``, its row is locked until the unit of work
    ends (``FOR UPDATE`` on PostgreSQL) and read afresh, so its owner cannot change under a
    write that checked it."""
    query = select(Service).where(Service.name == name)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


def get_service(session: Session, name: str, *, lock: bool = False) -> Service:
    service = find_service(session, name, lock=lock)
    if service is None:
        raise NotFound(
            f"service {name!r} is not registered",
            where="service",
            hint="list services with `unlockstep services list`, or import the catalog",
        )
    return service


def list_services(
    session: Session, *, owner: str | None = None, offset: int = 0, limit: int = 50
) -> tuple[list[ServiceRecord], int]:
    query = select(Service, Team.name).outerjoin(Team, Team.id == Service.team_id)
    if owner:
        query = query.where(Team.name == owner)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(Service.name).offset(offset).limit(limit)).all()
    return [service_record(s, team) for s, team in rows], total


def recent_versions(session: Session, service: Service, limit: int = 20) -> list[VersionRecord]:
    rows = session.scalars(
        select(Version)
        .where(Version.service_id == service.id)
        .order_by(Version.created_at.desc(), Version.id.desc())
        .limit(limit)
    )
    return [version_record(v, service.name) for v in rows]


# -- environments ------------------------------------------------------------------------


def find_environment(session: Session, name: str) -> Environment | None:
    return session.scalar(select(Environment).where(Environment.name == name))


def get_environment(session: Session, name: str) -> Environment:
    env = find_environment(session, name)
    if env is None:
        raise NotFound(
            f"environment {name!r} does not exist",
            where="environment",
            hint=f"create it with `unlockstep environments create {name}`",
        )
    return env


def list_environments(session: Session) -> list[EnvironmentRecord]:
    rows = session.scalars(select(Environment).order_by(Environment.name))
    return [environment_record(e) for e in rows]


# -- versions ----------------------------------------------------------------------------


def find_version(session: Session, service: Service, number: str) -> Version | None:
    return session.scalar(
        select(Version).where(Version.service_id == service.id, Version.number == number)
    )


def get_version(session: Session, service: Service, number: str) -> Version:
    version = find_version(session, service, number)
    if version is None:
        raise NotFound(
            f"version {number!r} of {service.name} is not registered",
            where="version",
            hint=f"create it with `unlockstep versions create --service {service.name} {number}`",
        )
    return version


def upsert_version(
    session: Session,
    actor: str,
    service: Service,
    number: str,
    *,
    branch: str | None = None,
    build_url: str | None = None,
) -> tuple[Version, Outcome]:
    """Create or update a version (audited); returns it and ``created``/``updated``/
    ``unchanged``. Fields left ``None`` keep their value."""
    check_version(number)
    key = f"{service.name}/{number}"
    version = find_version(session, service, number)
    if version is None:
        version = Version(
            service_id=service.id,
            number=number,
            branch=branch,
            build_url=build_url,
            created_at=utcnow(),
        )
        session.add(version)
        session.flush()
        after = snapshot(version_record(version, service.name))
        audit.record(session, actor, "version.created", "version", key, None, after)
        return version, "created"
    before = snapshot(version_record(version, service.name))
    fields = {k: v for k, v in (("branch", branch), ("build_url", build_url)) if v is not None}
    if not assign(version, fields):
        return version, "unchanged"
    session.flush()
    after = snapshot(version_record(version, service.name))
    audit.record(session, actor, "version.updated", "version", key, before, after)
    return version, "updated"


# -- deployments -------------------------------------------------------------------------


def live_versions(
    session: Session, *, service_id: int | None = None, environment_id: int | None = None
) -> list[DeploymentRecord]:
    """Versions live now (deployed or released), optionally for one service or environment."""
    query = (
        select(Deployment, Service.name, Version.number, Environment.name)
        .join(Service, Service.id == Deployment.service_id)
        .join(Version, Version.id == Deployment.version_id)
        .join(Environment, Environment.id == Deployment.environment_id)
        .where(Deployment.ended_at.is_(None))
    )
    if service_id is not None:
        query = query.where(Deployment.service_id == service_id)
    if environment_id is not None:
        query = query.where(Deployment.environment_id == environment_id)
    rows = session.execute(query.order_by(Environment.name, Service.name, Deployment.id)).all()
    return [deployment_record(d, s, v, e) for d, s, v, e in rows]


def live_rows(
    session: Session,
    service_id: int,
    environment_id: int,
    *,
    kind: str,
    instance: str | None = None,
) -> list[tuple[Deployment, str]]:
    """The live deployments (or releases) of a service in an environment, with their
    version numbers."""
    query = (
        select(Deployment, Version.number)
        .join(Version, Version.id == Deployment.version_id)
        .where(
            Deployment.service_id == service_id,
            Deployment.environment_id == environment_id,
            Deployment.kind == kind,
            Deployment.ended_at.is_(None),
        )
        .order_by(Deployment.id)
    )
    if instance is not None:
        query = query.where(Deployment.instance == instance)
    return [(d, n) for d, n in session.execute(query).all()]


def version_id(session: Session, service_id: int, number: str) -> int | None:
    return session.scalar(
        select(Version.id).where(Version.service_id == service_id, Version.number == number)
    )


def add_version(session: Session, service_id: int, number: str) -> Version:
    version = Version(service_id=service_id, number=number, created_at=utcnow())
    session.add(version)
    session.flush()
    return version


def add_deployment(
    session: Session,
    service_id: int,
    version_id: int,
    environment_id: int,
    *,
    kind: str,
    instance: str = "",
) -> Deployment:
    dep = Deployment(
        service_id=service_id,
        version_id=version_id,
        environment_id=environment_id,
        instance=instance,
        kind=kind,
        started_at=utcnow(),
    )
    session.add(dep)
    return dep


def end_deployments(session: Session, deployments: Sequence[Deployment], reason: str) -> None:
    """Mark them ended now (flushed, so the unique live index sees it)."""
    now = utcnow()
    for dep in deployments:
        dep.ended_at = now
        dep.ended_reason = reason
    session.flush()
