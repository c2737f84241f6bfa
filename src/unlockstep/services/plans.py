"""Release plans on the server: submit a plan file, list plans, show one with its progress.

Progress is derived from recorded deployments, flag states, verifications (window consumers,
cleanup blockers and step gates "verified against the new contract") and usage where the
metric is a flag's evaluation count; parts that cannot be checked say so. The evidence is
gathered once per plan and request, for every question the plan asks (its window, its
cleanup and its steps' gates), and judged in ``core.plans``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from unlockstep.core import plans as core
from unlockstep.core.plans import Evidence, Plan, Step, blocker_from_text, questions
from unlockstep.errors import InvalidInput
from unlockstep.services import authz
from unlockstep.services.authz import Principal
from unlockstep.store import plan_evidence
from unlockstep.store import plans as store
from unlockstep.store.plans import ReleasePlan

#: evidence sources progress can use, and whether this server has them yet
SOURCES = {
    "deployments": "available",
    "flags": "available",
    "verifications": "available",
    "usage": "flag evaluation counts only; other metrics have no usage source",
}
NO_USAGE_SOURCE = "no usage source for this metric (only flag evaluation counts are recorded)"


@dataclass(frozen=True)
class PlanRecord:
    change: str
    title: str
    owner: str | None
    environment: str
    filename: str
    revision: int
    submitted_by: str
    submitted_at: str
    updated_at: str

    @classmethod
    def of(cls, row: ReleasePlan) -> PlanRecord:
        return cls(
            row.change, row.title, row.owner, row.environment, row.filename, row.revision,
            row.submitted_by, row.submitted_at.isoformat(), row.updated_at.isoformat(),
        )  # fmt: skip


@dataclass(frozen=True)
class PlanCheck:
    ok: bool
    risk: dict[str, Any]
    errors: list[str]
    warnings: list[str]

    @classmethod
    def of(cls, report: core.PlanReport) -> PlanCheck:
        return cls(report.ok, report.risk.to_dict(), list(report.errors), list(report.warnings))


@dataclass(frozen=True)
class Submitted:
    plan: PlanRecord
    outcome: str  # created | updated | unchanged
    check: PlanCheck


@dataclass(frozen=True)
class Shown:
    plan: PlanRecord
    check: PlanCheck
    progress: dict[str, Any]
    sources: dict[str, str]
    report: dict[str, Any]


def _reader(files: dict[str, Any]) -> core.Reader:
    def read(name: str) -> str:
        if name not in files:
            raise InvalidInput(
                f"contract file {name!r} was not submitted with the plan",
                hint="`unlockstep plan submit` sends the files a plan points at",
            )
        return str(files[name])

    return read


def _metrics(plan: Plan, steps: tuple[Step, ...]) -> set[str]:
    """The usage metrics the plan's blockers and gates wait on."""
    blockers = [b for item in plan.cleanup for b in item.blockers]
    blockers += [
        blocker_from_text(g.text) for s in steps for g in s.gates if g.kind == "usage-zero"
    ]
    return {b.metric for b in blockers if b.kind == "usage-zero" and b.metric}


def _gather(
    session: Session, plan: Plan, files: dict[str, Any], today: date, steps: tuple[Step, ...]
) -> Evidence:
    """What the registry records about the plan: flag states, verifications of its consumers
    against the new contracts, and usage where the metric is a flag's evaluation count."""
    return Evidence(
        flags=store.flag_states(session, plan.environment),
        verifications=plan_evidence.verifications(session, plan, files, questions(plan, steps)),
        usage_zero_days=plan_evidence.flag_usage(
            session, plan.environment, sorted(_metrics(plan, steps)), today
        ),
        usage_note=NO_USAGE_SOURCE,
    )


def _analyse(session: Session, row: ReleasePlan, today: date | None) -> core.PlanReport:
    """The plan's report, judged by the registry's evidence (gathered once, when the steps
    are known)."""
    plan = core.parse(row.source, row.filename)
    day = today or date.today()
    core.load_engines()
    return core.analyse(
        plan,
        today=day,
        read=_reader(row.files),
        evidence_for=lambda steps: _gather(session, plan, row.files, day, steps),
    )


def submit(
    session: Session,
    principal: Principal,
    *,
    source: str,
    filename: str,
    files: dict[str, str],
    today: date | None,
) -> Submitted:
    """Submit (or resubmit) a plan; the principal must be its owner team's, and a stored
    plan's (checked on the locked stored row)."""
    actor = principal.name
    plan = core.parse(source, filename)
    authz.require_plan(session, principal, plan.change, plan.owner or None)
    core.load_engines()
    report = core.analyse(plan, today=today or date.today(), read=_reader(files))
    row, outcome = store.submit_plan(
        session,
        actor,
        change=plan.change,
        title=plan.title,
        owner=plan.owner or None,
        environment=plan.environment,
        filename=filename,
        source=source,
        files=files,
    )
    return Submitted(PlanRecord.of(row), outcome, PlanCheck.of(report))


def list_plans(session: Session, today: date | None) -> list[tuple[PlanRecord, PlanCheck]]:
    return [
        (PlanRecord.of(row), PlanCheck.of(_analyse(session, row, today)))
        for row in store.list_plans(session)
    ]


def show(session: Session, change: str, today: date | None) -> Shown:
    row = store.get_plan(session, change)
    return _shown(session, row, _analyse(session, row, today))


def _shown(session: Session, row: ReleasePlan, report: core.PlanReport) -> Shown:
    deployed = store.deployed_versions(session, report.plan.environment)
    progress = core.derive(report, deployed=deployed, evidence=report.evidence)
    return Shown(
        PlanRecord.of(row), PlanCheck.of(report), progress.to_dict(), dict(SOURCES),
        report.to_dict(),
    )  # fmt: skip


def show_with_document(session: Session, change: str, today: date | None) -> tuple[Shown, str]:
    """``show`` and ``document`` from one analysis (the dashboard's plan page shows both)."""
    row = store.get_plan(session, change)
    report = _analyse(session, row, today)
    return _shown(session, row, report), core.render_markdown(report)


def document(session: Session, change: str, today: date | None) -> str:
    """The release coordination document in Markdown."""
    row = store.get_plan(session, change)
    return core.render_markdown(_analyse(session, row, today))
