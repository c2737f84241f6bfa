"""Environments and what is live in them."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from unlockstep.server import wire_registry as wire
from unlockstep.server.deps import PrincipalDep, StoreDep, with_etag
from unlockstep.server.wire import errors
from unlockstep.services import authz, policies, registry

router = APIRouter(tags=["deployments"])

_WRITE_ERRORS = errors(401, 404, 409, 422)
_ADMITTED_ERRORS = errors(401, 403, 404, 409, 422)


@router.get("/environments", response_model=wire.Page[wire.Environment], responses=errors())
def list_environments(store: StoreDep) -> wire.Page[wire.Environment]:
    items = [wire.Environment.model_validate(e) for e in registry.list_environments(store)]
    return wire.Page[wire.Environment](items=items, total=len(items))


@router.put(
    "/environments/{name}",
    response_model=wire.EnvironmentWritten,
    responses=errors(401, 422),
)
def put_environment(
    name: str, body: wire.EnvironmentIn, store: StoreDep, principal: PrincipalDep
) -> wire.EnvironmentWritten:
    authz.require_admin(principal, what="create or change environments")
    written = registry.put_environment(
        store, principal.name, name, production=body.production, description=body.description
    )
    return wire.EnvironmentWritten(
        environment=wire.Environment.model_validate(written.value), outcome=written.outcome
    )


@router.get(
    "/environments/{name}",
    response_model=wire.EnvironmentDetail,
    responses={304: {"description": "not modified (If-None-Match)"}, **errors(404, 422)},
)
def show_environment(name: str, request: Request, store: StoreDep) -> Response:
    detail = registry.show_environment(store, name)
    body = wire.EnvironmentDetail.model_validate(
        {**wire.Environment.model_validate(detail.environment).model_dump(), "live": detail.live}
    )
    return with_etag(request, body.model_dump(mode="json"))


@router.post(
    "/deployments",
    status_code=201,
    response_model=wire.DeploymentWritten,
    responses=_ADMITTED_ERRORS,
)
def record_deployment(
    body: wire.DeploymentIn, request: Request, store: StoreDep, principal: PrincipalDep
) -> wire.DeploymentWritten:
    """Record that a version is live; policies are checked first (a deny is a 403
    ``policy_denied``, audited, and records nothing)."""
    policies.admit_deployment(
        store, request.app.state.admission, principal, body.service, body.version,
        body.environment, canary=body.canary, instance=body.instance,
    )  # fmt: skip
    written = registry.record_deployment(
        store, principal, body.service, body.version, body.environment, instance=body.instance
    )
    return wire.DeploymentWritten(
        deployment=wire.Deployment.model_validate(written.value), outcome=written.outcome
    )


@router.post(
    "/releases", status_code=201, response_model=wire.ReleaseWritten, responses=_WRITE_ERRORS
)
def record_release(
    body: wire.ReleaseIn, store: StoreDep, principal: PrincipalDep
) -> wire.ReleaseWritten:
    written = registry.record_release(
        store, principal, body.service, body.version, body.environment
    )
    return wire.ReleaseWritten(
        release=wire.Deployment.model_validate(written.value), outcome=written.outcome
    )


@router.post("/undeployments", response_model=wire.Ended, responses=errors(401, 404, 422))
def record_undeployment(
    body: wire.UndeploymentIn, store: StoreDep, principal: PrincipalDep
) -> wire.Ended:
    ended = registry.record_undeployment(
        store, principal, body.service, body.environment, instance=body.instance
    )
    return wire.Ended(ended=[wire.Deployment.model_validate(d) for d in ended])


@router.post("/support-ended", response_model=wire.Ended, responses=errors(401, 404, 422))
def record_support_ended(
    body: wire.ReleaseIn, store: StoreDep, principal: PrincipalDep
) -> wire.Ended:
    ended = registry.record_support_ended(
        store, principal, body.service, body.version, body.environment
    )
    return wire.Ended(ended=[wire.Deployment.model_validate(d) for d in ended])
