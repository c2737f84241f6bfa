"""Release plans on the server: submit a plan file, list plans, show one with its progress.

Progress is derived from recorded deployments, flag states, verifications (window consumers,
cleanup blockers and step gates "verified against the new contract") and usage where the
metric is a flag's evaluation count; parts that cannot be checked say so. The evidence is
gathered once per plan and request, for every question the plan asks (its window, its
cleanup and its steps' gates), and judged in ``core.plans``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from unlockstep.core import plans as core
from unlockstep.core.plans import Evidence, Plan, Step, blocker_from_text, questions
from unlockstep.errors import InvalidInput
from unlockstep.services import authz, safety_nets, usage_evidence
from unlockstep.services import usage as usage_service
from unlockstep.services.authz import Principal
from unlockstep.store import plan_evidence
from unlockstep.store import plans as store
from unlockstep.store.plans import ReleasePlan

#: evidence sources progress can use, and whether this server has them yet
SOURCES = {
    "deployments": "available",
    "flags": "available",
    "verifications": "available",
    "usage": "flag evaluation counts, the usage store (OTLP), Prometheus when configured",
    "workflows": "running instances reported as unlockstep.workflow.instances",
}
NO_USAGE_SOURCE = "no usage source for this metric"


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
    #: the live (else latest) rollout of each of the plan's flags (``services.rollouts``)
    rollouts: list[dict[str, Any]] = field(default_factory=list)


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
    session: Session,
    plan: Plan,
    files: dict[str, Any],
    today: date,
    steps: tuple[Step, ...],
    prometheus_url: str,
) -> Evidence:
    """What the registry records about the plan: flag states, verifications of its consumers
    against the new contracts, usage (flag evaluation counts first, then the usage store or
    Prometheus: ``services/usage_evidence.py``) and running workflow instances."""
    metrics = sorted(_metrics(plan, steps))
    zero_days = plan_evidence.flag_usage(session, plan.environment, metrics, today)
    details = {m: "flag evaluation counts" for m in zero_days}
    for metric in metrics:
        if metric in zero_days:
            continue
        found = usage_evidence.zero(session, prometheus_url, metric, 14, today)
        if found.known and found.zero_days is not None:
            zero_days[metric] = found.zero_days
            details[metric] = found.facts
        else:
            details[metric] = found.detail
    now = datetime.now(UTC)
    running: dict[tuple[str, str], int] = {}
    for b in (b for item in plan.cleanup for b in item.blockers):
        if b.kind == "workflow-drained" and b.workflow and b.version:
            count = usage_evidence.running(session, b.workflow, b.version, now)
            if count is not None:
                running[(b.workflow, b.version)] = int(count)
    consumer_usage, window_days = _window_usage(session, plan, today, prometheus_url)
    return Evidence(
        consumer_usage=consumer_usage,
        window_zero_days=window_days,
        flags=store.flag_states(session, plan.environment),
        verifications=plan_evidence.verifications(session, plan, files, questions(plan, steps)),
        usage_zero_days=zero_days,
        usage_note=NO_USAGE_SOURCE,
        invariants=safety_nets.invariant_states(session),
        invariant_guards=safety_nets.invariant_guards(session),
        reconciliations=safety_nets.reconciliation_states(session),
        usage_details=details,
        running_instances=running,
    )


def _window_usage(
    session: Session, plan: Plan, today: date, prometheus_url: str
) -> tuple[dict[str, tuple[int, str]], int]:
    """Each window consumer's use of the old version(s), from the usage store, or from
    Prometheus when the store never saw the consumer use the contract: zero days and what
    else is known; and the zero days that make a consumer moved."""
    w = plan.window
    if w is None or w.contract is None:
        return {}, 14
    contract = core.find_contract(plan, w.contract)
    names = {w.contract} | ({contract.id, contract.name} if contract else set())
    versions = core.old_versions(w)
    needed = contract.zero_days if contract else 14
    out: dict[str, tuple[int, str]] = {}
    for consumer in w.consumers_required_by_end if versions else ():
        found = usage_service.consumer_zero(session, consumer, names, versions, today)
        if found is not None:
            out[consumer] = (found.days, f"{found.facts()} (usage store)")
        elif prometheus_url:
            answer = usage_evidence.consumer_zero_from_prometheus(
                prometheus_url, consumer, names, versions, needed, today
            )
            if answer.known and answer.zero_days is not None:
                out[consumer] = (answer.zero_days, answer.facts)
    return out, needed


def _analyse(
    session: Session, row: ReleasePlan, today: date | None, prometheus_url: str = ""
) -> core.PlanReport:
    """The plan's report, judged by the registry's evidence (gathered once, when the steps
    are known)."""
    plan = core.parse(row.source, row.filename)
    day = today or datetime.now(UTC).date()
    core.load_engines()
    return core.analyse(
        plan,
        today=day,
        read=_reader(row.files),
        evidence_for=lambda steps: _gather(session, plan, row.files, day, steps, prometheus_url),
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


def show(session: Session, change: str, today: date | None, prometheus_url: str = "") -> Shown:
    row = store.get_plan(session, change)
    return _shown(session, row, _analyse(session, row, today, prometheus_url))


def _shown(session: Session, row: ReleasePlan, report: core.PlanReport) -> Shown:
    services = {step.service for step in report.graph.steps if step.service}
    deployed = store.deployed_versions(session, report.plan.environment, services)
    progress = core.derive(report, deployed=deployed, evidence=report.evidence).to_dict()
    live = _rollouts(session, report.plan)
    by_flag = {r["flag"]: r for r in live}
    flag_of = {step.id: step.flag for step in report.graph.steps}
    for shown in progress["steps"]:
        flag = flag_of.get(shown["step"])
        if flag in by_flag:
            shown["rollout"] = by_flag[flag]
    return Shown(
        PlanRecord.of(row), PlanCheck.of(report), progress, dict(SOURCES), report.to_dict(),
        live,
    )  # fmt: skip


def _rollouts(session: Session, plan: Plan) -> list[dict[str, Any]]:
    from unlockstep.services import rollouts

    return rollouts.plan_rollouts(session, plan.environment, [f.key for f in plan.flags])


def show_with_document(
    session: Session, change: str, today: date | None, prometheus_url: str = ""
) -> tuple[Shown, str]:
    """``show`` and ``document`` from one analysis (the dashboard's plan page shows both)."""
    row = store.get_plan(session, change)
    report = _analyse(session, row, today, prometheus_url)
    return _shown(session, row, report), _document(session, report)


def document(session: Session, change: str, today: date | None, prometheus_url: str = "") -> str:
    """The release coordination document in Markdown."""
    row = store.get_plan(session, change)
    return _document(session, _analyse(session, row, today, prometheus_url))


def _document(session: Session, report: core.PlanReport) -> str:
    text = core.render_markdown(report)
    live = _rollouts(session, report.plan)
    if not live:
        return text
    from unlockstep.services.rollouts import rollout_lines

    return "\n".join([text.rstrip("\n"), "", "## Rollouts", "", *rollout_lines(live), ""])
