"""View-models of the rollout pages: every rollout with its live stage and what it waits
for, and one rollout with its stages, decisions and each analysis run's measurements as a
chart per check. Built from ``services/rollouts.py``; the twin is the view-model."""

from __future__ import annotations

from typing import Any

from unlockstep.core import charts
from unlockstep.server.dashboard._http import Context
from unlockstep.server.dashboard._views import View, _event, _iso
from unlockstep.services import analysis
from unlockstep.services import audit as audit_service
from unlockstep.services import rollouts as rollout_service

#: What a person may do to a rollout in each status (the service refuses the rest, too).
ACTIONS = {
    "running": ("promote", "pause", "abort"),
    "waiting": ("promote", "pause", "abort"),
    "paused": ("resume", "promote", "abort"),
}


def _summary(record: rollout_service.RolloutRecord) -> View:
    last = record.last_analysis
    return {
        "id": record.id,
        "flag": record.flag,
        "environment": record.environment,
        "status": record.status,
        "stage": record.stage,
        "stages": len(record.stages),
        "stageName": record.stage_name,
        "percent": record.stages[record.stage].percent if record.stages else None,
        "waitingFor": record.waiting_for,
        "reason": record.reason,
        "planChange": record.plan_change,
        "updatedAt": _iso(record.updated_at),
        "lastAnalysis": None
        if last is None
        else {"id": last.id, "status": last.status, "reason": last.reason},
    }


def rollouts(context: Context, active: bool | None = None) -> View:
    found = rollout_service.list_rollouts(context.store, active=active)
    return {
        "active": active,
        "rollouts": [_summary(r) for r in found],
    }


def _run(run: analysis.RunReport) -> View:
    return {
        "id": run.id,
        "stage": run.stage,
        "status": run.status,
        "reason": run.reason,
        "startedAt": _iso(run.started_at),
        "finishedAt": _iso(run.finished_at),
        "checks": [
            {
                "name": c.name,
                "provider": c.provider,
                "consumer": c.consumer,
                "status": c.status,
                "measured": len(c.measurements),
                "count": c.count,
                "failureLimit": c.failure_limit,
                "inconclusiveLimit": c.inconclusive_limit,
                "last": c.measurements[-1].message if c.measurements else None,
                "chart": charts.measurement_bars(
                    [(f"#{m.seq} {m.at:%H:%M:%S}", m.value, m.phase) for m in c.measurements]
                ).to_dict(),
            }
            for c in run.checks
        ],
    }


def rollout(context: Context, rollout_id: int) -> View:
    record = rollout_service.show(context.store, rollout_id)
    events, _ = audit_service.list_events(
        context.store, entity_type=rollout_service.ENTITY, entity=str(rollout_id), limit=30
    )
    stages: list[dict[str, Any]] = [
        {"index": s.index, "name": s.name, "percent": s.percent, "segments": s.segments,
         "approval": s.approval, "state": s.state}
        for s in record.stages
    ]  # fmt: skip
    return {
        **_summary(record),
        "variant": record.variant,
        "safeVariant": record.safe_variant,
        "stageStartedAt": _iso(record.stage_started_at),
        "nextAt": _iso(record.next_at),
        "createdBy": record.created_by,
        "createdAt": _iso(record.created_at),
        "stageList": stages,
        "actions": list(ACTIONS.get(record.status, ())),
        # newest first: the run deciding the live stage is the one people look for
        "analyses": [_run(r) for r in reversed(record.analyses)],
        "audit": [_event(e) for e in events],
    }
