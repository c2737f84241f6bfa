"""Backstage catalog import (the CLI parses files and resolves ``$text``; this applies them)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic.alias_generators import to_snake

from unlockstep.server import wire_registry as wire
from unlockstep.server.deps import PrincipalDep, StoreDep
from unlockstep.server.wire import errors
from unlockstep.services import authz, catalog

router = APIRouter(tags=["catalog"])


def _entity(entity: wire.CatalogEntityIn) -> catalog.ImportEntity:
    return catalog.ImportEntity(
        kind=entity.kind,
        name=entity.name,
        location=entity.location,
        where=entity.where,
        fields={to_snake(k): v for k, v in entity.fields.items()},
        relations=list(entity.relations),
    )


@router.post(
    "/catalog/import",
    response_model=wire.CatalogImportResult,
    responses=errors(401, 404, 409, 413, 422),
)
def import_catalog(
    body: wire.CatalogImportIn, store: StoreDep, principal: PrincipalDep
) -> wire.CatalogImportResult:
    authz.require_admin(principal, what="import the catalog")
    result = catalog.apply_import(
        store, principal.name, body.locations, [_entity(e) for e in body.entities],
        prune=body.prune, dry_run=body.dry_run,
    )  # fmt: skip
    return wire.CatalogImportResult.model_validate(result)


@router.get(
    "/services/{name}/dependencies",
    response_model=wire.ServiceDependencies,
    responses=errors(404, 422),
)
def service_dependencies(name: str, store: StoreDep) -> wire.ServiceDependencies:
    found = catalog.dependencies(store, name)
    return wire.ServiceDependencies(
        service=name, dependencies=[wire.Dependency.model_validate(d) for d in found]
    )


@router.get("/apis/{name}/consumers", response_model=wire.ApiConsumers, responses=errors(422))
def api_consumers(name: str, store: StoreDep) -> wire.ApiConsumers:
    declared = [wire.Dependent.model_validate(d) for d in catalog.api_consumers(store, name)]
    return wire.ApiConsumers(api=name, declared=declared)


@router.get("/systems", response_model=wire.Page[wire.System], responses=errors())
def list_systems(store: StoreDep) -> wire.Page[wire.System]:
    """Systems (groupings of services) from the catalog, with their services."""
    items = [wire.System.model_validate(s) for s in catalog.list_systems(store)]
    return wire.Page[wire.System](items=items, total=len(items))


@router.get("/apis", response_model=wire.Page[wire.Api], responses=errors())
def list_apis(store: StoreDep) -> wire.Page[wire.Api]:
    """API entities from the catalog (their definitions are published as contracts)."""
    items = [wire.Api.model_validate(a) for a in catalog.list_apis(store)]
    return wire.Page[wire.Api](items=items, total=len(items))
