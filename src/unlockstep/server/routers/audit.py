"""The audit trail, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from unlockstep.server import wire_registry as wire
from unlockstep.server.deps import PageDep, StoreDep
from unlockstep.server.wire import errors
from unlockstep.services import audit

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=wire.Page[wire.AuditEvent], responses=errors(422))
def list_audit(
    request: Request,
    store: StoreDep,
    page: PageDep,
    entity_type: Annotated[str | None, Query(description="service, deployment, flag…")] = None,
    entity: Annotated[
        str | None,
        Query(
            description="an entity key, e.g. case-service (also finds case-service/1.4.0); "
            "a flag key finds that flag in every environment"
        ),
    ] = None,
    actor: Annotated[str | None, Query()] = None,
) -> wire.Page[wire.AuditEvent]:
    found, total = audit.list_events(
        store,
        entity_type=entity_type,
        entity=entity,
        actor=actor,
        offset=page.offset,
        limit=page.limit,
    )
    items = [wire.AuditEvent.model_validate(e) for e in found]
    return wire.Page[wire.AuditEvent].model_validate(page.body(request, items, total))
