"""Use cases behind the Pact Broker API (``server/pact``), mapped onto the registry:
pacticipants are services, versions carry branches and tags, environments get stable UUIDs
(``core.broker``), deployed and released versions are deployments, a published Pact is an
expectation (checked statically whenever the provider published a contract) plus the Pact
file itself, kept for the provider's Pact verification.

Each function runs one unit of work and returns plain records; the router renders HAL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from unlockstep.core import broker as handles
from unlockstep.errors import Conflict, InvalidInput, NotFound
from unlockstep.services import authz
from unlockstep.services import registry as registry_cases
from unlockstep.services.authz import Principal
from unlockstep.store import Store, audit, registry
from unlockstep.store import broker as rows
from unlockstep.store.broker import LiveRecord
from unlockstep.store.broker_tables import BrokerService
from unlockstep.store.tables import Environment, Service, Team, Version

#: Branches taken as a service's main branch when it has none yet (the Pact Broker's rule).
MAIN_BRANCH_CANDIDATES = ("main", "master", "develop")


@dataclass(frozen=True, slots=True)
class Pacticipant:
    name: str
    display_name: str | None
    main_branch: str | None
    repository_url: str | None
    owner: str | None
    created_at: datetime
    updated_at: datetime
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VersionView:
    pacticipant: str
    number: str
    branches: list[str]
    tags: list[str]
    build_url: str | None
    created_at: datetime
    live: list[LiveRecord] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EnvironmentView:
    uuid: str
    name: str
    display_name: str | None
    production: bool
    created_at: datetime


# -- pacticipants ------------------------------------------------------------------------


def _pacticipant(session: Session, service: Service) -> Pacticipant:
    details = rows.broker_service(session, service.id)
    return Pacticipant(
        service.name,
        details.display_name if details else None,
        details.main_branch if details else None,
        service.repository_url,
        registry.owner_name(session, service),
        service.created_at,
        service.updated_at,
        tuple(rows.labels_of(session, [service.id]).get(service.id, ())),
    )


def list_pacticipants(store: Store, label: str | None = None) -> list[Pacticipant]:
    """Every pacticipant, or those labelled ``label``."""
    with store.session() as session:
        query = select(Service).order_by(Service.name)
        if label is not None:
            query = query.where(Service.id.in_(rows.labelled(session, label)))
        services = session.scalars(query).all()
        labels = rows.labels_of(session)
        details = {r.service_id: r for r in session.scalars(select(BrokerService))}
        teams = {tid: name for tid, name in session.execute(select(Team.id, Team.name))}
        out = []
        for s in services:
            d = details.get(s.id)
            out.append(
                Pacticipant(
                    s.name,
                    d.display_name if d else None,
                    d.main_branch if d else None,
                    s.repository_url,
                    teams.get(s.team_id) if s.team_id is not None else None,
                    s.created_at,
                    s.updated_at,
                    tuple(labels.get(s.id, ())),
                )
            )
        return out


def show_pacticipant(store: Store, name: str) -> Pacticipant:
    with store.session() as session:
        return _pacticipant(session, service_named(session, name))


def service_named(session: Session, name: str) -> Service:
    """The service a Pact Broker path names (404 naming the pacticipant)."""
    service = registry.find_service(session, name)
    if service is None:
        raise NotFound(f"pacticipant {name!r} is not registered", where="pacticipant")
    return service


def put_pacticipant(
    store: Store,
    principal: Principal,
    name: str,
    *,
    display_name: str | None = None,
    main_branch: str | None = None,
    repository_url: str | None = None,
) -> tuple[Pacticipant, bool]:
    """Create the service (unowned) or update what the Pact Broker says about it; its owner
    is never changed here. Returns it and whether it was created."""

    def work(session: Session) -> tuple[Pacticipant, bool]:
        service = registry.find_service(session, name)
        created = service is None
        if service is None:
            authz.require_service_write(session, principal, name, None)
            service, _ = registry_cases.save_service(
                session, principal.name, name, repository_url=repository_url
            )
        else:
            service = authz.service_for_write(session, principal, name, what="change")
            before = registry.snapshot(
                registry.service_record(service, registry.owner_name(session, service))
            )
            if repository_url is not None and registry.assign(
                service, {"repository_url": repository_url}
            ):
                session.flush()
                after = registry.snapshot(
                    registry.service_record(service, registry.owner_name(session, service))
                )
                audit.record(
                    session, principal.name, "service.updated", "service", name, before, after
                )
        if rows.set_service_details(
            session, service.id, main_branch=main_branch, display_name=display_name
        ):
            after_details = {"mainBranch": main_branch, "displayName": display_name}
            audit.record(
                session, principal.name, "pacticipant.updated", "service", name, None,
                after_details,
            )  # fmt: skip
        return _pacticipant(session, service), created

    return store.retrying(work)


# -- versions ----------------------------------------------------------------------------


def _version_view(session: Session, service: Service, version: Version) -> VersionView:
    return VersionView(
        service.name,
        version.number,
        rows.branches_of(session, [version.id]).get(version.id, []),
        rows.tags_of(session, [version.id]).get(version.id, []),
        version.build_url,
        version.created_at,
        rows.live_of_version(session, version.id),
    )


def show_version(store: Store, pacticipant: str, number: str) -> VersionView:
    with store.session() as session:
        service = service_named(session, pacticipant)
        return _version_view(session, service, registry.get_version(session, service, number))


def latest_version(
    store: Store, pacticipant: str, *, branch: str | None = None, tag: str | None = None
) -> VersionView:
    with store.session() as session:
        service = service_named(session, pacticipant)
        version = rows.latest_version(session, service.id, branch=branch, tag=tag)
        if version is None:
            on = f" on branch {branch!r}" if branch else f" tagged {tag!r}" if tag else ""
            raise NotFound(f"{pacticipant} has no version{on}", where="version")
        return _version_view(session, service, version)


def mark(
    session: Session,
    actor: str,
    service: Service,
    version: Version,
    branch: str | None,
    tags: list[str],
) -> None:
    """Put the version on its branch and tags (audited), and take the branch as the
    service's main branch when it has none and the branch is a usual main-branch name."""
    key = f"{service.name}/{version.number}"
    if branch:
        registry.check_version(branch)
        if rows.add_branch(session, version, branch):
            audit.record(
                session, actor, "version.branched", "version", key, None, {"branch": branch}
            )
            details = rows.broker_service(session, service.id)
            if (details is None or not details.main_branch) and branch in MAIN_BRANCH_CANDIDATES:
                rows.set_service_details(session, service.id, main_branch=branch, display_name=None)
    for tag in tags:
        registry.check_version(tag)
        if rows.add_tag(session, version, tag):
            audit.record(session, actor, "version.tagged", "version", key, None, {"tag": tag})


