"""Usage evidence: usage over a period, "zero for N days", and what the receiver refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from unlockstep.core import usage as core
from unlockstep.errors import InvalidInput
from unlockstep.server.deps import SettingsDep, StoreDep
from unlockstep.server.wire import errors
from unlockstep.server.wire_usage import (
    DeprecationOut,
    DeprecationsOut,
    RejectionOut,
    RejectionsOut,
    UsageLineOut,
    UsageOut,
    ZeroOut,
)
from unlockstep.services import deprecations as deprecation_service
from unlockstep.services import usage as service
from unlockstep.services import usage_evidence

router = APIRouter(tags=["usage"])

Days = Annotated[int, Query(ge=1, le=core.LOOKBACK_DAYS, description="whole UTC days")]


@router.get("/usage", response_model=UsageOut, responses=errors())
def show_usage(
    store: StoreDep,
    metric: str | None = None,
    service_name: Annotated[str | None, Query(alias="service")] = None,
    environment: str | None = None,
    consumer: str | None = None,
    contract: str | None = None,
    version: str | None = None,
    operation: str | None = None,
    field: str | None = None,
    days: Days = 30,
    by_day: Annotated[bool, Query(alias="byDay")] = False,
) -> UsageOut:
    """Usage per series over the last ``days`` whole UTC days and today so far."""
    labels = {
        name: value
        for name, value in (
            ("service", service_name), ("environment", environment), ("consumer", consumer),
            ("contract", contract), ("version", version), ("operation", operation),
            ("field", field),
        )
        if value
    }  # fmt: skip
    today = core.utc_day(service.utc_now())
    report = service.usage(
        store,
        metric=metric,
        labels=labels,
        since=today - timedelta(days=days),
        until=today + timedelta(days=1),
        by_day=by_day,
    )
    return UsageOut(
        since=report.since,
        until=report.until,
        lines=[UsageLineOut.model_validate(line) for line in report.lines],
    )


@router.get("/usage/zero", response_model=ZeroOut, responses=errors())
def zero_days(store: StoreDep, settings: SettingsDep, selector: str, days: Days = 14) -> ZeroOut:
    """How many whole UTC days ``selector`` (``api_requests_total{version="v1"}``) has been
    zero, from the usage store or, when it has never seen the metric, Prometheus."""
    if not selector.strip():
        raise InvalidInput("the selector is empty", where="selector")
    today = core.utc_day(service.utc_now())
    with store.session() as session:
        answer = usage_evidence.zero(session, settings.prometheus_url, selector, days, today)
    return ZeroOut.model_validate(answer)


@router.get("/deprecations", response_model=DeprecationsOut, responses=errors())
def deprecations(store: StoreDep, settings: SettingsDep, days: Days = 30) -> DeprecationsOut:
    """Every deprecated operation, parameter and field with its sunset, and who still uses
    it (from the usage store): how much over the last ``days`` and when last seen."""
    today = core.utc_day(service.utc_now())
    with store.session() as session:
        found = deprecation_service.report(session, today, days)
    found += deprecation_service.flags(store, settings.flag_rules, today)
    items = [
        DeprecationOut.model_validate(
            {**vars(d), "in_use": d.in_use, "users": [vars(u) for u in d.users]}
        )
        for d in found
    ]
    return DeprecationsOut(days=days, items=items)


@router.get("/usage/rejections", response_model=RejectionsOut, responses=errors())
def rejections(store: StoreDep, days: Days = 7) -> RejectionsOut:
    """Points refused (series limit) or not understood, per service and reason."""
    since = core.utc_day(service.utc_now()) - timedelta(days=days)
    items = [RejectionOut.model_validate(item) for item in service.rejections(store, since)]
    return RejectionsOut(since=since, items=items)
