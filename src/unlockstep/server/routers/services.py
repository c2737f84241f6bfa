"""Teams, services and versions."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from unlockstep.server import wire_registry as wire
from unlockstep.server.deps import PageDep, PrincipalDep, StoreDep, with_etag
from unlockstep.server.wire import errors
from unlockstep.services import authz, registry

router = APIRouter(tags=["services"])


def service_detail(detail: registry.ServiceDetail) -> wire.ServiceDetail:
    return wire.ServiceDetail.model_validate(
        {**asdict(detail.service), "live": detail.live, "versions": detail.versions}
    )


@router.get("/teams", response_model=wire.Page[wire.Team], responses=errors())
def list_teams(store: StoreDep) -> wire.Page[wire.Team]:
    items = [wire.Team.model_validate(t) for t in registry.list_teams(store)]
    return wire.Page[wire.Team](items=items, total=len(items))


@router.put("/teams/{name}", response_model=wire.TeamWritten, responses=errors(401, 422))
def put_team(
    name: str, body: wire.TeamIn, store: StoreDep, principal: PrincipalDep
) -> wire.TeamWritten:
    authz.require_admin(principal, what="create or change teams")
    written = registry.put_team(store, principal.name, name, **body.model_dump(by_alias=False))
    return wire.TeamWritten(team=wire.Team.model_validate(written.value), outcome=written.outcome)


@router.get("/services", response_model=wire.Page[wire.Service], responses=errors(422))
def list_services(
    request: Request,
    store: StoreDep,
    page: PageDep,
    owner: Annotated[str | None, Query(description="only this team's services")] = None,
) -> wire.Page[wire.Service]:
    found, total = registry.list_services(store, owner=owner, offset=page.offset, limit=page.limit)
    items = [wire.Service.model_validate(s) for s in found]
    return wire.Page[wire.Service].model_validate(page.body(request, items, total))


@router.get(
    "/services/{name}",
    response_model=wire.ServiceDetail,
    responses={304: {"description": "not modified (If-None-Match)"}, **errors(404, 422)},
)
def show_service(name: str, request: Request, store: StoreDep) -> Response:
    body = service_detail(registry.show_service(store, name))
    return with_etag(request, body.model_dump(mode="json"))


@router.put(
    "/services/{name}",
    response_model=wire.ServiceWritten,
    responses=errors(401, 404, 422),
)
def put_service(
    name: str, body: wire.ServiceIn, store: StoreDep, principal: PrincipalDep
) -> wire.ServiceWritten:
    fields = body.model_dump(by_alias=False)
    written = registry.put_service(store, principal, name, **fields)
    return wire.ServiceWritten(service=service_detail(written.value), outcome=written.outcome)


@router.put(
    "/services/{name}/versions/{number}",
    response_model=wire.VersionWritten,
    responses=errors(401, 404, 409, 422),
)
def put_version(
    name: str, number: str, body: wire.VersionIn, store: StoreDep, principal: PrincipalDep
) -> wire.VersionWritten:
    written = registry.put_version(
        store, principal, name, number, branch=body.branch, build_url=body.build_url
    )
    return wire.VersionWritten(
        version=wire.Version.model_validate(written.value), outcome=written.outcome
    )


@router.get(
    "/services/{name}/versions/{number}",
    response_model=wire.Version,
    responses={304: {"description": "not modified (If-None-Match)"}, **errors(404, 422)},
)
def get_version(name: str, number: str, request: Request, store: StoreDep) -> Response:
    body = wire.Version.model_validate(registry.show_version(store, name, number))
    return with_etag(request, body.model_dump(mode="json"))
