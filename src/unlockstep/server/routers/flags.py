"""Flags: CRUD per environment with ETag/If-Match, kill switch, flag-set import/export (the
SDK's sync endpoint), evaluation counts, debt. Each handler translates between the wire
(``server/wire_flags.py``) and one use case of ``services/flags.py``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from unlockstep.server.deps import PageDep, PrincipalDep, SettingsDep, StoreDep, with_etag
from unlockstep.server.wire import Page, errors
from unlockstep.server.wire_approvals import HELD, held
from unlockstep.server.wire_flags import (
    CountsIn,
    EvaluationsAcceptedOut,
    FlagDebtOut,
    FlagIn,
    FlagOut,
    FlagSetDocumentOut,
    FlagSetImportOut,
    FlagSetIn,
    FlagSummaryOut,
    FlagWriteOut,
    KillIn,
    KillOut,
)
from unlockstep.services import authz, policies
from unlockstep.services import flags as service
from unlockstep.store.approvals import ChangeRequest

router = APIRouter(tags=["flags"])

IfMatch = Annotated[str | None, Header(alias="If-Match")]


#: A change in a protected environment: held for approval, not applied.
@router.get("/flags", response_model=Page[FlagSummaryOut], responses=errors())
def list_flags(
    request: Request, store: StoreDep, page: PageDep, environment: str | None = None
) -> Any:
    items, total = service.list_flags(store, environment, offset=page.offset, limit=page.limit)
    return page.body(request, [FlagSummaryOut.model_validate(item) for item in items], total)


@router.get(
    "/environments/{environment}/flags/{key}", response_model=FlagOut, responses=errors(404)
)
def show_flag(environment: str, key: str, store: StoreDep, response: Response) -> FlagOut:
    flag = FlagOut.model_validate(service.show_flag(store, environment, key))
    response.headers["ETag"] = flag.etag
    return flag


@router.put(
    "/environments/{environment}/flags/{key}",
    response_model=FlagWriteOut,
    responses={201: {"model": FlagWriteOut}, **HELD, **errors(401, 403, 404, 409, 412)},
)
def put_flag(
    environment: str, key: str, body: FlagIn, request: Request, store: StoreDep,
    principal: PrincipalDep,
    settings: SettingsDep, response: Response, if_match: IfMatch = None,
) -> FlagWriteOut | JSONResponse:  # fmt: skip
    policies.admit_flag(store, request.app.state.admission, principal, environment, key, body.flag)
    written = service.put_flag(
        store, principal, environment, key, body.flag, if_match=if_match,
        reason=body.reason, reverse_kill=body.reverse_kill, rules=settings.flag_rules,
    )  # fmt: skip
    if isinstance(written, ChangeRequest):
        return held(written)
    result = FlagWriteOut.model_validate(written)
    response.status_code = 201 if written.outcome == "created" else 200
    response.headers["ETag"] = result.etag
    return result


@router.delete(
    "/environments/{environment}/flags/{key}",
    status_code=204,
    response_class=Response,
    responses={**HELD, **errors(401, 404, 412)},
)
def delete_flag(
    environment: str, key: str, store: StoreDep, principal: PrincipalDep,
    if_match: IfMatch = None, reason: str | None = None,
) -> Response:  # fmt: skip
    request = service.delete_flag(
        store, principal, environment, key, if_match=if_match, reason=reason
    )
    return Response(status_code=204) if request is None else held(request)


@router.post("/flags/{key}/kill", response_model=KillOut, responses=errors(401, 404))
def kill_flag(key: str, body: KillIn, store: StoreDep, principal: PrincipalDep) -> KillOut:
    return KillOut.model_validate(service.kill_flag(store, principal, key, body.reason))


@router.put(
    "/environments/{environment}/flagset",
    response_model=FlagSetImportOut,
    responses={**HELD, **errors(401, 404, 409)},
)
def import_flag_set(
    environment: str,
    body: FlagSetIn,
    store: StoreDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> FlagSetImportOut | JSONResponse:
    result = service.import_flag_set(
        store, principal, environment, body.document, reason=body.reason, prune=body.prune,
        allow_invalid=body.allow_invalid, reverse_kills=body.reverse_kills,
        rules=settings.flag_rules,
    )  # fmt: skip
    if isinstance(result, ChangeRequest):
        return held(result)
    return FlagSetImportOut.model_validate(result)


@router.get(
    "/environments/{environment}/flagset",
    response_model=FlagSetDocumentOut,
    responses={304: {"description": "unchanged since the ETag sent as If-None-Match"}, **errors()},
)
def export_flag_set(environment: str, request: Request, store: StoreDep) -> Response:
    """The whole flagd document of an environment; the SDK polls it with If-None-Match."""
    return with_etag(request, service.export_flag_set(store, environment))


@router.post(
    "/flag-evaluations",
    status_code=202,
    response_model=EvaluationsAcceptedOut,
    responses=errors(401),
)
def record_evaluations(
    body: CountsIn, store: StoreDep, principal: PrincipalDep
) -> EvaluationsAcceptedOut:
    """Evaluation counts the SDK pushes; once tokens exist, any valid token (``read`` is
    enough, as the SDK holds for its sync) may send them."""
    authz.require(principal, "read", what="send evaluation counts")
    counts = [count.model_dump() for count in body.counts]
    today = dt.datetime.now(dt.UTC).date()
    return EvaluationsAcceptedOut(
        accepted=service.record_evaluations(store, body.environment, counts, today)
    )


@router.get("/flag-debt", response_model=FlagDebtOut, responses=errors())
def flag_debt(
    store: StoreDep,
    settings: SettingsDep,
    environment: str = "production",
    quiet_days: Annotated[int, Query(ge=1, le=365)] = 14,
) -> FlagDebtOut:
    today = dt.datetime.now(dt.UTC).date()
    report = service.flag_debt(store, environment, quiet_days, today, settings.flag_rules)
    owners = {owner: [d.to_dict() for d in debts] for owner, debts in report.owners.items()}
    return FlagDebtOut.model_validate({"environment": report.environment, "owners": owners})
