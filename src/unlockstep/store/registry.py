"""Queries and writes for teams, services, environments, versions and deployments.

Every write takes the ``actor`` and records an audit event in the same transaction, so a
failed write leaves neither the change nor its audit entry behind.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

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

LIFECYCLES = ("experimental", "production", "deprecated")
TIERS = (1, 2, 3)


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


# -- teams -------------------------------------------------------------------------------


def team_dict(team: Team) -> dict[str, Any]:
    return {
        "name": team.name,
        "display_name": team.display_name,
        "description": team.description,
        "email": team.email,
        "parent": team.parent,
    }


def get_team(session: Session, name: str) -> Team:
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        raise NotFound(f"team {name!r} is not registered", hint="create it or import the catalog")
    return team


def upsert_team(session: Session, actor: str, name: str, **fields: Any) -> tuple[Team, str]:
    """Create or update; returns the team and what happened (created/updated/unchanged)."""
    check_name(name, "team")
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name, **fields)
        session.add(team)
        session.flush()
        audit.record(session, actor, "team.created", "team", name, None, team_dict(team))
        return team, "created"
    return team, _update(session, actor, team, "team", name, team_dict, fields)


def list_teams(session: Session) -> list[dict[str, Any]]:
    teams = session.scalars(select(Team).order_by(Team.name))
    return [team_dict(t) for t in teams]


def _update(
    session: Session,
    actor: str,
    row: Any,
    entity_type: str,
    key: str,
    as_dict: Any,
    fields: dict[str, Any],
) -> str:
    before = as_dict(row)
    changed = False
    for field, value in fields.items():
        if getattr(row, field) != value:
            setattr(row, field, value)
            changed = True
    if not changed:
        return "unchanged"
    session.flush()
    audit.record(session, actor, f"{entity_type}.updated", entity_type, key, before, as_dict(row))
    return "updated"


# -- services ----------------------------------------------------------------------------


def service_dict(service: Service, owner: str | None) -> dict[str, Any]:
    return {
        "name": service.name,
        "owner": owner,
        "tier": service.tier,
        "lifecycle": service.lifecycle,
        "type": service.type,
        "system": service.system,
        "repository_url": service.repository_url,
        "description": service.description,
    }


def _owner_name(session: Session, service: Service) -> str | None:
    if service.team_id is None:
        return None
    return session.scalar(select(Team.name).where(Team.id == service.team_id))


def get_service(session: Session, name: str) -> Service:
    service = session.scalar(select(Service).where(Service.name == name))
    if service is None:
        raise NotFound(
            f"service {name!r} is not registered",
            where="service",
            hint="list services with `unlockstep services list`, or import the catalog",
        )
    return service


def upsert_service(
    session: Session,
    actor: str,
    name: str,
    *,
    owner: str | None = None,
    tier: int | None = None,
    lifecycle: str | None = None,
    **fields: Any,
) -> tuple[Service, str]:
    check_name(name, "service")
    if tier is not None and tier not in TIERS:
        raise InvalidInput(f"tier must be 1, 2 or 3, not {tier!r}", where="tier")
    team_id = get_team(session, owner).id if owner else None
    values = {"team_id": team_id, "tier": tier, "lifecycle": lifecycle, **fields}
    service = session.scalar(select(Service).where(Service.name == name))

    def as_dict(row: Service) -> dict[str, Any]:
        return service_dict(row, _owner_name(session, row))

    if service is None:
        service = Service(name=name, **values)
        session.add(service)
        session.flush()
        audit.record(session, actor, "service.created", "service", name, None, as_dict(service))
        return service, "created"
    return service, _update(session, actor, service, "service", name, as_dict, values)


def list_services(
    session: Session, *, owner: str | None = None, offset: int = 0, limit: int = 50
) -> tuple[list[dict[str, Any]], int]:
    query = select(Service, Team.name).outerjoin(Team, Team.id == Service.team_id)
    if owner:
        query = query.where(Team.name == owner)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(Service.name).offset(offset).limit(limit)).all()
    return [service_dict(s, team) for s, team in rows], total


def service_detail(session: Session, name: str) -> dict[str, Any]:
    service = get_service(session, name)
    data = service_dict(service, _owner_name(session, service))
    data["live"] = live_versions(session, service_id=service.id)
    recent = session.scalars(
        select(Version)
        .where(Version.service_id == service.id)
        .order_by(Version.created_at.desc(), Version.id.desc())
        .limit(20)
    )
    data["versions"] = [version_dict(v, name) for v in recent]
    return data


# -- environments ------------------------------------------------------------------------


def environment_dict(env: Environment) -> dict[str, Any]:
    return {"name": env.name, "production": env.production, "description": env.description}


def get_environment(session: Session, name: str) -> Environment:
    env = session.scalar(select(Environment).where(Environment.name == name))
    if env is None:
        raise NotFound(
            f"environment {name!r} does not exist",
            where="environment",
            hint=f"create it with `unlockstep environments create {name}`",
        )
    return env


def upsert_environment(
    session: Session, actor: str, name: str, *, production: bool, description: str | None
) -> tuple[Environment, str]:
    check_name(name, "environment")
    env = session.scalar(select(Environment).where(Environment.name == name))
    if env is None:
        env = Environment(name=name, production=production, description=description)
        session.add(env)
        session.flush()
        audit.record(
            session, actor, "environment.created", "environment", name, None, environment_dict(env)
        )
        return env, "created"
    fields = {"production": production, "description": description}
    return env, _update(session, actor, env, "environment", name, environment_dict, fields)


def list_environments(session: Session) -> list[dict[str, Any]]:
    return [
        environment_dict(e) for e in session.scalars(select(Environment).order_by(Environment.name))
    ]


# -- versions ----------------------------------------------------------------------------


def version_dict(version: Version, service: str) -> dict[str, Any]:
    return {
        "service": service,
        "number": version.number,
        "branch": version.branch,
        "build_url": version.build_url,
        "created_at": version.created_at.isoformat(),
    }


def get_version(session: Session, service: Service, number: str) -> Version:
    version = session.scalar(
        select(Version).where(Version.service_id == service.id, Version.number == number)
    )
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
) -> tuple[Version, str]:
    check_version(number)
    key = f"{service.name}/{number}"
    version = session.scalar(
        select(Version).where(Version.service_id == service.id, Version.number == number)
    )
    if version is None:
        version = Version(service_id=service.id, number=number, branch=branch, build_url=build_url)
        session.add(version)
        session.flush()
        audit.record(
            session,
            actor,
            "version.created",
            "version",
            key,
            None,
            version_dict(version, service.name),
        )
        return version, "created"
    fields = {k: v for k, v in (("branch", branch), ("build_url", build_url)) if v is not None}
    return version, _update(
        session, actor, version, "version", key, lambda v: version_dict(v, service.name), fields
    )


# -- deployments -------------------------------------------------------------------------


def _deployment_dict(dep: Deployment, service: str, version: str, env: str) -> dict[str, Any]:
    return {
        "service": service,
        "version": version,
        "environment": env,
        "instance": dep.instance or None,
        "kind": dep.kind,
        "started_at": dep.started_at.isoformat(),
        "ended_at": dep.ended_at.isoformat() if dep.ended_at else None,
    }


def live_versions(
    session: Session, *, service_id: int | None = None, environment_id: int | None = None
) -> list[dict[str, Any]]:
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
    return [_deployment_dict(d, s, v, e) for d, s, v, e in rows]


def _live(
    session: Session, service: Service, env: Environment, *, kind: str, instance: str | None = None
) -> list[Deployment]:
    query = select(Deployment).where(
        Deployment.service_id == service.id,
        Deployment.environment_id == env.id,
        Deployment.kind == kind,
        Deployment.ended_at.is_(None),
    )
    if instance is not None:
        query = query.where(Deployment.instance == instance)
    return list(session.scalars(query))


def _end(dep: Deployment, reason: str, now: datetime) -> None:
    dep.ended_at = now
    dep.ended_reason = reason


def _ids(session: Session, service_name: str, env_name: str) -> tuple[int, int]:
    """Service and environment ids in one query; the precise error when either is unknown."""
    row = session.execute(
        select(
            select(Service.id).where(Service.name == service_name).scalar_subquery(),
            select(Environment.id).where(Environment.name == env_name).scalar_subquery(),
        )
    ).one()
    if row[0] is None:
        get_service(session, service_name)
    if row[1] is None:
        get_environment(session, env_name)
    return row[0], row[1]


def _version_id(
    session: Session, actor: str, service_id: int, service_name: str, number: str
) -> int:
    check_version(number)
    found = session.scalar(
        select(Version.id).where(Version.service_id == service_id, Version.number == number)
    )
    if found is not None:
        return found
    version = Version(service_id=service_id, number=number, created_at=utcnow())
    session.add(version)
    session.flush()
    key = f"{service_name}/{number}"
    after = version_dict(version, service_name)
    audit.record(session, actor, "version.created", "version", key, None, after)
    return version.id


def record_deployment(
    session: Session,
    actor: str,
    service_name: str,
    number: str,
    env_name: str,
    *,
    instance: str | None = None,
) -> tuple[dict[str, Any], str]:
    """Make ``number`` the live version of the service in the environment (per instance),
    replacing the one live there before. Recording the live version again changes nothing."""
    if instance:
        check_name(instance, "application instance")
    instance_key = instance or ""
    service_id, env_id = _ids(session, service_name, env_name)
    version_id = _version_id(session, actor, service_id, service_name, number)
    current = session.execute(
        select(Deployment, Version.number)
        .join(Version, Version.id == Deployment.version_id)
        .where(
            Deployment.service_id == service_id,
            Deployment.environment_id == env_id,
            Deployment.instance == instance_key,
            Deployment.kind == "deployment",
            Deployment.ended_at.is_(None),
        )
    ).all()
    for dep, _ in current:
        if dep.version_id == version_id:
            return _deployment_dict(dep, service_name, number, env_name), "unchanged"
    now = utcnow()
    before = None
    for dep, old_number in current:
        before = _deployment_dict(dep, service_name, old_number, env_name)
        _end(dep, "replaced", now)
    if current:
        session.flush()  # end the old one before the unique live index sees the new one
    dep = Deployment(
        service_id=service_id,
        version_id=version_id,
        environment_id=env_id,
        instance=instance_key,
        kind="deployment",
        started_at=now,
    )
    session.add(dep)
    after = _deployment_dict(dep, service_name, number, env_name)
    key = f"{service_name}/{env_name}" + (f"/{instance_key}" if instance_key else "")
    audit.record(session, actor, "deployment.recorded", "deployment", key, before, after)
    return after, "created"


def record_release(
    session: Session, actor: str, service_name: str, number: str, env_name: str
) -> tuple[dict[str, Any], str]:
    """Mark ``number`` as released (supported) in the environment, alongside others."""
    service = get_service(session, service_name)
    env = get_environment(session, env_name)
    version, _ = upsert_version(session, actor, service, number)
    for dep in _live(session, service, env, kind="release"):
        if dep.version_id == version.id:
            return _deployment_dict(dep, service_name, number, env_name), "unchanged"
    dep = Deployment(
        service_id=service.id, version_id=version.id, environment_id=env.id, kind="release"
    )
    session.add(dep)
    session.flush()
    after = _deployment_dict(dep, service_name, number, env_name)
    key = f"{service_name}/{env_name}/{number}"
    audit.record(session, actor, "release.recorded", "release", key, None, after)
    return after, "created"


def record_undeployment(
    session: Session,
    actor: str,
    service_name: str,
    env_name: str,
    *,
    instance: str | None = None,
) -> list[dict[str, Any]]:
    service = get_service(session, service_name)
    env = get_environment(session, env_name)
    current = _live(session, service, env, kind="deployment", instance=instance)
    if not current:
        where = f" instance {instance!r} of" if instance else ""
        raise NotFound(
            f"nothing of{where} {service_name} is deployed in {env_name}",
            hint=f"see what is live with `unlockstep services show {service_name}`",
        )
    return _end_all(session, actor, current, service_name, env_name, "undeployed")


def record_support_ended(
    session: Session, actor: str, service_name: str, number: str, env_name: str
) -> list[dict[str, Any]]:
    service = get_service(session, service_name)
    env = get_environment(session, env_name)
    version = get_version(session, service, number)
    current = [
        d for d in _live(session, service, env, kind="release") if d.version_id == version.id
    ]
    if not current:
        raise NotFound(f"{service_name} {number} is not a supported release in {env_name}")
    return _end_all(session, actor, current, service_name, env_name, "support-ended")


def _end_all(
    session: Session,
    actor: str,
    deployments: list[Deployment],
    service_name: str,
    env_name: str,
    reason: str,
) -> list[dict[str, Any]]:
    now = utcnow()
    ended = []
    for dep in deployments:
        number = session.scalar(select(Version.number).where(Version.id == dep.version_id)) or ""
        before = _deployment_dict(dep, service_name, number, env_name)
        _end(dep, reason, now)
        after = _deployment_dict(dep, service_name, number, env_name)
        kind = "release" if dep.kind == "release" else "deployment"
        key = f"{service_name}/{env_name}" + (f"/{dep.instance}" if dep.instance else "")
        if kind == "release":
            key = f"{service_name}/{env_name}/{number}"
        action = "release.support-ended" if kind == "release" else "deployment.ended"
        audit.record(session, actor, action, kind, key, before, after)
        ended.append(after)
    session.flush()
    return ended
