"""The catalog import use case: idempotent upserts, declared dependencies, removed entities.

An import names the locations (descriptor files) it covers. Entities that an earlier import
recorded from one of those locations but that are gone now are reported as ``removed``;
without ``prune`` they are kept and reported again on the next import. ``prune`` never
deletes a service — its versions, deployments and contracts are the estate's history — it
marks it retired (``lifecycle: retired``, audited as ``service.retired``; an import that
names it again brings it back). Removed teams, systems and API entities are deleted, each
audited; a team that still owns a service is kept, with a warning. ``dry_run`` computes the
same result and writes nothing, so the CLI can show what a prune would do before it does.

References to teams nobody registered follow one rule, for a Component's ``spec.owner`` and
a Group's ``spec.parent`` alike: the import goes on and says so in ``warnings``. An unknown
owner is registered as a placeholder team (name only, audited), so the service keeps its
owner; a later import of the Group fills it in. A dangling parent is kept as declared.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy.orm import Session

from unlockstep.errors import InvalidInput
from unlockstep.services.registry import save_service, save_team
from unlockstep.store import Store, audit, registry
from unlockstep.store import catalog as rows
from unlockstep.store.catalog import (
    ApiRecord,
    DependencyRecord,
    DependentRecord,
    SystemRecord,
)

ORDER = ("team", "system", "service", "api")
#: The fields each kind may set; anything else an entity carries is ignored.
FIELDS = {
    "team": {"display_name", "description", "email", "parent"},
    "system": {"description", "owner"},
    "service": {"description", "owner", "lifecycle", "type", "system", "tier", "repository_url"},
    "api": {"description", "type", "lifecycle", "owner", "system", "definition"},
}

__all__ = [
    "ApiRecord",
    "DependencyRecord",
    "DependentRecord",
    "ImportEntity",
    "ImportResult",
    "SystemRecord",
    "apply_import",
]


@dataclass(frozen=True, slots=True)
class ImportEntity:
    kind: str  # team | system | service | api
    name: str
    location: str
    where: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    relations: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    removed: list[str]
    pruned: bool
    warnings: list[str]
    retired: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    dry_run: bool = False


class _Preview(Exception):
    """Raised inside a dry run's unit of work so it rolls back, carrying the result."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__("dry run")
        self.result = result


RETIRED = "retired"


def _save_plain(session: Session, actor: str, kind: str, name: str, fields: dict[str, Any]) -> str:
    registry.check_name(name, kind)
    row = rows.find(session, kind, name)
    if row is None:
        row = rows.MODELS[kind](name=name, **fields)
        session.add(row)
        session.flush()
        audit.record(session, actor, f"{kind}.created", kind, name, None, rows.plain(row))
        return "created"
    before = rows.plain(row)
    if not registry.assign(row, fields):
        return "unchanged"
    session.flush()
    audit.record(session, actor, f"{kind}.updated", kind, name, before, rows.plain(row))
    return "updated"


def _placeholder_team(session: Session, actor: str, name: str, service: str, where: str) -> None:
    team, outcome = save_team(session, actor, name)
    if outcome == "created":
        audit.record(
            session,
            actor,
            "team.placeholder",
            "team",
            team.name,
            None,
            {"name": team.name},
            reason=f"owner of service {service} ({where}); not in the catalog",
        )


