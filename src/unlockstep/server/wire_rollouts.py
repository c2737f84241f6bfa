"""The wire of rollouts and analysis runs (camelCase :class:`~unlockstep.server.wire.Wire`
models). The rollout and analysis documents are the core's own camelCase shapes (what
``rollout start FILE`` reads), carried as objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from unlockstep.server.wire import Wire


class RolloutIn(Wire):
    rollout: dict[str, Any] = Field(
        description="the rollout document: flag, environment, stages, analysis (docs/rollouts.md)"
    )
    reason: str | None = None


class AnalysisIn(Wire):
    analysis: dict[str, Any] = Field(description="the analysis template: name and checks")
    args: dict[str, str] = Field(default_factory=dict, description="fills {{name}}")
    consumers: list[str] = Field(
        default_factory=list, description="consumers for perConsumer checks"
    )
    contract: str | None = Field(
        None, description="provider/contract: its consumers in the registry, for perConsumer"
    )


class ActionIn(Wire):
    reason: str | None = Field(None, description="why, for the audit trail")


class MeasurementOut(Wire):
    check: str
    seq: int
    at: datetime
    phase: Literal["pass", "fail", "inconclusive"]
    value: float | None
    message: str
    data: dict[str, Any] = Field(default_factory=dict)


class CheckReportOut(Wire):
    name: str
    provider: str
    status: Literal["running", "pass", "fail", "inconclusive"]
    count: int
    failure_limit: int
    inconclusive_limit: int
    consumer: str | None = None
    measurements: list[MeasurementOut]


class AnalysisRunOut(Wire):
    id: int | None
    name: str
    status: Literal["running", "pass", "fail", "inconclusive"]
    reason: str
    started_at: datetime
    finished_at: datetime | None
    rollout_id: int | None = None
    stage: int | None = None
    checks: list[CheckReportOut]


class StageOut(Wire):
    index: int
    name: str
    percent: float
    segments: list[Any]
    approval: bool
    state: Literal["done", "current", "aborted", "pending"]


class RolloutOut(Wire):
    id: int
    flag: str
    environment: str
    status: Literal["running", "waiting", "paused", "aborted", "completed"]
    stage: int
    stage_name: str
    stages: list[StageOut]
    variant: str
    safe_variant: str
    reason: str
    waiting_for: str = Field(description="what the rollout waits for now")
    next_at: datetime | None
    stage_started_at: datetime
    plan_change: str | None = None
    created_by: str
    created_at: datetime
    updated_at: datetime
    plan: dict[str, Any]
    last_analysis: AnalysisRunOut | None = None
    analyses: list[AnalysisRunOut] = Field(
        default_factory=list, description="every analysis run, oldest first (one rollout only)"
    )
