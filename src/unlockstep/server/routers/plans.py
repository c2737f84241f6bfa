"""Release plans: submit a plan file, list plans, show one with its progress (the use
cases are in ``services.plans``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse

from unlockstep.server import wire_plans as wire
from unlockstep.server.deps import PrincipalDep, SettingsDep, StoreDep, with_etag
from unlockstep.server.wire import Page, errors
from unlockstep.services import plans, policies

router = APIRouter(tags=["plans"])

TodayQuery = Annotated[date | None, Query(description="judge windows as of this date")]


@router.post(
    "/plans", status_code=201, response_model=wire.PlanSubmitted, responses=errors(401, 403, 422)
)
def submit(
    body: wire.PlanIn, request: Request, store: StoreDep, principal: PrincipalDep,
    today: TodayQuery = None,
) -> wire.PlanSubmitted:  # fmt: skip
    policies.admit_plan(store, request.app.state.admission, principal, body.source, body.filename)
    with store.session() as session:
        done = plans.submit(
            session, principal, source=body.source, filename=body.filename, files=body.files,
            today=today,
        )  # fmt: skip
    return wire.PlanSubmitted.model_validate(done)


@router.get("/plans", response_model=Page[wire.PlanSummary], responses=errors(422))
def list_plans(store: StoreDep, today: TodayQuery = None) -> Page[wire.PlanSummary]:
    with store.session() as session:
        found = plans.list_plans(session, today)
    items = [
        wire.PlanSummary.model_validate({**vars(record), **vars(check)}) for record, check in found
    ]
    return Page[wire.PlanSummary](items=items, total=len(items))


@router.get("/plans/{change}", response_model=wire.PlanShown, responses=errors(404, 422))
def show(
    change: str,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    today: TodayQuery = None,
) -> Response:
    with store.session() as session:
        shown = plans.show(session, change, today, settings.prometheus_url)
        body = wire.PlanShown.model_validate(shown)
    return with_etag(request, body.model_dump(mode="json"))


class MarkdownResponse(PlainTextResponse):
    media_type = "text/markdown"


@router.get(
    "/plans/{change}/document",
    response_class=MarkdownResponse,
    responses={
        200: {
            "content": {"text/markdown": {"schema": {"type": "string"}}},
            "description": "the release coordination document in Markdown",
        },
        **errors(404, 422, json_route=False),
    },
)
def document(
    change: str, store: StoreDep, settings: SettingsDep, today: TodayQuery = None
) -> MarkdownResponse:
    """The release coordination document in Markdown."""
    with store.session() as session:
        text = plans.document(session, change, today, settings.prometheus_url)
    return MarkdownResponse(text)
