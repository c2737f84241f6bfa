"""Teams, services and versions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from unlockstep.server.deps import ActorDep, PageDep, StoreDep, with_etag
from unlockstep.store import registry

router = APIRouter(tags=["services"])


class TeamIn(BaseModel):
    display_name: str | None = None
    description: str | None = None
    email: str | None = None


class ServiceIn(BaseModel):
    owner: str | None = Field(None, description="the owning team's name")
    tier: int | None = Field(None, ge=1, le=3)
    lifecycle: str | None = None
    type: str | None = None
    system: str | None = None
    repository_url: str | None = None
    description: str | None = None


class VersionIn(BaseModel):
    branch: str | None = None
    build_url: str | None = None


@router.get("/teams")
def list_teams(store: StoreDep) -> dict[str, Any]:
    with store.session() as session:
        items = registry.list_teams(session)
    return {"items": items, "total": len(items)}


@router.put("/teams/{name}")
def put_team(name: str, body: TeamIn, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    with store.session() as session:
        team, outcome = registry.upsert_team(session, actor, name, **body.model_dump())
        return {"team": registry.team_dict(team), "outcome": outcome}


@router.get("/services")
def list_services(
    request: Request,
    store: StoreDep,
    page: PageDep,
    owner: Annotated[str | None, Query(description="only this team's services")] = None,
) -> dict[str, Any]:
    with store.session() as session:
        items, total = registry.list_services(
            session, owner=owner, offset=page.offset, limit=page.limit
        )
    return page.body(request, items, total)


@router.get("/services/{name}")
def show_service(name: str, request: Request, store: StoreDep) -> Response:
    with store.session() as session:
        body = registry.service_detail(session, name)
    return with_etag(request, body)


@router.put("/services/{name}")
def put_service(name: str, body: ServiceIn, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    with store.session() as session:
        fields = body.model_dump()
        service, outcome = registry.upsert_service(session, actor, name, **fields)
        return {"service": registry.service_detail(session, service.name), "outcome": outcome}


@router.put("/services/{name}/versions/{number}")
def put_version(
    name: str, number: str, body: VersionIn, store: StoreDep, actor: ActorDep
) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        service = registry.get_service(session, name)
        version, outcome = registry.upsert_version(
            session, actor, service, number, branch=body.branch, build_url=body.build_url
        )
        return {"version": registry.version_dict(version, name), "outcome": outcome}

    return store.retrying(work)


@router.get("/services/{name}/versions/{number}")
def get_version(name: str, number: str, request: Request, store: StoreDep) -> Response:
    with store.session() as session:
        service = registry.get_service(session, name)
        body = registry.version_dict(registry.get_version(session, service, number), name)
    return with_etag(request, body)
