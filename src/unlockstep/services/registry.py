"""Registry use cases: teams, services, environments, versions, deployments and releases.

Each function runs one unit of work on the store: it gathers rows, checks that the principal
may change them (``services/authz``, after loading and locking the row, so an owner change
cannot land in between), decides what changes, writes, and records the audit event in the
same transaction, so a failed write leaves neither the change nor its audit entry behind.
Results are plain records; the adapters turn them into wire models or text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

from unlockstep.errors import InvalidInput, NotFound
from unlockstep.services import authz
from unlockstep.services.authz import Principal
from unlockstep.store import Store, audit
from unlockstep.store import registry as rows
from unlockstep.store.registry import (
    DeploymentRecord,
    EnvironmentRecord,
    Outcome,
    ServiceRecord,
    TeamRecord,
    VersionRecord,
    snapshot,
)
from unlockstep.store.tables import Deployment, Environment, Service, Team

T = TypeVar("T")

__all__ = [
    "DeploymentRecord",
    "EnvironmentDetail",
    "EnvironmentRecord",
    "Outcome",
    "ServiceDetail",
    "ServiceRecord",
    "TeamRecord",
    "VersionRecord",
    "Written",
]


@dataclass(frozen=True, slots=True)
class Written(Generic[T]):
    """What a write left behind, and whether it created, updated or changed nothing."""

    value: T
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class ServiceDetail:
    service: ServiceRecord
    live: list[DeploymentRecord]
    versions: list[VersionRecord]


@dataclass(frozen=True, slots=True)
class EnvironmentDetail:
    environment: EnvironmentRecord
    live: list[DeploymentRecord]


def check_database(store: Store) -> None:
    """One round trip to the database (the health check); raises when it cannot answer."""
    with store.session() as session:
        session.execute(text("SELECT 1"))


# -- teams -------------------------------------------------------------------------------


def list_teams(store: Store) -> list[TeamRecord]:
    with store.session() as session:
        return rows.list_teams(session)


def save_team(session: Session, actor: str, name: str, **fields: Any) -> tuple[Team, Outcome]:
    """Create or update a team inside an open unit of work (the catalog import uses it)."""
    rows.check_name(name, "team")
    team = rows.find_team(session, name)
    if team is None:
        team = Team(name=name, **fields)
        session.add(team)
        session.flush()
        after = snapshot(rows.team_record(team))
        audit.record(session, actor, "team.created", "team", name, None, after)
        return team, "created"
    before = snapshot(rows.team_record(team))
    if not rows.assign(team, fields):
        return team, "unchanged"
    session.flush()
    after = snapshot(rows.team_record(team))
    audit.record(session, actor, "team.updated", "team", name, before, after)
    return team, "updated"


def put_team(
    store: Store,
    actor: str,
    name: str,
    *,
    display_name: str | None = None,
    description: str | None = None,
    email: str | None = None,
) -> Written[TeamRecord]:
    with store.session() as session:
        team, outcome = save_team(
            session, actor, name, display_name=display_name, description=description, email=email
        )
        return Written(rows.team_record(team), outcome)


# -- services ----------------------------------------------------------------------------


def save_service(
    session: Session,
    actor: str,
    name: str,
    *,
    owner: str | None = None,
    tier: int | None = None,
    **fields: Any,
) -> tuple[Service, Outcome]:
    """Create or update a service inside an open unit of work (the catalog import uses it)."""
    rows.check_name(name, "service")
    if tier is not None and tier not in rows.TIERS:
        raise InvalidInput(f"tier must be 1, 2 or 3, not {tier!r}", where="tier")
    team_id = rows.get_team(session, owner).id if owner else None
    values = {"team_id": team_id, "tier": tier, **fields}
    service = rows.find_service(session, name)
    if service is None:
        service = Service(name=name, **values)
        session.add(service)
        session.flush()
        after = snapshot(rows.service_record(service, owner))
        audit.record(session, actor, "service.created", "service", name, None, after)
        return service, "created"
    before = snapshot(rows.service_record(service, rows.owner_name(session, service)))
    if not rows.assign(service, values):
        return service, "unchanged"
    session.flush()
    after = snapshot(rows.service_record(service, owner))
    audit.record(session, actor, "service.updated", "service", name, before, after)
    return service, "updated"


def _detail(session: Session, service: Service) -> ServiceDetail:
    return ServiceDetail(
        rows.service_record(service, rows.owner_name(session, service)),
        rows.live_versions(session, service_id=service.id),
        rows.recent_versions(session, service),
    )


def put_service(
    store: Store,
    principal: Principal,
    name: str,
    *,
    owner: str | None = None,
    tier: int | None = None,
    lifecycle: str | None = None,
    type: str | None = None,
    system: str | None = None,
    repository_url: str | None = None,
    description: str | None = None,
) -> Written[ServiceDetail]:
    with store.session() as session:
        authz.require_service_write(session, principal, name, owner)
        service, outcome = save_service(
            session,
            principal.name,
            name,
            owner=owner,
            tier=tier,
            lifecycle=lifecycle,
            type=type,
            system=system,
            repository_url=repository_url,
            description=description,
        )
        return Written(_detail(session, service), outcome)


def list_services(
    store: Store, *, owner: str | None = None, offset: int = 0, limit: int = 50
) -> tuple[list[ServiceRecord], int]:
    with store.session() as session:
        return rows.list_services(session, owner=owner, offset=offset, limit=limit)


def show_service(store: Store, name: str) -> ServiceDetail:
    """One service with what is live where and its 20 newest versions."""
    with store.session() as session:
        return _detail(session, rows.get_service(session, name))


# -- environments ------------------------------------------------------------------------


def list_environments(store: Store) -> list[EnvironmentRecord]:
    with store.session() as session:
        return rows.list_environments(session)


def put_environment(
    store: Store, actor: str, name: str, *, production: bool, description: str | None
) -> Written[EnvironmentRecord]:
    rows.check_name(name, "environment")
    with store.session() as session:
        env = rows.find_environment(session, name)
        if env is None:
            env = Environment(name=name, production=production, description=description)
            session.add(env)
            session.flush()
            after = snapshot(rows.environment_record(env))
            audit.record(session, actor, "environment.created", "environment", name, None, after)
            return Written(rows.environment_record(env), "created")
        before = snapshot(rows.environment_record(env))
        if not rows.assign(env, {"production": production, "description": description}):
            return Written(rows.environment_record(env), "unchanged")
        session.flush()
        after = snapshot(rows.environment_record(env))
        audit.record(session, actor, "environment.updated", "environment", name, before, after)
        return Written(rows.environment_record(env), "updated")


def show_environment(store: Store, name: str) -> EnvironmentDetail:
    with store.session() as session:
        env = rows.get_environment(session, name)
        return EnvironmentDetail(
            rows.environment_record(env), rows.live_versions(session, environment_id=env.id)
        )


# -- versions ----------------------------------------------------------------------------


def put_version(
    store: Store,
    principal: Principal,
    service_name: str,
    number: str,
    *,
    branch: str | None = None,
    build_url: str | None = None,
) -> Written[VersionRecord]:
    def work(session: Session) -> Written[VersionRecord]:
        service = authz.service_for_write(session, principal, service_name, what="record versions")
        version, outcome = rows.upsert_version(
            session, principal.name, service, number, branch=branch, build_url=build_url
        )
        return Written(rows.version_record(version, service_name), outcome)

    return store.retrying(work)


def show_version(store: Store, service_name: str, number: str) -> VersionRecord:
    with store.session() as session:
        service = rows.get_service(session, service_name)
        return rows.version_record(rows.get_version(session, service, number), service_name)


# -- deployments -------------------------------------------------------------------------


def _deployment_key(service: str, env: str, instance: str) -> str:
    return f"{service}/{env}" + (f"/{instance}" if instance else "")


def _ensure_version(
    session: Session, actor: str, service_id: int, service_name: str, number: str
) -> int:
    rows.check_version(number)
    found = rows.version_id(session, service_id, number)
    if found is not None:
        return found
    version = rows.add_version(session, service_id, number)
    after = snapshot(rows.version_record(version, service_name))
    key = f"{service_name}/{number}"
    audit.record(session, actor, "version.created", "version", key, None, after)
    return version.id


def record_deployment(
    store: Store,
    principal: Principal,
    service_name: str,
    number: str,
    env_name: str,
    *,
    instance: str | None = None,
) -> Written[DeploymentRecord]:
    """Make ``number`` the live version of the service in the environment (per instance),
    replacing the one live there before. Recording the live version again changes nothing;
    a write that loses a race with another process is retried."""
    if instance:
        rows.check_name(instance, "application instance")
    instance_key = instance or ""
    actor = principal.name

    def work(session: Session) -> Written[DeploymentRecord]:
        what = "record deployments"
        service_id = authz.service_for_write(session, principal, service_name, what=what).id
        env_id = rows.get_environment(session, env_name).id
        version_id = _ensure_version(session, actor, service_id, service_name, number)
        current = rows.live_rows(
            session, service_id, env_id, kind="deployment", instance=instance_key
        )
        for dep, _ in current:
            if dep.version_id == version_id:
                record = rows.deployment_record(dep, service_name, number, env_name)
                return Written(record, "unchanged")
        before = None
        for dep, old_number in current:
            before = snapshot(rows.deployment_record(dep, service_name, old_number, env_name))
        # end the old one before the unique live index sees the new one
        rows.end_deployments(session, [dep for dep, _ in current], "replaced")
        dep = rows.add_deployment(
            session, service_id, version_id, env_id, kind="deployment", instance=instance_key
        )
        record = rows.deployment_record(dep, service_name, number, env_name)
        key = _deployment_key(service_name, env_name, instance_key)
        audit.record(
            session, actor, "deployment.recorded", "deployment", key, before, snapshot(record)
        )
        return Written(record, "created")

    return store.retrying(work)


def record_release(
    store: Store, principal: Principal, service_name: str, number: str, env_name: str
) -> Written[DeploymentRecord]:
    """Mark ``number`` as released (supported) in the environment, alongside others."""
    actor = principal.name

    def work(session: Session) -> Written[DeploymentRecord]:
        service = authz.service_for_write(session, principal, service_name, what="record releases")
        env = rows.get_environment(session, env_name)
        version, _ = rows.upsert_version(session, actor, service, number)
        for dep, _ in rows.live_rows(session, service.id, env.id, kind="release"):
            if dep.version_id == version.id:
                record = rows.deployment_record(dep, service_name, number, env_name)
                return Written(record, "unchanged")
        dep = rows.add_deployment(session, service.id, version.id, env.id, kind="release")
        session.flush()
        record = rows.deployment_record(dep, service_name, number, env_name)
        key = f"{service_name}/{env_name}/{number}"
        audit.record(session, actor, "release.recorded", "release", key, None, snapshot(record))
        return Written(record, "created")

    return store.retrying(work)


def record_undeployment(
    store: Store,
    principal: Principal,
    service_name: str,
    env_name: str,
    *,
    instance: str | None = None,
) -> list[DeploymentRecord]:
    """End what of the service is deployed in the environment (one instance, or all)."""
    actor = principal.name
    with store.session() as session:
        what = "record undeployments"
        service = authz.service_for_write(session, principal, service_name, what=what)
        env = rows.get_environment(session, env_name)
        current = rows.live_rows(session, service.id, env.id, kind="deployment", instance=instance)
        if not current:
            where = f" instance {instance!r} of" if instance else ""
            raise NotFound(
                f"nothing of{where} {service_name} is deployed in {env_name}",
                hint=f"see what is live with `unlockstep services show {service_name}`",
            )
        return _end_all(session, actor, current, service_name, env_name, "undeployed")


def record_support_ended(
    store: Store, principal: Principal, service_name: str, number: str, env_name: str
) -> list[DeploymentRecord]:
    """End the support of a released version in the environment."""
    actor = principal.name
    with store.session() as session:
        service = authz.service_for_write(session, principal, service_name, what="end support")
        env = rows.get_environment(session, env_name)
        version = rows.get_version(session, service, number)
        current = [
            (d, n)
            for d, n in rows.live_rows(session, service.id, env.id, kind="release")
            if d.version_id == version.id
        ]
        if not current:
            raise NotFound(f"{service_name} {number} is not a supported release in {env_name}")
        return _end_all(session, actor, current, service_name, env_name, "support-ended")


def _end_all(
    session: Session,
    actor: str,
    current: list[tuple[Deployment, str]],
    service_name: str,
    env_name: str,
    reason: str,
) -> list[DeploymentRecord]:
    befores = [snapshot(rows.deployment_record(d, service_name, n, env_name)) for d, n in current]
    rows.end_deployments(session, [d for d, _ in current], reason)
    ended = []
    for (dep, number), before in zip(current, befores, strict=True):
        after = rows.deployment_record(dep, service_name, number, env_name)
        if dep.kind == "release":
            kind, action, key = (
                "release",
                "release.support-ended",
                f"{service_name}/{env_name}/{number}",
            )
        else:
            kind, action = "deployment", "deployment.ended"
            key = _deployment_key(service_name, env_name, dep.instance)
        audit.record(session, actor, action, kind, key, before, snapshot(after))
        ended.append(after)
    return ended
