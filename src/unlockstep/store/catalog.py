"""Queries and row writes for what a catalog import brings besides teams and services:
systems, API entities and declared dependencies. The import itself is a use case
(``unlockstep.services.catalog``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from unlockstep.store.tables import Api, Dependency, Service, System, Team

MODELS: dict[str, Any] = {"team": Team, "system": System, "service": Service, "api": Api}


@dataclass(frozen=True, slots=True)
class SystemRecord:
    name: str
    owner: str | None
    description: str | None
    catalog_location: str | None
    services: list[str]


@dataclass(frozen=True, slots=True)
class ApiRecord:
    """An API entity as imported, without its definition text (that becomes a contract)."""

    name: str
    type: str | None
    owner: str | None
    system: str | None
    lifecycle: str | None
    description: str | None
    catalog_location: str | None


@dataclass(frozen=True, slots=True)
class DependencyRecord:
    relation: str
    kind: str
    name: str


@dataclass(frozen=True, slots=True)
class DependentRecord:
    relation: str
    service: str


def plain(row: Any) -> dict[str, Any]:
    """A row's own columns (no ids or timestamps), as the audit trail keeps it."""
    skip = ("id", "created_at", "updated_at", "team_id")
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key not in skip}


def find(session: Session, kind: str, name: str) -> Any:
    model = MODELS[kind]
    return session.scalar(select(model).where(model.name == name))


def stale(session: Session, kind: str, locations: list[str], keep: Iterable[str]) -> list[Any]:
    """Rows an earlier import took from ``locations`` that are not in ``keep`` now."""
    model = MODELS[kind]
    return list(
        session.scalars(
            select(model).where(
                model.catalog_location.in_(locations), model.name.not_in(set(keep) or {""})
            )
        )
    )


def owns_services(session: Session, team_id: int) -> bool:
    return session.scalar(select(Service.id).where(Service.team_id == team_id).limit(1)) is not None


def relations(session: Session, service_id: int) -> set[tuple[str, str, str]]:
    rows = session.scalars(select(Dependency).where(Dependency.service_id == service_id))
    return {(d.relation, d.target_kind, d.target_name) for d in rows}


def replace_relations(
    session: Session, service_id: int, wanted: Iterable[tuple[str, str, str]]
) -> None:
    session.execute(delete(Dependency).where(Dependency.service_id == service_id))
    for relation, kind, name in sorted(wanted):
        session.add(
            Dependency(service_id=service_id, relation=relation, target_kind=kind, target_name=name)
        )


def dependencies(session: Session, service_id: int) -> list[DependencyRecord]:
    rows = session.scalars(
        select(Dependency).where(Dependency.service_id == service_id).order_by(Dependency.id)
    )
    return [DependencyRecord(d.relation, d.target_kind, d.target_name) for d in rows]


def dependents(session: Session, kind: str, name: str) -> list[DependentRecord]:
    """Who declares a relation to ``kind:name`` (e.g. consumers of an API)."""
    rows = session.execute(
        select(Dependency.relation, Service.name)
        .join(Service, Service.id == Dependency.service_id)
        .where(Dependency.target_kind == kind, Dependency.target_name == name)
        .order_by(Service.name)
    ).all()
    return [DependentRecord(relation, service) for relation, service in rows]


def list_systems(session: Session) -> list[SystemRecord]:
    out = []
    for row in session.scalars(select(System).order_by(System.name)):
        services = session.scalars(
            select(Service.name).where(Service.system == row.name).order_by(Service.name)
        )
        out.append(
            SystemRecord(row.name, row.owner, row.description, row.catalog_location, list(services))
        )
    return out


def list_apis(session: Session) -> list[ApiRecord]:
    return [
        ApiRecord(a.name, a.type, a.owner, a.system, a.lifecycle, a.description, a.catalog_location)
        for a in session.scalars(select(Api).order_by(Api.name))
    ]