def apply_import(
    store: Store,
    actor: str,
    locations: list[str],
    entities: list[ImportEntity],
    *,
    prune: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    seen: dict[str, set[str]] = defaultdict(set)
    by_kind: dict[str, list[ImportEntity]] = defaultdict(list)
    for entity in entities:
        if entity.kind not in FIELDS:
            raise InvalidInput(f"unknown entity kind {entity.kind!r}", where=entity.where)
        if entity.name in seen[entity.kind]:
            raise InvalidInput(
                f"{entity.kind} {entity.name!r} is defined twice in this import",
                where=entity.where,
            )
        seen[entity.kind].add(entity.name)
        by_kind[entity.kind].append(entity)
    try:
        with store.session() as session:
            result = _apply(session, actor, locations, by_kind, seen, prune)
            if dry_run:
                raise _Preview(result)
            return result
    except _Preview as preview:
        return replace(preview.result, dry_run=True)


def _apply(
    session: Session,
    actor: str,
    locations: list[str],
    by_kind: dict[str, list[ImportEntity]],
    seen: dict[str, set[str]],
    prune: bool,
) -> ImportResult:
    outcome: dict[str, list[str]] = defaultdict(list)
    warnings: list[str] = []
    for kind in ORDER:
        for entity in by_kind[kind]:
            fields = {k: v for k, v in entity.fields.items() if k in FIELDS[kind]}
            fields["catalog_location"] = entity.location
            try:
                result = _save(session, actor, entity, fields, seen, warnings)
            except InvalidInput as exc:
                exc.where = exc.where or entity.where
                raise
            outcome[result].append(f"{kind}:{entity.name}")

    for entity in by_kind["service"]:
        _sync_relations(session, actor, entity)

    removed: list[str] = []
    retired: list[str] = []
    deleted: list[str] = []
    for kind in reversed(ORDER):  # services are retired before their teams are looked at
        for row in rows.stale(session, kind, locations, seen[kind]):
            if kind == "service" and row.lifecycle == RETIRED:
                continue  # retired by an earlier prune: nothing left to do
            name = f"{kind}:{row.name}"
            removed.append(name)
            if not prune:
                continue
            before = rows.plain(row)
            if kind == "service":
                row.lifecycle = RETIRED
                session.flush()
                audit.record(
                    session, actor, "service.retired", kind, row.name, before, rows.plain(row),
                    reason="removed from the catalog (catalog import --prune)",
                )  # fmt: skip
                retired.append(name)
            elif kind == "team" and rows.owns_services(session, row.id):
                warnings.append(
                    f"team {row.name} is gone from the catalog but still owns services; kept"
                )
            else:
                audit.record(
                    session, actor, f"{kind}.deleted", kind, row.name, before, None,
                    reason="removed from the catalog (catalog import --prune)",
                )  # fmt: skip
                session.delete(row)
                deleted.append(name)
    session.flush()
    order = {kind: index for index, kind in enumerate(ORDER)}
    removed.sort(key=lambda name: (order[name.split(":", 1)[0]], name))
    return ImportResult(
        created=outcome["created"],
        updated=outcome["updated"],
        unchanged=outcome["unchanged"],
        removed=removed,
        pruned=prune and bool(retired or deleted),
        warnings=warnings,
        retired=retired,
        deleted=sorted(deleted, key=lambda name: (order[name.split(":", 1)[0]], name)),
    )


def _unregistered(session: Session, name: Any, seen: dict[str, set[str]]) -> bool:
    return bool(name) and name not in seen["team"] and registry.find_team(session, name) is None


def _save(
    session: Session,
    actor: str,
    entity: ImportEntity,
    fields: dict[str, Any],
    seen: dict[str, set[str]],
    warnings: list[str],
) -> str:
    where = entity.where or entity.location
    if entity.kind == "team":
        parent = fields.get("parent")
        if _unregistered(session, parent, seen):
            warnings.append(
                f"{where}: parent group {parent!r} of team {entity.name} is not registered; "
                "kept as declared"
            )
        return save_team(session, actor, entity.name, **fields)[1]
    if entity.kind == "service":
        owner = fields.get("owner")
        if _unregistered(session, owner, seen):
            warnings.append(
                f"{where}: owner team {owner!r} of service {entity.name} is not registered; "
                "registered as a placeholder team"
            )
            _placeholder_team(session, actor, str(owner), entity.name, where)
        return save_service(session, actor, entity.name, **fields)[1]
    return _save_plain(session, actor, entity.kind, entity.name, fields)


def _sync_relations(session: Session, actor: str, entity: ImportEntity) -> None:
    service = registry.get_service(session, entity.name)
    wanted = {(r[0], r[1], r[2]) for r in entity.relations}
    have = rows.relations(session, service.id)
    if wanted == have:
        return
    rows.replace_relations(session, service.id, wanted)
    audit.record(
        session,
        actor,
        "service.dependencies-changed",
        "service",
        service.name,
        {"dependencies": sorted(list(r) for r in have)},
        {"dependencies": sorted(list(r) for r in wanted)},
    )


def dependencies(store: Store, service_name: str) -> list[DependencyRecord]:
    with store.session() as session:
        return rows.dependencies(session, registry.get_service(session, service_name).id)


def api_consumers(store: Store, api: str) -> list[DependentRecord]:
    """Who declares a relation to the API (consumers and providers)."""
    with store.session() as session:
        return rows.dependents(session, "api", api)


def list_systems(store: Store) -> list[SystemRecord]:
    with store.session() as session:
        return rows.list_systems(session)


def list_apis(store: Store) -> list[ApiRecord]:
    with store.session() as session:
        return rows.list_apis(session)
