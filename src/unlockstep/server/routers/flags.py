"""Flags: CRUD per environment with ETag/If-Match, kill switch, flag-set import/export (the
SDK's sync endpoint), evaluation counts, debt."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from unlockstep.core.flags import parse_flag_set
from unlockstep.core.flags.lifecycle import debt_report
from unlockstep.server.deps import ActorDep, StoreDep, with_etag
from unlockstep.store import flags as flag_store

router = APIRouter(tags=["flags"])

IfMatch = Annotated[str | None, Header(alias="If-Match")]


class FlagIn(BaseModel):
    flag: dict[str, Any] = Field(description="the flagd flag body for this environment")
    reason: str | None = Field(None, description="why, for the audit trail")


class FlagSetIn(BaseModel):
    document: dict[str, Any] = Field(description="a flagd flag-definition document")
    reason: str | None = None
    prune: bool = Field(False, description="delete flags the document does not name")


class KillIn(BaseModel):
    reason: str = Field(description="why the kill switch was pulled (required, audited)")


class CountIn(BaseModel):
    flag: str
    variant: str | None = None
    reason: str
    count: int = Field(ge=0)
    day: str | None = Field(None, description="YYYY-MM-DD, today when omitted")


class CountsIn(BaseModel):
    environment: str
    counts: list[CountIn]


@router.get("/flags")
def list_flags(store: StoreDep, environment: str | None = None) -> dict[str, Any]:
    with store.session() as session:
        items = flag_store.list_flags(session, environment)
    return {"items": items, "total": len(items)}


@router.get("/environments/{environment}/flags/{key}")
def show_flag(environment: str, key: str, store: StoreDep) -> Response:
    with store.session() as session:
        row = flag_store.get_flag_row(session, environment, key)
        body = flag_store.flag_dict(row)
    return JSONResponse(body, headers={"ETag": body["etag"]})


@router.put("/environments/{environment}/flags/{key}")
def put_flag(
    environment: str, key: str, body: FlagIn, store: StoreDep, actor: ActorDep,
    if_match: IfMatch = None,
) -> Response:  # fmt: skip
    with store.session() as session:
        row, outcome = flag_store.put_flag(
            session, actor, environment, key, body.flag, if_match=if_match, reason=body.reason
        )
        result = {**flag_store.flag_dict(row), "outcome": outcome}
    status = 201 if outcome == "created" else 200
    return JSONResponse(result, status_code=status, headers={"ETag": result["etag"]})


@router.delete("/environments/{environment}/flags/{key}", status_code=204)
def delete_flag(
    environment: str, key: str, store: StoreDep, actor: ActorDep, if_match: IfMatch = None,
    reason: str | None = None,
) -> Response:  # fmt: skip
    with store.session() as session:
        flag_store.delete_flag(session, actor, environment, key, if_match=if_match, reason=reason)
    return Response(status_code=204)


@router.post("/flags/{key}/kill")
def kill_flag(key: str, body: KillIn, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    with store.session() as session:
        environments = flag_store.kill_flag(session, actor, key, body.reason)
    return {"flag": key, "reason": body.reason, "environments": environments}


@router.put("/environments/{environment}/flagset")
def import_flag_set(
    environment: str, body: FlagSetIn, store: StoreDep, actor: ActorDep
) -> dict[str, Any]:
    with store.session() as session:
        summary = flag_store.import_flag_set(
            session, actor, environment, body.document, reason=body.reason, prune=body.prune
        )
    return {"environment": environment, **summary}


@router.get("/environments/{environment}/flagset")
def export_flag_set(environment: str, request: Request, store: StoreDep) -> Response:
    """The whole flagd document of an environment; the SDK polls it with If-None-Match."""
    with store.session() as session:
        document = flag_store.export_flag_set(session, environment)
    return with_etag(request, document)


@router.post("/flag-evaluations", status_code=202)
def record_evaluations(body: CountsIn, store: StoreDep) -> dict[str, Any]:
    with store.session() as session:
        added = flag_store.record_counts(
            session,
            body.environment,
            [count.model_dump() for count in body.counts],
            dt.datetime.now(dt.UTC).date(),
        )
    return {"accepted": added}


@router.get("/flag-debt")
def flag_debt(
    store: StoreDep,
    environment: str = "production",
    quiet_days: Annotated[int, Query(ge=1, le=365)] = 14,
) -> dict[str, Any]:
    today = dt.datetime.now(dt.UTC).date()
    with store.session() as session:
        document = flag_store.export_flag_set(session, environment)
        counts = flag_store.load_counts(session, environment, today - dt.timedelta(days=400))
    report = debt_report(parse_flag_set(document), today, counts, quiet_days=quiet_days)
    return {
        "environment": environment,
        "owners": {owner: [d.to_dict() for d in debts] for owner, debts in report.items()},
    }
