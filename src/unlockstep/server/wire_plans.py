"""The wire of release plans (camelCase :class:`~unlockstep.server.wire.Wire` models).

The plan report and progress are the core's own camelCase ``to_dict`` shapes (the same JSON
``plan render --format json`` prints offline), carried as objects."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from unlockstep.server.wire import Wire


class PlanIn(Wire):
    source: str = Field(description="the plan file's YAML text")
    filename: str = Field("plan.yaml", description="the plan file's name, for error messages")
    files: dict[str, str] = Field(
        default_factory=dict,
        description="contract files the plan points at (old/new), by the path it uses",
    )


class PlanRecord(Wire):
    """A submitted plan as stored: who submitted which revision when."""

    change: str
    title: str
    owner: str | None = None
    environment: str
    filename: str
    revision: int
    submitted_by: str
    submitted_at: str = Field(description="ISO 8601")
    updated_at: str = Field(description="ISO 8601")


class PlanCheck(Wire):
    ok: bool
    risk: dict[str, Any] = Field(description="level, score and why")
    errors: list[str]
    warnings: list[str]


class PlanSubmitted(Wire):
    plan: PlanRecord
    outcome: Literal["created", "updated", "unchanged"]
    check: PlanCheck


class PlanSummary(PlanRecord):
    ok: bool
    risk: dict[str, Any]
    errors: list[str]
    warnings: list[str]


class PlanShown(Wire):
    plan: PlanRecord
    check: PlanCheck
    progress: dict[str, Any] = Field(
        description="environment, counts, next steps and every step's status and gates"
    )
    sources: dict[str, str] = Field(description="evidence sources and whether they are known")
    report: dict[str, Any] = Field(description="the plan report (`plan render --format json`)")
    rollouts: list[dict[str, Any]] = Field(
        default_factory=list,
        description="the live (else latest) rollout of each of the plan's flags: stage, last "
        "analysis, what it waits for",
    )