def put_version(
    store: Store,
    principal: Principal,
    pacticipant: str,
    number: str,
    *,
    branch: str | None = None,
    tags: list[str] | None = None,
    build_url: str | None = None,
) -> tuple[VersionView, bool]:
    """Create or update a version with its branch and tags; whether it was created."""

    def work(session: Session) -> tuple[VersionView, bool]:
        service = authz.service_for_write(session, principal, pacticipant, what="record versions")
        version, outcome = registry.upsert_version(
            session, principal.name, service, number, build_url=build_url
        )
        mark(session, principal.name, service, version, branch, tags or [])
        return _version_view(session, service, version), outcome == "created"

    return store.retrying(work)


def delete_branch(store: Store, principal: Principal, pacticipant: str, branch: str) -> None:
    """Take the service's versions off a branch (they, their pacts and verifications stay,
    but selectors and can-i-merge no longer find them by it)."""
    with store.session() as session:
        service = authz.service_for_write(session, principal, pacticipant, what="delete branches")
        if not rows.remove_branch(session, service.id, branch):
            raise NotFound(f"{pacticipant} has no branch {branch!r}", where="branch")
        audit.record(
            session, principal.name, "branch.deleted", "service", pacticipant,
            {"branch": branch}, None,
        )  # fmt: skip


