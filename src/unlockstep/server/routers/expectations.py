"""Expectations, verifications, can-i-deploy, the matrix, consumers and impact."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from unlockstep.core.contracts import read_any
from unlockstep.errors import InvalidInput
from unlockstep.server.deps import ActorDep, PageDep, PrincipalDep, StoreDep
from unlockstep.services import authz
from unlockstep.store import can_i_deploy as deploy_check
from unlockstep.store import expectations, integrations

router = APIRouter(tags=["expectations"])


class ExpectationIn(BaseModel):
    consumer: str
    version: str
    provider: str
    contract: str
    document: dict[str, Any] = Field(description="the YAML expectation or a Pact file, as JSON")


class VerificationIn(BaseModel):
    consumer: str
    consumer_version: str
    provider: str
    provider_version: str
    contract: str
    success: bool
    source: str = Field("provider-test", description="who verified, e.g. provider-test")
    build_url: str | None = None


class ImpactIn(BaseModel):
    provider: str
    contract: str
    document: dict[str, Any]
    against: str | None = Field(None, description="provider version to compare with")


@router.post("/expectations", status_code=201)
def publish_expectation(
    body: ExpectationIn, store: StoreDep, actor: ActorDep, principal: PrincipalDep
) -> dict[str, Any]:
    authz.require_service(store, principal, body.consumer, what="publish expectations")  # trust
    expectation, names = read_any(body.document, "document")
    for role in ("consumer", "provider"):
        named = names[role]
        if named and named != getattr(body, role):
            raise InvalidInput(
                f"the Pact file's {role} is {named!r}, not {getattr(body, role)!r}",
                where=role,
                hint=f"publish it with --{role} {named}",
            )
    with store.session() as session:
        return expectations.publish_expectation(
            session,
            actor,
            consumer=body.consumer,
            version=body.version,
            provider=body.provider,
            contract=body.contract,
            expectation=expectation,
        )


@router.post("/verifications", status_code=201)
def report_verification(
    body: VerificationIn, store: StoreDep, actor: ActorDep, principal: PrincipalDep
) -> dict[str, Any]:
    authz.require_service(store, principal, body.provider, what="report verifications")  # trust
    with store.session() as session:
        return expectations.record_verification(
            session,
            actor,
            consumer=body.consumer,
            consumer_version=body.consumer_version,
            provider=body.provider,
            provider_version=body.provider_version,
            contract=body.contract,
            success=body.success,
            source=body.source,
            build_url=body.build_url,
        )


@router.get("/can-i-deploy", response_model=None)
def can_i_deploy(
    store: StoreDep,
    service: Annotated[list[str], Query(description="service; repeat for several")],
    version: Annotated[list[str], Query(description="its version, in the same order")],
    environment: Annotated[str, Query(description="where it is going")],
) -> JSONResponse:
    """yes / no / unknown with the evidence for every integration (always HTTP 200: the
    answer is a value). The body is returned as is, without response-model encoding."""
    if len(service) != len(version):
        raise InvalidInput(
            "give one version per service", where="version", hint="--service A --version 1 …"
        )
    with store.session() as session:
        body = deploy_check.can_i_deploy(
            session, list(zip(service, version, strict=True)), environment
        )
    return JSONResponse(body)


@router.get("/matrix")
def matrix(
    request: Request,
    store: StoreDep,
    page: PageDep,
    provider: str | None = None,
    consumer: str | None = None,
    contract: str | None = None,
    status: Annotated[str | None, Query(pattern="^(verified|failed)$")] = None,
) -> dict[str, Any]:
    with store.session() as session:
        items, total = integrations.matrix(
            session,
            provider=provider,
            consumer=consumer,
            contract=contract,
            status=status,
            offset=page.offset,
            limit=page.limit,
        )
    return page.body(request, items, total)


@router.get("/services/{name}/consumers")
def consumers(name: str, store: StoreDep, contract: str | None = None) -> dict[str, Any]:
    with store.session() as session:
        return integrations.consumers(session, name, contract)


@router.post("/impact")
def impact(body: ImpactIn, store: StoreDep) -> dict[str, Any]:
    with store.session() as session:
        return integrations.impact(
            session, body.provider, body.contract, body.document, body.against
        )
