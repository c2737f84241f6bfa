"""Queries for policies: versioned policy sets, the registry snapshot a policy reads, hidden
consumers for can-i-deploy, and the release calendar's rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from unlockstep.store.expectation_tables import ExpectationRow
from unlockstep.store.policy_tables import CalendarPeriod, FreezeException, PolicyVersion
from unlockstep.store.tables import Dependency, Deployment, Environment, Service, Team, Version

# -- policy versions ----------------------------------------------------------------------


def latest_version(session: Session) -> PolicyVersion | None:
    return session.scalars(select(PolicyVersion).order_by(PolicyVersion.id.desc()).limit(1)).first()


def latest_version_id(session: Session) -> str | None:
    return session.scalars(
        select(PolicyVersion.version).order_by(PolicyVersion.id.desc()).limit(1)
    ).first()


def find_version(session: Session, version: str) -> PolicyVersion | None:
    return session.scalars(select(PolicyVersion).where(PolicyVersion.version == version)).first()


def list_versions(session: Session) -> list[PolicyVersion]:
    return list(session.scalars(select(PolicyVersion).order_by(PolicyVersion.id.desc())))


# -- the registry snapshot ----------------------------------------------------------------


def _declared_consumers(session: Session, names: Iterable[str]) -> dict[str, set[str]]:
    """provider service -> services whose catalog entry consumes one of its APIs or depends
    on it (``consumesApis``, ``dependsOn``)."""
    names = set(names)
    if not names:
        return {}
    provided = session.execute(
        select(Service.name, Dependency.target_name)
        .join(Dependency, Dependency.service_id == Service.id)
        .where(Service.name.in_(names), Dependency.relation == "provides_api")
    ).all()
    api_owner: dict[str, set[str]] = defaultdict(set)
    for service, api in provided:
        api_owner[api].add(service)
    conditions = [and_(Dependency.relation == "depends_on", Dependency.target_name.in_(names))]
    if api_owner:
        conditions.append(
            and_(Dependency.relation == "consumes_api", Dependency.target_name.in_(api_owner))
        )
    rows = session.execute(
        select(Service.name, Dependency.relation, Dependency.target_name)
        .join(Dependency, Dependency.service_id == Service.id)
        .where(or_(*conditions))
    ).all()
    out: dict[str, set[str]] = defaultdict(set)
    for consumer, relation, target in rows:
        for provider in api_owner.get(target, set()) if relation == "consumes_api" else {target}:
            if provider != consumer:
                out[provider].add(consumer)
    return out


def _relations(session: Session, names: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    rows = session.execute(
        select(Service.name, Dependency.relation, Dependency.target_name)
        .join(Dependency, Dependency.service_id == Service.id)
        .where(Service.name.in_(set(names)))
        .order_by(Dependency.target_name)
    ).all()
    key = {"provides_api": "provides", "consumes_api": "consumes", "depends_on": "dependsOn"}
    out: dict[str, dict[str, list[str]]] = defaultdict(
        lambda: {"provides": [], "consumes": [], "dependsOn": []}
    )
    for service, relation, target in rows:
        if relation in key:
            out[service][key[relation]].append(target)
    return out


def live_versions(session: Session, names: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """service -> environment -> the versions live there (deployed or released)."""
    rows = session.execute(
        select(Service.name, Environment.name, Version.number)
        .join(Deployment, Deployment.service_id == Service.id)
        .join(Version, Version.id == Deployment.version_id)
        .join(Environment, Environment.id == Deployment.environment_id)
        .where(Service.name.in_(set(names)), Deployment.ended_at.is_(None))
        .order_by(Deployment.started_at)
    ).all()
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for service, env, number in rows:
        if number not in out[service][env]:
            out[service][env].append(number)
    return out


def snapshot(session: Session, names: Iterable[str], environment: str | None) -> dict[str, Any]:
    """The registry around ``names``: each service and its declared consumers and providers,
    with tier, owner, lifecycle, where each version is live, and the catalog relations."""
    subjects = set(names)
    consumers = _declared_consumers(session, subjects)
    relations = _relations(session, subjects)
    api_names = {api for r in relations.values() for api in r["consumes"]}
    providers: dict[str, set[str]] = defaultdict(set)
    if api_names:
        for provider, api in session.execute(
            select(Service.name, Dependency.target_name)
            .join(Dependency, Dependency.service_id == Service.id)
            .where(Dependency.relation == "provides_api", Dependency.target_name.in_(api_names))
        ).all():
            for subject, rel in relations.items():
                if api in rel["consumes"] and provider != subject:
                    providers[subject].add(provider)
    for subject, rel in relations.items():
        providers[subject].update(t for t in rel["dependsOn"] if t != subject)
    everyone = subjects | {c for cs in consumers.values() for c in cs}
    everyone |= {p for ps in providers.values() for p in ps}
    rows = session.execute(
        select(Service.name, Service.tier, Team.name, Service.lifecycle, Service.system)
        .outerjoin(Team, Team.id == Service.team_id)
        .where(Service.name.in_(everyone))
    ).all()
    live = live_versions(session, everyone)
    services: dict[str, Any] = {}
    for name, tier, owner, lifecycle, system in rows:
        entry: dict[str, Any] = {
            "tier": None if tier is None else str(tier),
            "owner": owner,
            "lifecycle": lifecycle,
            "system": system,
            "live": {env: versions for env, versions in live.get(name, {}).items()},
        }
        if name in subjects:
            entry["consumers"] = sorted(consumers.get(name, set()))
            entry["providers"] = sorted(providers.get(name, set()))
            entry.update(relations.get(name, {"provides": [], "consumes": [], "dependsOn": []}))
        services[name] = entry
    env_row = None
    if environment is not None:
        found = session.execute(
            select(Environment.name, Environment.production).where(Environment.name == environment)
        ).first()
        if found is not None:
            env_row = {"name": found[0], "production": bool(found[1])}
    return {"services": services, "environment": env_row}


def consumers_with_expectations(session: Session, provider: str) -> set[str]:
    """Services that published an expectation of one of ``provider``'s contracts."""
    rows = session.scalars(
        select(Service.name)
        .join(ExpectationRow, ExpectationRow.consumer_service_id == Service.id)
        .where(
            ExpectationRow.provider_service_id
            == select(Service.id).where(Service.name == provider).scalar_subquery()
        )
        .distinct()
    )
    return set(rows)


def declared_consumers(session: Session, provider: str) -> set[str]:
    return _declared_consumers(session, [provider]).get(provider, set())


# -- the calendar -------------------------------------------------------------------------


def periods(session: Session, environment: str | None = None) -> list[CalendarPeriod]:
    query = select(CalendarPeriod).order_by(CalendarPeriod.environment, CalendarPeriod.name)
    if environment is not None:
        query = query.where(CalendarPeriod.environment.in_([environment, "*"]))
    return list(session.scalars(query))


def find_period(session: Session, environment: str, name: str) -> CalendarPeriod | None:
    return session.scalars(
        select(CalendarPeriod).where(
            CalendarPeriod.environment == environment, CalendarPeriod.name == name
        )
    ).first()


def freeze_exceptions(
    session: Session, environment: str, service: str, now: datetime
) -> list[FreezeException]:
    return list(
        session.scalars(
            select(FreezeException).where(
                FreezeException.environment.in_([environment, "*"]),
                FreezeException.service == service,
                FreezeException.expires_at > now,
            )
        )
    )


def list_freeze_exceptions(session: Session) -> list[FreezeException]:
    return list(session.scalars(select(FreezeException).order_by(FreezeException.id)))
