"""Protected environments and four-eyes approval: each handler translates between the wire
(``server/wire_approvals.py``) and one use case of ``services/approvals.py``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from unlockstep.server import wire_approvals as wire
from unlockstep.server.deps import PageDep, PrincipalDep, StoreDep
from unlockstep.server.wire import Page, errors
from unlockstep.services import approvals, authz

router = APIRouter(tags=["approvals"])


@router.put(
    "/environments/{name}/protection",
    response_model=wire.ProtectionOut,
    responses=errors(401, 404),
)
def set_protection(
    name: str, body: wire.ProtectionIn, store: StoreDep, principal: PrincipalDep
) -> wire.ProtectionOut:
    """Protect an environment (at once), or ask to unprotect it (a change request)."""
    authz.require_admin(principal, what=f"change the protection of environment {name!r}")
    if body.protected:
        done = approvals.protect(store, principal.name, name, body.reason)
    else:
        done = approvals.unprotect(store, principal.name, name, body.reason)
    return wire.ProtectionOut.model_validate(done)


@router.get("/approvals", response_model=Page[wire.ChangeRequestOut], responses=errors())
def list_approvals(
    request: Request,
    store: StoreDep,
    page: PageDep,
    status: Annotated[
        str | None, Query(pattern="^(pending|approved|rejected|expired)$")
    ] = "pending",
) -> Any:
    items, total = approvals.list_requests(store, status, offset=page.offset, limit=page.limit)
    return page.body(request, [wire.ChangeRequestOut.model_validate(i) for i in items], total)


@router.post(
    "/approvals/{request_id}/approve",
    response_model=wire.DecisionOut,
    responses=errors(401, 404, 409, 412),
)
def approve(
    request_id: int, body: wire.DecisionIn, store: StoreDep, principal: PrincipalDep
) -> wire.DecisionOut:
    """Apply a pending change as a second person (not its requester)."""
    done = approvals.approve(store, principal, request_id, body.reason)
    return wire.DecisionOut(request=wire.ChangeRequestOut.model_validate(done.request))


@router.post(
    "/approvals/{request_id}/reject",
    response_model=wire.DecisionOut,
    responses=errors(401, 404, 409),
)
def reject(
    request_id: int, body: wire.DecisionIn, store: StoreDep, principal: PrincipalDep
) -> wire.DecisionOut:
    done = approvals.reject(store, principal, request_id, body.reason)
    return wire.DecisionOut(request=wire.ChangeRequestOut.model_validate(done.request))
