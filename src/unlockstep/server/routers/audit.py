from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from unlockstep.server.deps import PageDep, StoreDep
from unlockstep.store import audit

router = APIRouter(tags=["audit"])


@router.get("/audit")
def list_audit(
    request: Request,
    store: StoreDep,
    page: PageDep,
    entity_type: Annotated[str | None, Query(description="service, deployment, flag…")] = None,
    entity: Annotated[str | None, Query(description="an entity key, e.g. case-service")] = None,
    actor: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    with store.session() as session:
        items, total = audit.list_events(
            session,
            entity_type=entity_type,
            entity_key=entity,
            actor=actor,
            offset=page.offset,
            limit=page.limit,
        )
    return page.body(request, items, total)
