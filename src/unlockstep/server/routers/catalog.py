"""Backstage catalog import (the CLI parses files and resolves ``$text``; this applies them)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from unlockstep.server.deps import ActorDep, StoreDep
from unlockstep.store import catalog

router = APIRouter(tags=["catalog"])


class EntityIn(BaseModel):
    kind: Literal["team", "system", "service", "api"]
    name: str
    location: str = Field(description="the descriptor file this entity came from")
    where: str | None = None
    fields: dict[str, Any] = Field(default_factory=dict)
    relations: list[tuple[str, str, str]] = Field(default_factory=list)


class ImportIn(BaseModel):
    locations: list[str] = Field(description="every descriptor file this import covers")
    entities: list[EntityIn]
    prune: bool = Field(False, description="delete entities gone from these locations")


_FIELDS = {
    "team": {"display_name", "description", "email", "parent"},
    "system": {"description", "owner"},
    "service": {"description", "owner", "lifecycle", "type", "system", "tier", "repository_url"},
    "api": {"description", "type", "lifecycle", "owner", "system", "definition"},
}


@router.post("/catalog/import")
def import_catalog(body: ImportIn, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    entities = []
    for entity in body.entities:
        data = entity.model_dump()
        data["fields"] = {k: v for k, v in entity.fields.items() if k in _FIELDS[entity.kind]}
        entities.append(data)
    with store.session() as session:
        return catalog.apply_import(session, actor, body.locations, entities, prune=body.prune)


@router.get("/services/{name}/dependencies")
def service_dependencies(name: str, store: StoreDep) -> dict[str, Any]:
    with store.session() as session:
        return {"service": name, "dependencies": catalog.dependencies(session, name)}


@router.get("/apis/{name}/consumers")
def api_consumers(name: str, store: StoreDep) -> dict[str, Any]:
    with store.session() as session:
        return {"api": name, "declared": catalog.dependents(session, "api", name)}


@router.get("/systems")
def list_systems(store: StoreDep) -> dict[str, Any]:
    """Systems (groupings of services) from the catalog, with their services."""
    with store.session() as session:
        items = catalog.list_entities(session, "system")
    return {"items": items, "total": len(items)}


@router.get("/apis")
def list_apis(store: StoreDep) -> dict[str, Any]:
    """API entities from the catalog (their documents come in as contracts)."""
    with store.session() as session:
        items = catalog.list_entities(session, "api")
    return {"items": items, "total": len(items)}
