"""Environments and what is live in them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from unlockstep.server.deps import ActorDep, StoreDep, with_etag
from unlockstep.store import registry

router = APIRouter(tags=["deployments"])


class EnvironmentIn(BaseModel):
    production: bool = False
    description: str | None = None


class DeploymentIn(BaseModel):
    service: str
    version: str
    environment: str
    instance: str | None = Field(None, description="application instance, when several run")


class ReleaseIn(BaseModel):
    service: str
    version: str
    environment: str


class UndeploymentIn(BaseModel):
    service: str
    environment: str
    instance: str | None = None


@router.get("/environments")
def list_environments(store: StoreDep) -> dict[str, Any]:
    with store.session() as session:
        items = registry.list_environments(session)
    return {"items": items, "total": len(items)}


@router.put("/environments/{name}")
def put_environment(
    name: str, body: EnvironmentIn, store: StoreDep, actor: ActorDep
) -> dict[str, Any]:
    with store.session() as session:
        env, outcome = registry.upsert_environment(
            session, actor, name, production=body.production, description=body.description
        )
        return {"environment": registry.environment_dict(env), "outcome": outcome}


@router.get("/environments/{name}")
def show_environment(name: str, request: Request, store: StoreDep) -> Response:
    with store.session() as session:
        env = registry.get_environment(session, name)
        body = registry.environment_dict(env)
        body["live"] = registry.live_versions(session, environment_id=env.id)
    return with_etag(request, body)


@router.post("/deployments", status_code=201)
def record_deployment(body: DeploymentIn, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    deployment, outcome = store.retrying(
        lambda session: registry.record_deployment(
            session, actor, body.service, body.version, body.environment, instance=body.instance
        )
    )
    return {"deployment": deployment, "outcome": outcome}


@router.post("/releases", status_code=201)
def record_release(body: ReleaseIn, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    release, outcome = store.retrying(
        lambda session: registry.record_release(
            session, actor, body.service, body.version, body.environment
        )
    )
    return {"release": release, "outcome": outcome}


@router.post("/undeployments")
def record_undeployment(body: UndeploymentIn, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    with store.session() as session:
        ended = registry.record_undeployment(
            session, actor, body.service, body.environment, instance=body.instance
        )
    return {"ended": ended}


@router.post("/support-ended")
def record_support_ended(body: ReleaseIn, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    with store.session() as session:
        ended = registry.record_support_ended(
            session, actor, body.service, body.version, body.environment
        )
    return {"ended": ended}
