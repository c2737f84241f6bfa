"""Expectations, verifications, can-i-deploy, the matrix, consumers and impact."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from unlockstep.errors import InvalidInput
from unlockstep.server import wire_expectations as wire
from unlockstep.server.deps import PageDep, PrincipalDep, SettingsDep, StoreDep
from unlockstep.server.pact._hal import base
from unlockstep.server.wire import Page, errors
from unlockstep.services import can_i_deploy as deploy_check
from unlockstep.services import expectations, integrations, pact_events

router = APIRouter(tags=["expectations"])


@router.post(
    "/expectations",
    status_code=201,
    response_model=wire.ExpectationPublished,
    responses=errors(401, 403, 404, 422),
)
def publish_expectation(
    body: wire.ExpectationIn, request: Request, store: StoreDep, principal: PrincipalDep
) -> wire.ExpectationPublished:
    """Publish what a consumer version uses of a provider contract (the YAML format or a
    Pact file). A Pact file names its consumer and provider; a consumer not yet registered
    is registered (``consumerRegistered``). Without ``contract``, the provider's only
    contract of the expectation's kind is chosen (``contractChosenBy`` says so)."""
    with store.session() as session:
        done = expectations.publish_expectation(
            session,
            principal,
            consumer=body.consumer,
            version=body.version,
            provider=body.provider,
            contract=body.contract,
            document=body.document,
        )
        pact_events.after_publish(session, done, body.document, base(request))
    request.app.state.worker.wake()  # after the commit: the deliveries are in the table
    return wire.ExpectationPublished.model_validate(done)


@router.post(
    "/verifications",
    status_code=201,
    response_model=wire.VerificationRecorded,
    responses=errors(401, 403, 404, 422),
)
def report_verification(
    body: wire.VerificationIn, request: Request, store: StoreDep, principal: PrincipalDep
) -> wire.VerificationRecorded:
    """A provider build's result; fires the Pact Broker's verification webhook events."""
    with store.session() as session:
        done = expectations.record_verification(
            session,
            principal,
            consumer=body.consumer,
            consumer_version=body.consumer_version,
            provider=body.provider,
            provider_version=body.provider_version,
            contract=body.contract,
            success=body.success,
            source=body.source,
            build_url=body.build_url,
        )
        pact_events.after_verification(session, done, body.success, base(request))
    request.app.state.worker.wake()
    return wire.VerificationRecorded.model_validate(done)


@router.get("/can-i-deploy", response_model=wire.Decision, responses=errors(404, 422))
def can_i_deploy(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    service: Annotated[list[str], Query(description="service; repeat for several")],
    version: Annotated[list[str], Query(description="its version, in the same order")],
    environment: Annotated[str, Query(description="where it is going")],
) -> Response:
    """yes / no / unknown with the evidence for every integration (always HTTP 200: the
    answer is a value). A hot path: the body is validated once and serialised by Pydantic,
    not validated a second time by the response model (``bench/wire.py``)."""
    if len(service) != len(version):
        raise InvalidInput(
            "give one version per service", where="version", hint="--service A --version 1 …"
        )
    with store.session() as session:
        asked = deploy_check.can_i_deploy(
            session,
            list(zip(service, version, strict=True)),
            environment,
            hidden=settings.hidden_dependencies,
            admission=request.app.state.admission,
        )
    subjects = [{"service": s, "version": v} for s, v in asked.subjects]
    body = wire.Decision.model_validate({**asked.decision.to_dict(), "subjects": subjects})
    return Response(body.model_dump_json(), media_type="application/json")


@router.get("/matrix", response_model=Page[wire.MatrixRow], responses=errors(404, 422))
def matrix(
    request: Request,
    store: StoreDep,
    page: PageDep,
    provider: str | None = None,
    consumer: str | None = None,
    contract: str | None = None,
    status: Annotated[str | None, Query(pattern="^(verified|failed)$")] = None,
) -> Page[wire.MatrixRow]:
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
    rows = [wire.MatrixRow.model_validate(i) for i in items]
    return Page[wire.MatrixRow].model_validate(page.body(request, rows, total))


@router.get("/services/{name}/consumers", response_model=wire.Consumers, responses=errors(404))
def consumers(name: str, store: StoreDep, contract: str | None = None) -> wire.Consumers:
    with store.session() as session:
        return wire.Consumers.model_validate(integrations.consumers(session, name, contract))


@router.post("/impact", response_model=wire.Impact, responses=errors(404, 422))
def impact(body: wire.ImpactIn, store: StoreDep) -> wire.Impact:
    with store.session() as session:
        found = integrations.impact(
            session, body.provider, body.contract, body.document, body.against
        )
    return wire.Impact.model_validate(found)
