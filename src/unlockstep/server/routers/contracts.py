"""Contracts a service provides: publish a document per provider version (refused when it
violates the contract's mode, like a schema registry), check a candidate without writing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from unlockstep.core.compat import CompatibilityReport, Source
from unlockstep.core.contracts import (
    canonical_hash,
    engine_for,
    judge,
    parse_mode,
    parse_policy,
)
from unlockstep.core.envelope import check_publish
from unlockstep.server.deps import ActorDep, PrincipalDep, SettingsDep, StoreDep, with_etag
from unlockstep.server.errors import error_body
from unlockstep.server.limits import document_source
from unlockstep.services import authz
from unlockstep.store import contracts
from unlockstep.store.expectations import verify_published
from unlockstep.store.registry import get_service

router = APIRouter(tags=["contracts"])


class DocumentIn(BaseModel):
    content: str = Field(description="the document (OpenAPI, AsyncAPI, JSON Schema…) as text")
    filename: str = Field("", max_length=300, description="where it came from, for messages")
    kind: str | None = Field(None, description="openapi, asyncapi, jsonschema…; detected if absent")
    mode: str | None = Field(None, description="BACKWARD (default), FORWARD, FULL, …, NONE")
    policy: str | None = Field(None, description="lenient (default) or strict")


class PublishIn(DocumentIn):
    force: bool = Field(False, description="replace a version's document / publish despite a "
                        "violated mode; audited")  # fmt: skip
    semantic_change: bool = Field(False, description="the meaning changes: needs a new "
                                  "eventType or an ADR link")  # fmt: skip
    adr: str | None = Field(None, max_length=500, description="link to the decision record")


def _base(service: str, name: str) -> str:
    return f"/api/v1/services/{service}/contracts/{name}"


@router.get("/services/{service}/contracts")
def list_contracts(service: str, store: StoreDep) -> dict[str, Any]:
    with store.session() as session:
        items = contracts.list_contracts(session, service)
    return {"items": items, "total": len(items)}


@router.get("/services/{service}/contracts/{name}")
def show_contract(service: str, name: str, request: Request, store: StoreDep) -> Response:
    with store.session() as session:
        body = contracts.contract_detail(session, service, name)
    return with_etag(request, body)


@router.get("/services/{service}/contracts/{name}/versions/{version}")
def get_document(
    service: str, name: str, version: str, request: Request, store: StoreDep
) -> Response:
    with store.session() as session:
        body = contracts.contract_document(session, service, name, version)
    return with_etag(request, body)


@router.post("/services/{service}/contracts/{name}/check")
def check_contract(
    service: str, name: str, body: DocumentIn, store: StoreDep, settings: SettingsDep
) -> dict[str, Any]:
    """What this document would do if published next: the report, nothing written."""
    source = document_source(body.content, body.filename or f"{name}.candidate", settings)
    with store.session() as session:
        svc = get_service(session, service)
        contract = contracts.find_contract(session, svc, name)
        engine = engine_for(source, body.kind, contract.kind if contract else None)
        mode = parse_mode(body.mode or (contract.mode if contract else None))
        report = judge(
            engine, source, contracts.history(session, contract), mode, parse_policy(body.policy)
        )
        registered = contract is not None
    return {"registered": registered, "report": report.to_dict()}


@router.put("/services/{service}/contracts/{name}/versions/{version}", response_model=None)
def publish_contract(
    service: str,
    name: str,
    version: str,
    body: PublishIn,
    store: StoreDep,
    actor: ActorDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> dict[str, Any] | JSONResponse:
    authz.require_contract_publish(store, principal, service, name, body.mode)  # trust
    source = document_source(body.content, body.filename or f"{name}@{version}", settings)
    sha256 = canonical_hash(source)
    with store.session() as session:
        svc = get_service(session, service)
        contract = contracts.find_contract(session, svc, name)
        engine = engine_for(source, body.kind, contract.kind if contract else None)
        mode = parse_mode(body.mode or (contract.mode if contract else None))
        existing = contracts.current(session, contract, version)
        report = None
        if existing is None or existing.blob_sha256 != sha256:
            history = contracts.history(session, contract, excluding=version)
            report = judge(engine, source, history, mode, parse_policy(body.policy))
            if body.semantic_change:
                last = Source(history[-1].content, history[-1].filename) if history else None
                found = check_publish(
                    source, last, declared=True, adr=body.adr, subject=f"{service}/{name}"
                )
                report = CompatibilityReport(report.mode, report.kind, (*report.changes, *found))
            if not report.compatible and not body.force:
                message = (
                    f"{service}/{name} {version} violates the contract's {mode.value} mode: "
                    f"{len(report.breaking)} breaking change(s)"
                )
                if any(
                    c.rule == "semantic-change-requires-new-event-type" for c in report.breaking
                ):
                    message = (
                        f"{service}/{name} {version} declares a semantic change under the same "
                        "event type"
                    )
                error = error_body(
                    "incompatible",
                    message,
                    where=f"{_base(service, name)}/versions/{version}",
                    hint="make the change compatible (see the report), or pass --force "
                    "(audited) when the break is agreed",
                    details=report.to_dict(),
                )
                return JSONResponse(error, status_code=409)
        forced = report.to_dict() if report is not None and not report.compatible else None
        stored, outcome = contracts.publish(
            session,
            actor,
            svc,
            name,
            version,
            kind=engine.kind,
            mode=mode.value,
            sha256=sha256,
            content=body.content,
            filename=body.filename,
            force=body.force,
            forced_report=forced,
        )
        verified = (
            [] if outcome == "unchanged" else verify_published(session, service, version, name)
        )
    return {
        "contract": {"service": service, "name": name, "kind": engine.kind, "mode": mode.value},
        "version": stored,
        "outcome": outcome,
        "report": report.to_dict() if report is not None else None,
        "verifications": verified,
    }
