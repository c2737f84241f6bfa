"""Protected environments and four-eyes approval: each handler translates between the wire
(``server/wire_approvals.py``) and one use case of ``services/approvals.py``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from unlockstep.server import wire_approvals as wire
from unlockstep.server.deps import PageDep, PrincipalDep, StoreDep
from unlockstep.server.wire import ErrorBody, Page
from unlockstep.services import approvals, authz
from unlockstep.store import Store

router = APIRouter(tags=["approvals"])


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    extra = (403,) if 401 in statuses else ()
    return {status: {"model": ErrorBody} for status in (*statuses, *extra, 422)}


def _may_decide(store: Store, principal: authz.Principal, request_id: int) -> None:
    """Who may approve or reject: whoever may make the change itself (the flag's team for a
    flag change, admin for a delete or for turning protection off)."""
    request = approvals.show(store, request_id)
    payload, env, target = request.payload, request.environment, request.target
    if request.action in ("flag.put", "flag.unkill"):
        authz.require_flag(store, principal, env, target, payload.get("flag"))
    elif request.action == "flagset.import":
        document, prune = payload.get("document") or {}, bool(payload.get("prune"))
        authz.require_flag_set(store, principal, env, document, prune=prune)
    else:
        authz.require_admin(principal, what=f"decide change request {request_id}")


@router.put(
    "/environments/{name}/protection",
    response_model=wire.ProtectionOut,
    responses=_errors(401, 404),
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


@router.get("/approvals", response_model=Page[wire.ChangeRequestOut], responses=_errors())
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
    responses=_errors(401, 404, 409, 412),
)
def approve(
    request_id: int, body: wire.DecisionIn, store: StoreDep, principal: PrincipalDep
) -> wire.DecisionOut:
    """Apply a pending change as a second person (not its requester)."""
    _may_decide(store, principal, request_id)
    done = approvals.approve(store, principal.name, request_id, body.reason)
    return wire.DecisionOut(request=wire.ChangeRequestOut.model_validate(done.request))


@router.post(
    "/approvals/{request_id}/reject",
    response_model=wire.DecisionOut,
    responses=_errors(401, 404, 409),
)
def reject(
    request_id: int, body: wire.DecisionIn, store: StoreDep, principal: PrincipalDep
) -> wire.DecisionOut:
    _may_decide(store, principal, request_id)
    done = approvals.reject(store, principal.name, request_id, body.reason)
    return wire.DecisionOut(request=wire.ChangeRequestOut.model_validate(done.request))
