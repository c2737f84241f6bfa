"""Queries for policies: versioned policy sets, the registry snapshot a policy reads, hidden
consumers for can-i-deploy, and the release calendar's rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from unlockstep.store.expectation_tables import ExpectationRow
from unlockstep.store.policy_tables import CalendarPeriod, FreezeException, PolicyVersion
from unlockstep.store.tables import Dependency, Deployment, Environment, Service, Team, Version
from unlockstep.store.usage_tables import UsageDaily, UsageSeries

#: How far back usage telemetry counts as evidence that a consumer calls a provider.
OBSERVED_DAYS = 30

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


_NAMES: BindParameter[Any] = bindparam("names", expanding=True)
_EDGE = select(Service.name, Dependency.relation, Dependency.target_name).join(
    Dependency, Dependency.service_id == Service.id
)
#: the catalog relations of the services asked about
_RELATIONS = _EDGE.where(Service.name.in_(_NAMES)).order_by(Dependency.target_name)
#: who consumes what they provide or depends on them, and who provides what they consume
_NEIGHBOURS = _EDGE.where(
    or_(
        and_(
            Dependency.relation == "consumes_api",
            Dependency.target_name.in_(bindparam("provided", expanding=True)),
        ),
        and_(Dependency.relation == "depends_on", Dependency.target_name.in_(_NAMES)),
        and_(
            Dependency.relation == "provides_api",
            Dependency.target_name.in_(bindparam("consumed", expanding=True)),
        ),
    )
)
_SERVICES = (
    select(Service.name, Service.tier, Team.name, Service.lifecycle, Service.system)
    .outerjoin(Team, Team.id == Service.team_id)
    .where(Service.name.in_(_NAMES))
)
_LIVE = (
    select(Service.name, Environment.name, Version.number)
    .join(Deployment, Deployment.service_id == Service.id)
    .join(Version, Version.id == Deployment.version_id)
    .join(Environment, Environment.id == Deployment.environment_id)
    .where(Service.name.in_(_NAMES), Deployment.ended_at.is_(None))
    .order_by(Deployment.started_at)
)
_ENVIRONMENT = select(Environment.name, Environment.production).where(
    Environment.name == bindparam("environment")
)
_KEYS = {"provides_api": "provides", "consumes_api": "consumes", "depends_on": "dependsOn"}

# The statements above are built once, so SQLAlchemy compiles each once and an admission
# check pays for execution only (a handful of indexed queries).


def _relations(session: Session, names: set[str]) -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {
        n: {"provides": [], "consumes": [], "dependsOn": []} for n in names
    }
    for service, relation, target in session.connection().execute(_RELATIONS, {"names": names}):
        if relation in _KEYS:
            out[service][_KEYS[relation]].append(target)
    return out


def _neighbours(
    session: Session, names: set[str], relations: dict[str, dict[str, list[str]]]
) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(provider -> declared consumers, consumer -> providers) for ``names``."""
    api_owner: dict[str, set[str]] = defaultdict(set)
    for name, rel in relations.items():
        for api in rel["provides"]:
            api_owner[api].add(name)
    consumed = {api for rel in relations.values() for api in rel["consumes"]}
    consumers: dict[str, set[str]] = defaultdict(set)
    providers: dict[str, set[str]] = defaultdict(set)
    params = {"names": names, "provided": set(api_owner), "consumed": consumed}
    for other, relation, target in session.connection().execute(_NEIGHBOURS, params):
        if relation == "consumes_api":
            for provider in api_owner.get(target, ()):
                if provider != other:
                    consumers[provider].add(other)
        elif relation == "depends_on" and target != other:
            consumers[target].add(other)
        elif relation == "provides_api":
            for name, rel in relations.items():
                if target in rel["consumes"] and other != name:
                    providers[name].add(other)
    for name, rel in relations.items():
        providers[name].update(t for t in rel["dependsOn"] if t != name)
    return consumers, providers


def live_versions(session: Session, names: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """service -> environment -> the versions live there (deployed or released)."""
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for service, env, number in session.connection().execute(_LIVE, {"names": set(names)}):
        if number not in out[service][env]:
            out[service][env].append(number)
    return out


def snapshot(session: Session, names: Iterable[str], environment: str | None) -> dict[str, Any]:
    """The registry around ``names``: each service and its declared consumers and providers,
    with tier, owner, lifecycle, where each version is live, and the catalog relations."""
    subjects = set(names)
    relations = _relations(session, subjects)
    consumers, providers = _neighbours(session, subjects, relations)
    observed = observed_consumers(session, subjects)
    everyone = subjects | {c for cs in consumers.values() for c in cs}
    everyone |= {p for ps in providers.values() for p in ps}
    live = live_versions(session, everyone)
    services: dict[str, Any] = {}
    for name, tier, owner, lifecycle, system in session.connection().execute(
        _SERVICES, {"names": everyone}
    ):
        entry: dict[str, Any] = {
            "tier": None if tier is None else str(tier),
            "owner": owner,
            "lifecycle": lifecycle,
            "system": system,
            "live": {env: versions for env, versions in live.get(name, {}).items()},
        }
        if name in subjects:
            entry["consumers"] = sorted(consumers.get(name, set()))
            seen = observed.get(name, {})
            entry["observedConsumers"] = {c: sorted(seen[c]) for c in sorted(seen)}
            entry["providers"] = sorted(providers.get(name, set()))
            entry.update(relations[name])
        services[name] = entry
    env_row = None
    if environment is not None:
        found = session.connection().execute(_ENVIRONMENT, {"environment": environment}).first()
        if found is not None:
            env_row = {"name": found[0], "production": bool(found[1])}
    return {"services": services, "environment": env_row}


_OBSERVED = (
    select(UsageSeries.service, UsageSeries.consumer, UsageSeries.environment)
    .join(UsageDaily, UsageDaily.series_id == UsageSeries.id)
    .where(
        UsageSeries.service.in_(_NAMES),
        UsageSeries.consumer != "",
        UsageDaily.day >= bindparam("since"),
        UsageDaily.amount > 0,
    )
    .distinct()
)


def observed_consumers(
    session: Session, providers: Iterable[str], today: date | None = None
) -> dict[str, dict[str, set[str]]]:
    """provider -> consumer -> the environments where usage telemetry saw the consumer call
    the provider in the last :data:`OBSERVED_DAYS` days (the ``consumer`` label of its
    series): who really depends on it, whether or not the catalog says so."""
    since = (today or datetime.now(UTC).date()) - timedelta(days=OBSERVED_DAYS)
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    params = {"names": set(providers), "since": since}
    for provider, consumer, environment in session.connection().execute(_OBSERVED, params):
        if consumer != provider:
            out[provider][consumer].add(environment)
    return out


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


# -- the calendar -------------------------------------------------------------------------


_PERIODS = select(CalendarPeriod).order_by(CalendarPeriod.environment, CalendarPeriod.name)
# can-i-deploy asks this on every call: built once, and asked for ids first (no period is the
# common case, and an empty ORM load still costs most of a query's Python time)
_ANY_PERIOD = select(CalendarPeriod.id).where(
    CalendarPeriod.environment.in_(bindparam("environments", expanding=True))
)
_PERIODS_IN = _PERIODS.where(
    CalendarPeriod.environment.in_(bindparam("environments", expanding=True))
)


def periods(session: Session, environment: str | None = None) -> list[CalendarPeriod]:
    if environment is None:
        return list(session.scalars(_PERIODS))
    where = {"environments": [environment, "*"]}
    if session.connection().execute(_ANY_PERIOD, where).first() is None:
        return []
    return list(session.scalars(_PERIODS_IN, where))


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
