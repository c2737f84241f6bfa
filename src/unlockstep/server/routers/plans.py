"""Release plans: submit a plan file, list plans, show one with its progress.

Progress is derived from recorded deployments, flag states, verifications (window consumers,
cleanup blockers and step gates "verified against the new contract") and usage where the
metric is a flag's evaluation count; parts that cannot be checked say so.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from unlockstep.core import plans as coordination_doc
from unlockstep.core import plans as plan_check
from unlockstep.core import plans as plan_file
from unlockstep.core import plans as progress
from unlockstep.core.plans import Evidence, Plan, Step, blocker_from_text, questions
from unlockstep.errors import InvalidInput
from unlockstep.server.deps import ActorDep, PrincipalDep, StoreDep, with_etag
from unlockstep.services import authz
from unlockstep.store import plan_evidence
from unlockstep.store import plans as store_plans
from unlockstep.store.plans import ReleasePlan

router = APIRouter(tags=["plans"])

#: evidence sources progress can use, and whether this server has them yet
SOURCES = {
    "deployments": "available",
    "flags": "available",
    "verifications": "available",
    "usage": "flag evaluation counts only; other metrics have no usage source",
}
NO_USAGE_SOURCE = "no usage source for this metric (only flag evaluation counts are recorded)"


class PlanIn(BaseModel):
    source: str = Field(description="the plan file's YAML text")
    filename: str = Field("plan.yaml", description="the plan file's name, for error messages")
    files: dict[str, str] = Field(
        default_factory=dict,
        description="contract files the plan points at (old/new), by the path it uses",
    )


TodayQuery = Annotated[date | None, Query(description="judge windows as of this date")]


def _reader(files: dict[str, Any]) -> plan_check.Reader:
    def read(name: str) -> str:
        if name not in files:
            raise InvalidInput(
                f"contract file {name!r} was not submitted with the plan",
                hint="`unlockstep plan submit` sends the files a plan points at",
            )
        return str(files[name])

    return read


def analyse(
    row_source: str,
    filename: str,
    files: dict[str, Any],
    today: date,
    evidence: Evidence | None = None,
    plan: Plan | None = None,
) -> plan_check.PlanReport:
    plan = plan or plan_file.parse(row_source, filename)
    plan_check.load_engines()
    return plan_check.analyse(plan, today=today, read=_reader(files), evidence=evidence)


def _metrics(plan: Plan, steps: tuple[Step, ...]) -> set[str]:
    """The usage metrics the plan's blockers and gates wait on."""
    blockers = [b for item in plan.cleanup for b in item.blockers]
    blockers += [
        blocker_from_text(g.text) for s in steps for g in s.gates if g.kind == "usage-zero"
    ]
    return {b.metric for b in blockers if b.kind == "usage-zero" and b.metric}


def _evidence(
    session: Session, plan: Plan, files: dict[str, Any], today: date, steps: tuple[Step, ...] = ()
) -> Evidence:
    """What the registry records about the plan: flag states, verifications of its consumers
    against the new contracts, and usage where the metric is a flag's evaluation count."""
    asked = questions(plan, steps)
    return Evidence(
        flags=store_plans.flag_states(session, plan.environment),
        verifications=plan_evidence.verifications(session, plan, files, asked),
        usage_zero_days=plan_evidence.flag_usage(
            session, plan.environment, sorted(_metrics(plan, steps)), today
        ),
        usage_note=NO_USAGE_SOURCE,
    )


def _analyse_row(session: Session, row: ReleasePlan, today: date | None) -> plan_check.PlanReport:
    plan = plan_file.parse(row.source, row.filename)
    day = today or date.today()
    evidence = _evidence(session, plan, row.files, day)
    return analyse(row.source, row.filename, row.files, day, evidence, plan)


def _summary(report: plan_check.PlanReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "risk": report.risk.to_dict(),
        "errors": list(report.errors),
        "warnings": list(report.warnings),
    }


@router.post("/plans", status_code=201)
def submit(
    body: PlanIn, store: StoreDep, actor: ActorDep, principal: PrincipalDep,
    today: TodayQuery = None,
) -> dict[str, Any]:  # fmt: skip
    report = analyse(body.source, body.filename, body.files, today or date.today())
    p = report.plan
    authz.require_plan(store, principal, p.change, p.owner or None)  # trust
    with store.session() as session:
        row, outcome = store_plans.submit_plan(
            session,
            actor,
            change=p.change,
            title=p.title,
            owner=p.owner or None,
            environment=p.environment,
            filename=body.filename,
            source=body.source,
            files=body.files,
        )
        out = store_plans.plan_dict(row)
    return {"plan": out, "outcome": outcome, "check": _summary(report)}


@router.get("/plans")
def list_plans(store: StoreDep, today: TodayQuery = None) -> dict[str, Any]:
    with store.session() as session:
        rows = store_plans.list_plans(session)
        items = [
            {**store_plans.plan_dict(r), **_summary(_analyse_row(session, r, today))} for r in rows
        ]
    return {"items": items, "total": len(items)}


@router.get("/plans/{change}")
def show(change: str, request: Request, store: StoreDep, today: TodayQuery = None) -> Response:
    with store.session() as session:
        row = store_plans.get_plan(session, change)
        report = _analyse_row(session, row, today)
        deployed = store_plans.deployed_versions(session, report.plan.environment)
        steps = report.graph.steps
        evidence = _evidence(session, report.plan, row.files, report.today, steps)
        body = {
            "plan": store_plans.plan_dict(row),
            "check": _summary(report),
            "progress": progress.derive(report, deployed=deployed, evidence=evidence).to_dict(),
            "sources": SOURCES,
            "report": report.to_dict(),
        }
    return with_etag(request, body)


@router.get("/plans/{change}/document")
def document(change: str, store: StoreDep, today: TodayQuery = None) -> PlainTextResponse:
    """The release coordination document in Markdown."""
    with store.session() as session:
        row = store_plans.get_plan(session, change)
        report = _analyse_row(session, row, today)
    return PlainTextResponse(
        coordination_doc.render_markdown(report), media_type="text/markdown; charset=utf-8"
    )
