"""``GET /metrics``: unlockstep's own state in the Prometheus text format
(``services/state_metrics.py``), for the platform's Prometheus to scrape and alert on."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from unlockstep.core.usage import utc_day
from unlockstep.server.deps import SettingsDep, StoreDep, read_gate
from unlockstep.server.wire import errors
from unlockstep.services import state_metrics
from unlockstep.services.usage import utc_now

router = APIRouter(tags=["metrics"])
EXPOSITION = "text/plain; version=0.0.4; charset=utf-8"


class ExpositionResponse(PlainTextResponse):
    media_type = EXPOSITION


@router.get(
    "/metrics",
    response_class=ExpositionResponse,
    dependencies=[Depends(read_gate)],
    responses={
        200: {"content": {EXPOSITION: {"schema": {"type": "string"}}}},
        **errors(401, json_route=False),
    },
)
async def metrics(store: StoreDep, settings: SettingsDep) -> ExpositionResponse:
    """Deployments, flags and their debt, windows, cleanup blockers and usage as gauges."""
    gathered = await run_in_threadpool(state_metrics.gather, store, settings, utc_day(utc_now()))
    return ExpositionResponse(state_metrics.render(gathered))
