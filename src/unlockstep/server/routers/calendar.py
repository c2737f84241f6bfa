"""The release calendar: blackout and freeze periods and risky windows per environment, and
freeze exceptions (the use cases are in ``services.calendar``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from unlockstep.core import calendar as core
from unlockstep.server import wire_policies as wire
from unlockstep.server.deps import PrincipalDep, StoreDep
from unlockstep.server.wire import errors
from unlockstep.services import calendar

router = APIRouter(tags=["calendar"])


def _out(period: core.Period, active: bool) -> wire.PeriodOut:
    return wire.PeriodOut.model_validate({**period.to_dict(), "active": active})


@router.get("/calendar", response_model=wire.CalendarOut, responses=errors(422))
def show(
    store: StoreDep,
    environment: str | None = None,
    at: Annotated[datetime | None, Query(description="judge activity at (default: now)")] = None,
) -> wire.CalendarOut:
    """Every period (of ``environment`` and of every environment), and which are in force."""
    when = at or datetime.now(UTC)
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    found = calendar.list_periods(store, environment, when)
    return wire.CalendarOut(at=when, periods=[_out(p, active) for p, active in found])


@router.put(
    "/calendar/{environment}/{name}",
    response_model=wire.PeriodWritten,
    responses=errors(401, 403, 404, 422),
)
def put_period(
    environment: str, name: str, body: wire.PeriodIn, store: StoreDep, principal: PrincipalDep
) -> wire.PeriodWritten:
    """Set a period (``*`` as the environment: every one). Admin."""
    period = core.make_period(
        environment, name, body.kind, body.timezone, starts=body.starts, ends=body.ends,
        days=body.days, from_time=body.from_, to_time=body.to, reason=body.reason,
    )  # fmt: skip
    outcome = calendar.put_period(store, principal, period)
    now = datetime.now(UTC)
    return wire.PeriodWritten.model_validate(
        {"period": _out(period, period.active(now)), "outcome": outcome}
    )


@router.delete(
    "/calendar/{environment}/{name}",
    status_code=204,
    response_class=Response,
    responses=errors(401, 403, 404),
)
def delete_period(
    environment: str, name: str, store: StoreDep, principal: PrincipalDep
) -> Response:
    calendar.delete_period(store, principal, environment, name)
    return Response(status_code=204)


@router.get(
    "/calendar/exceptions", response_model=list[wire.FreezeExceptionOut], responses=errors()
)
def list_exceptions(store: StoreDep) -> list[wire.FreezeExceptionOut]:
    return [wire.FreezeExceptionOut.model_validate(e) for e in calendar.list_exceptions(store)]


@router.post(
    "/calendar/exceptions",
    status_code=201,
    response_model=wire.FreezeExceptionOut,
    responses=errors(401, 403, 404, 422),
)
def add_exception(
    body: wire.FreezeExceptionIn, store: StoreDep, principal: PrincipalDep
) -> wire.FreezeExceptionOut:
    """Let a service deploy through freezes (not blackouts) until the exception expires."""
    record = calendar.add_exception(
        store, principal, body.environment, body.service,
        owner=body.owner, reason=body.reason, expires_at=body.expires_at,
    )  # fmt: skip
    return wire.FreezeExceptionOut.model_validate(record)