def put_label(store: Store, principal: Principal, pacticipant: str, label: str) -> bool:
    """Label the pacticipant (audited); whether the label is new."""
    if not label.strip():
        raise InvalidInput("name the label", where="label")
    with store.session() as session:
        service = authz.service_for_write(session, principal, pacticipant, what="label")
        added = rows.add_label(session, service.id, label)
        if added:
            audit.record(
                session, principal.name, "service.labelled", "service", pacticipant,
                {"label": label}, None,
            )  # fmt: skip
        return added


def delete_label(store: Store, principal: Principal, pacticipant: str, label: str) -> None:
    with store.session() as session:
        service = authz.service_for_write(session, principal, pacticipant, what="unlabel")
        if not rows.remove_label(session, service.id, label):
            raise NotFound(f"{pacticipant} has no label {label!r}", where="label")
        audit.record(
            session, principal.name, "service.unlabelled", "service", pacticipant,
            {"label": label}, None,
        )  # fmt: skip


def delete_tag(store: Store, principal: Principal, pacticipant: str, number: str, tag: str) -> None:
    with store.session() as session:
        service = authz.service_for_write(session, principal, pacticipant, what="delete tags")
        version = registry.get_version(session, service, number)
        if not rows.remove_tag(session, version.id, tag):
            raise NotFound(f"{pacticipant} {number} has no tag {tag!r}", where="tag")
        key = f"{pacticipant}/{number}"
        audit.record(
            session, principal.name, "version.untagged", "version", key, {"tag": tag}, None
        )


# -- environments ------------------------------------------------------------------------


def _environment_view(session: Session, env: Environment) -> EnvironmentView:
    return EnvironmentView(
        handles.handle("environment", env.id),
        env.name,
        rows.environment_display_name(session, env.id),
        env.production,
        env.created_at,
    )


def _environment(session: Session, uuid: str) -> Environment:
    env_id = handles.row_id("environment", uuid)
    env = session.get(Environment, env_id) if env_id is not None else None
    if env is None:
        raise NotFound(f"no environment has the UUID {uuid!r}", where="environment")
    return env


def list_environments(store: Store, name: str | None = None) -> list[EnvironmentView]:
    with store.session() as session:
        query = select(Environment).order_by(Environment.name)
        if name:
            query = query.where(Environment.name == name)
        return [_environment_view(session, e) for e in session.scalars(query)]


def show_environment(store: Store, uuid: str) -> EnvironmentView:
    with store.session() as session:
        return _environment_view(session, _environment(session, uuid))


def delete_environment(store: Store, principal: Principal, uuid: str) -> None:
    """Delete an environment nothing is live in (admin only); its deployment history goes
    with it, which the audit trail keeps."""
    authz.require_admin(principal, what="delete environments")
    with store.session() as session:
        env = _environment(session, uuid)
        live = registry.live_versions(session, environment_id=env.id)
        if live:
            names = ", ".join(f"{d.service} {d.version}" for d in live[:5])
            raise Conflict(
                f"environment {env.name!r} still has live versions: {names}",
                hint="record their undeployment or end of support first",
            )
        before = registry.snapshot(registry.environment_record(env))
        session.delete(env)
        audit.record(
            session, principal.name, "environment.deleted", "environment", env.name, before, None
        )


