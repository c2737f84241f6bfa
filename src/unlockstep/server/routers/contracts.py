"""Contracts a service provides: publish a document per provider version (refused when it
violates the contract's mode, like a schema registry), check a candidate without writing."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from unlockstep.server import wire_contracts as wire
from unlockstep.server.deps import PrincipalDep, SettingsDep, StoreDep, with_etag
from unlockstep.server.errors import error_body
from unlockstep.server.limits import document_source
from unlockstep.server.wire import Page, errors
from unlockstep.server.wire_approvals import HELD, held
from unlockstep.services import authz, contracts, policies
from unlockstep.services.contract_references import ContractRef
from unlockstep.settings import Settings
from unlockstep.store.approvals import ChangeRequest

router = APIRouter(tags=["contracts"])


def _base(service: str, name: str) -> str:
    return f"/api/v1/services/{service}/contracts/{name}"


def _document(body: wire.DocumentIn, fallback: str, settings: Settings) -> contracts.Document:
    source = document_source(body.content, body.filename or fallback, settings)
    references = tuple(
        ContractRef(r.name, r.contract, r.version, r.service) for r in body.references
    )
    return contracts.Document(source, body.filename, body.kind, body.mode, body.policy, references)


@router.get(
    "/services/{service}/contracts",
    response_model=Page[wire.Contract],
    responses=errors(404),
)
def list_contracts(service: str, store: StoreDep) -> Page[wire.Contract]:
    with store.session() as session:
        items = [
            wire.Contract.model_validate(c) for c in contracts.list_contracts(session, service)
        ]
    return Page[wire.Contract](items=items, total=len(items))


@router.get(
    "/services/{service}/contracts/{name}",
    response_model=wire.ContractDetail,
    responses=errors(404),
)
def show_contract(service: str, name: str, request: Request, store: StoreDep) -> Response:
    with store.session() as session:
        body = wire.ContractDetail.model_validate(contracts.detail(session, service, name))
    return with_etag(request, body.model_dump(mode="json"))


@router.get(
    "/services/{service}/contracts/{name}/versions/{version}",
    response_model=wire.ContractDocument,
    responses=errors(404),
)
def get_document(
    service: str, name: str, version: str, request: Request, store: StoreDep
) -> Response:
    with store.session() as session:
        found = contracts.document(session, service, name, version)
        body = wire.ContractDocument.model_validate(found)
    return with_etag(request, body.model_dump(mode="json"))


@router.get(
    "/services/{service}/contracts/{name}/versions/{version}/referencedby",
    response_model=wire.ReferencedBy,
    responses=errors(404),
)
def referenced_by(service: str, name: str, version: str, store: StoreDep) -> wire.ReferencedBy:
    """The contract versions that import or ``$ref`` this one (a multi-file contract)."""
    with store.session() as session:
        found = contracts.referenced_by(session, service, name, version)
    return wire.ReferencedBy(items=[wire.Referrer.model_validate(r) for r in found])


@router.post(
    "/services/{service}/contracts/{name}/check",
    response_model=wire.Checked,
    responses=errors(404, 413, 422),
)
def check_contract(
    service: str, name: str, body: wire.DocumentIn, store: StoreDep, settings: SettingsDep
) -> wire.Checked:
    """What this document would do if published next: the report, nothing written."""
    doc = _document(body, f"{name}.candidate", settings)
    with store.session() as session:
        checked = contracts.check(session, service, name, doc)
    return wire.Checked(registered=checked.registered, report=wire.Report.of(checked.report))


@router.put(
    "/services/{service}/contracts/{name}/versions/{version}",
    response_model=wire.Published,
    responses={**HELD, **errors(401, 403, 404, 409, 413, 422)},
)
def publish_contract(
    service: str,
    name: str,
    version: str,
    body: wire.PublishIn,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> wire.Published | JSONResponse:
    doc = _document(body, f"{name}@{version}", settings)
    policies.admit_contract(
        store, request.app.state.admission, principal, service, name, version,
        content=body.content, filename=body.filename, kind=body.kind, adr=body.adr,
    )  # fmt: skip
    with store.session() as session:
        done = contracts.publish(
            session, principal, service, name, version, doc,
            force=body.force, semantic_change=body.semantic_change, adr=body.adr,
            reason=body.reason,
        )  # fmt: skip
        if isinstance(done, ChangeRequest):
            return held(done)
        if isinstance(done, contracts.Refused):
            error = error_body(
                "incompatible",
                done.message,
                where=f"{_base(service, name)}/versions/{version}",
                hint="make the change compatible (see the report), or pass --force "
                "(audited) when the break is agreed",
                details=wire.Report.of(done.report).model_dump(mode="json"),
            )
            return JSONResponse(error, status_code=409)
        return wire.Published.model_validate(
            {
                "contract": done.contract,
                "version": done.version,
                "outcome": done.outcome,
                "report": wire.Report.of(done.report) if done.report is not None else None,
                "verifications": done.verifications,
            }
        )


@router.put(
    "/services/{service}/contracts/{name}/mode",
    response_model=wire.ModeChanged,
    responses={**HELD, **errors(401, 403, 404, 422)},
)
def set_mode(
    service: str, name: str, body: wire.ModeIn, store: StoreDep, principal: PrincipalDep
) -> wire.ModeChanged | JSONResponse:
    """Change a contract's compatibility mode (its only way to change, admin only; audited
    with the reason). A publish never changes it."""
    authz.require_admin(principal, what=f"change the mode of {service}/{name}")
    with store.session() as session:
        done = contracts.set_mode(session, principal.name, service, name, body.mode, body.reason)
        if isinstance(done, ChangeRequest):
            return held(done)
        info, outcome = done
        return wire.ModeChanged.model_validate({"contract": info, "outcome": outcome})
