"""Applying a catalog import: idempotent upserts, declared dependencies, removed entities.

An import names the locations (descriptor files) it covers. Entities that an earlier import
recorded from one of those locations but that are gone now are reported as ``removed``;
with ``prune`` they are deleted too, otherwise kept and reported again on the next import.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from unlockstep.errors import InvalidInput
from unlockstep.store import audit, registry
from unlockstep.store.tables import Api, Dependency, Service, System, Team

_MODELS: dict[str, Any] = {"team": Team, "system": System, "service": Service, "api": Api}
ORDER = ("team", "system", "service", "api")


def _plain(row: Any, kind: str) -> dict[str, Any]:
    columns = [
        c.key for c in row.__table__.columns if c.key not in ("id", "created_at", "updated_at")
    ]
    return {c: getattr(row, c) for c in columns}


def _upsert_plain(
    session: Session, actor: str, kind: str, name: str, fields: dict[str, Any]
) -> str:
    model = _MODELS[kind]
    row = session.scalar(select(model).where(model.name == name))
    if row is None:
        row = model(name=name, **fields)
        session.add(row)
        session.flush()
        audit.record(session, actor, f"{kind}.created", kind, name, None, _plain(row, kind))
        return "created"
    before = _plain(row, kind)
    changed = False
    for key, value in fields.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    if not changed:
        return "unchanged"
    session.flush()
    audit.record(session, actor, f"{kind}.updated", kind, name, before, _plain(row, kind))
    return "updated"


def apply_import(
    session: Session,
    actor: str,
    locations: list[str],
    entities: list[dict[str, Any]],
    *,
    prune: bool = False,
) -> dict[str, Any]:
    outcome: dict[str, list[str]] = defaultdict(list)
    seen: dict[str, set[str]] = defaultdict(set)
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entity in entities:
        kind = entity["kind"]
        if kind not in _MODELS:
            raise InvalidInput(f"unknown entity kind {kind!r}", where=entity.get("where"))
        if entity["name"] in seen[kind]:
            raise InvalidInput(
                f"{kind} {entity['name']!r} is defined twice in this import",
                where=entity.get("where"),
            )
        seen[kind].add(entity["name"])
        by_kind[kind].append(entity)

    for kind in ORDER:
        for entity in by_kind[kind]:
            name, location = entity["name"], entity["location"]
            fields = dict(entity["fields"])
            label = f"{kind}:{name}"
            try:
                if kind == "team":
                    _, result = registry.upsert_team(
                        session, actor, name, catalog_location=location, **fields
                    )
                elif kind == "service":
                    owner = fields.pop("owner", None)
                    if owner and owner not in seen["team"]:
                        registry.get_team(session, owner)  # raises NotFound when unknown
                    _, result = registry.upsert_service(
                        session, actor, name, owner=owner, catalog_location=location, **fields
                    )
                else:
                    registry.check_name(name, kind)
                    result = _upsert_plain(
                        session, actor, kind, name, {**fields, "catalog_location": location}
                    )
            except InvalidInput as exc:
                exc.where = exc.where or entity.get("where")
                raise
            outcome[result].append(label)

    for entity in by_kind["service"]:
        _sync_relations(session, actor, entity)

    removed: list[str] = []
    for kind in ORDER:
        model = _MODELS[kind]
        stale = session.scalars(
            select(model).where(
                model.catalog_location.in_(locations), model.name.not_in(seen[kind] or {""})
            )
        ).all()
        for row in stale:
            removed.append(f"{kind}:{row.name}")
            if prune:
                audit.record(
                    session, actor, f"{kind}.deleted", kind, row.name, _plain(row, kind), None
                )
                session.delete(row)
    session.flush()
    return {
        "created": outcome["created"],
        "updated": outcome["updated"],
        "unchanged": outcome["unchanged"],
        "removed": removed,
        "pruned": prune and bool(removed),
    }


def _sync_relations(session: Session, actor: str, entity: dict[str, Any]) -> None:
    service = registry.get_service(session, entity["name"])
    wanted = {tuple(r) for r in entity.get("relations", [])}
    rows = session.scalars(select(Dependency).where(Dependency.service_id == service.id)).all()
    have = {(d.relation, d.target_kind, d.target_name) for d in rows}
    if wanted == have:
        return
    session.execute(delete(Dependency).where(Dependency.service_id == service.id))
    for relation, kind, name in sorted(wanted):
        session.add(
            Dependency(service_id=service.id, relation=relation, target_kind=kind, target_name=name)
        )
    audit.record(
        session,
        actor,
        "service.dependencies-changed",
        "service",
        service.name,
        {"dependencies": sorted(list(r) for r in have)},
        {"dependencies": sorted(list(r) for r in wanted)},
    )


def dependencies(session: Session, service_name: str) -> list[dict[str, str]]:
    service = registry.get_service(session, service_name)
    rows = session.scalars(
        select(Dependency).where(Dependency.service_id == service.id).order_by(Dependency.id)
    )
    return [{"relation": d.relation, "kind": d.target_kind, "name": d.target_name} for d in rows]


def dependents(session: Session, kind: str, name: str) -> list[dict[str, str]]:
    """Who declares a relation to ``kind:name`` (e.g. consumers of an API)."""
    rows = session.execute(
        select(Dependency.relation, Service.name)
        .join(Service, Service.id == Dependency.service_id)
        .where(Dependency.target_kind == kind, Dependency.target_name == name)
        .order_by(Service.name)
    ).all()
    return [{"relation": relation, "service": service} for relation, service in rows]


def list_entities(session: Session, kind: str) -> list[dict[str, Any]]:
    """Systems or APIs as imported (APIs without their definition text)."""
    model = _MODELS[kind]
    rows = session.scalars(select(model).order_by(model.name))
    items = []
    for row in rows:
        data = _plain(row, kind)
        data.pop("definition", None)
        if kind == "system":
            data["services"] = list(
                session.scalars(
                    select(Service.name).where(Service.system == row.name).order_by(Service.name)
                )
            )
        items.append(data)
    return items