def put_environment(
    store: Store,
    principal: Principal,
    name: str,
    *,
    display_name: str | None,
    production: bool,
    uuid: str | None = None,
) -> tuple[EnvironmentView, bool]:
    """Create an environment, or update the one ``uuid`` names (which may rename it only to
    its own name: environments are named for good). Admin only, as elsewhere."""
    authz.require_admin(principal, what="create or change environments")
    if uuid is not None:
        with store.session() as session:
            current = _environment(session, uuid)
            if current.name != name:
                raise InvalidInput(
                    f"environment {current.name!r} cannot be renamed to {name!r}",
                    where="name",
                    hint="create a new environment instead",
                )
    written = registry_cases.put_environment(
        store, principal.name, name, production=production, description=None
    )
    with store.session() as session:
        env = registry.get_environment(session, name)
        if display_name is not None:
            rows.set_environment_display_name(session, env.id, display_name)
        return _environment_view(session, env), written.outcome == "created"


# -- deployed and released versions --------------------------------------------------------


def record(
    store: Store,
    principal: Principal,
    pacticipant: str,
    number: str,
    environment_uuid: str,
    *,
    kind: str,
    instance: str | None = None,
) -> LiveRecord:
    """Record a deployment (``kind="deployment"``) or a release of a version that exists."""
    with store.session() as session:
        env = _environment(session, environment_uuid)
        registry.get_version(session, service_named(session, pacticipant), number)
        env_name = env.name
    if kind == "deployment":
        registry_cases.record_deployment(
            store, principal, pacticipant, number, env_name, instance=instance
        )
    else:
        registry_cases.record_release(store, principal, pacticipant, number, env_name)
    with store.session() as session:
        service = service_named(session, pacticipant)
        version = registry.get_version(session, service, number)
        found = rows.live_in(
            session,
            env.id,
            kind,
            service_id=service.id,
            version_id=version.id,
            instance=(instance or "") if kind == "deployment" else None,
        )
        return found[-1]


def currently_live(
    store: Store,
    environment_uuid: str,
    kind: str,
    *,
    pacticipant: str | None = None,
    instance: str | None = None,
) -> tuple[EnvironmentView, list[LiveRecord]]:
    with store.session() as session:
        env = _environment(session, environment_uuid)
        service_id = None
        if pacticipant:
            service = registry.find_service(session, pacticipant)
            if service is None:
                return _environment_view(session, env), []
            service_id = service.id
        live = rows.live_in(session, env.id, kind, service_id=service_id, instance=instance)
        return _environment_view(session, env), live


def show_live(store: Store, uuid: str, kind: str) -> LiveRecord:
    with store.session() as session:
        return _live(session, uuid, kind)


def _live(session: Session, uuid: str, kind: str) -> LiveRecord:
    handle_kind: handles.Kind = "deployed-version" if kind == "deployment" else "released-version"
    dep_id = handles.row_id(handle_kind, uuid)
    found = rows.deployment(session, dep_id, kind) if dep_id is not None else None
    if found is None:
        what = "deployed" if kind == "deployment" else "released"
        raise NotFound(f"no {what} version has the UUID {uuid!r}", where=what)
    return found


def end_live(store: Store, principal: Principal, uuid: str, kind: str) -> LiveRecord:
    """Mark a deployed version undeployed, or a released version's support ended."""
    from unlockstep.store.tables import Deployment

    with store.session() as session:
        found = _live(session, uuid, kind)
        if found.ended_at is not None:
            return found
        what = "record undeployments" if kind == "deployment" else "end support"
        authz.service_for_write(session, principal, found.service, what=what)
        dep = session.get(Deployment, found.id)
        assert dep is not None
        before = registry.snapshot(found)
        reason = "undeployed" if kind == "deployment" else "support-ended"
        registry.end_deployments(session, [dep], reason)
        ended = _live(session, uuid, kind)
        action = "deployment.ended" if kind == "deployment" else "release.support-ended"
        key = f"{found.service}/{found.environment}/{found.version}"
        audit.record(session, principal.name, action, kind, key, before, registry.snapshot(ended))
        return ended
