"""Rollout use cases and the transitions the controller makes.

``start`` checks the plan against the flag as stored, exposes the first stage and starts its
analysis. The controller (``services/rollout_controller.py``, a worker job: one process of
the estate at a time) takes the measurements that are due, and when a stage's analysis
decides, calls :func:`conclude`: promote, wait for approval, pause or abort
(``core.rollouts.decide``). People ``promote`` (approve, or skip the rest of the analysis),
``pause``, ``resume`` and ``abort``.

Every transition runs in one locked unit of work that first locks the environment's flag set
(the same lock every flag write takes, in the same order), then the rollout row: a transition
sees the latest flag and rollout, and a concurrent flag edit is either before it (and
overwritten by an abort) or after it (and then refused for its stale ETag, or as the turning
on of a killed flag). Measurements are taken *outside* any transaction (a slow provider must
not hold the database's write lock) and stored afterwards only if the rollout is still on the
same run; stored at most once per run, check and sequence number. State lives in the
database, so a restarted controller resumes where the last one stopped, without repeating or
skipping a stage.

Someone editing the flag while a rollout runs pauses it (the rollout would otherwise
overwrite their edit at the next stage); abort always wins.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from unlockstep.core.analysis import (
    Status,
    instantiate,
)
from unlockstep.core.contracts import Gate
from unlockstep.core.flags import blocking_problems, is_killed, parse_flag_set
from unlockstep.core.rollouts import (
    ACTIVE,
    RolloutPlan,
    RolloutStatus,
    aborted_body,
    decide,
    parse_rollout,
    stage_targeting,
    staged_body,
    stages_from_metadata,
    variants_of,
)
from unlockstep.errors import Conflict, InvalidInput
from unlockstep.services import analysis, authz, calendar
from unlockstep.services.analysis import RunReport
from unlockstep.services.authz import Principal
from unlockstep.store import Store, audit, registry
from unlockstep.store import expectations as expectation_rows
from unlockstep.store import flags as flag_rows
from unlockstep.store import rollouts as rows
from unlockstep.store.rollout_tables import AnalysisRunRow, RolloutRow

log = logging.getLogger(__name__)
ENTITY = "rollout"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class StageView:
    index: int
    name: str
    percent: float
    segments: list[Any]
    approval: bool
    state: str  # done, current, aborted, pending


@dataclass(frozen=True)
class RolloutRecord:
    id: int
    flag: str
    environment: str
    status: str
    stage: int
    stage_name: str
    stages: list[StageView]
    variant: str
    safe_variant: str
    reason: str
    waiting_for: str
    next_at: dt.datetime | None
    stage_started_at: dt.datetime
    plan_change: str | None
    created_by: str
    created_at: dt.datetime
    updated_at: dt.datetime
    plan: dict[str, Any]
    last_analysis: RunReport | None = None
    analyses: list[RunReport] = field(default_factory=list)


# --- reading -----------------------------------------------------------------------------


def _waiting_for(row: RolloutRow, plan: RolloutPlan) -> str:
    stage = plan.stages[row.stage].name
    if row.status == "running":
        when = f" (next measurement {row.next_at:%Y-%m-%d %H:%M:%S}Z)" if row.next_at else ""
        return f"the analysis of stage {stage!r}{when}"
    if row.status == "waiting":
        return f"approval to go on from stage {stage!r}: `unlockstep rollout promote {row.id}`"
    if row.status == "paused":
        return f"a person at stage {stage!r}: resume, promote or abort"
    return "nothing (the rollout ended)"


def _record(session: Session, row: RolloutRow, *, history: bool = False) -> RolloutRecord:
    plan = parse_rollout(row.plan)
    runs = rows.runs_of(session, row.id) if history else []
    last = None if history else rows.current_run(session, row)
    if history and runs:
        last = runs[-1]
    wanted = [r.id for r in runs] if history else ([last.id] if last else [])
    measured = analysis.stored_measurements(session, wanted)
    reports = {r.id: analysis.run_report(session, r, measured.get(r.id, [])) for r in runs}
    if last is not None and last.id not in reports:
        reports[last.id] = analysis.run_report(session, last, measured.get(last.id, []))
    ended = row.status in ("completed", "aborted")

    def state(index: int) -> str:
        if index < row.stage or (index == row.stage and row.status == "completed"):
            return "done"
        if index == row.stage and row.status == "aborted":
            return "aborted"
        return "current" if index == row.stage and not ended else "pending"

    stages = [
        StageView(i, s.name, s.percent, list(s.segments), s.approval, state(i))
        for i, s in enumerate(plan.stages)
    ]
    return RolloutRecord(
        id=row.id, flag=row.flag, environment=row.environment, status=row.status,
        stage=row.stage, stage_name=plan.stages[row.stage].name, stages=stages,
        variant=row.variant, safe_variant=row.safe_variant, reason=row.reason,
        waiting_for=_waiting_for(row, plan), next_at=row.next_at,
        stage_started_at=row.stage_started_at, plan_change=row.plan_change,
        created_by=row.created_by, created_at=row.created_at, updated_at=row.updated_at,
        plan=row.plan, last_analysis=None if last is None else reports[last.id],
        analyses=[reports[r.id] for r in runs],
    )  # fmt: skip


def show(store: Store, rollout_id: int) -> RolloutRecord:
    with store.session() as session:
        return _record(session, rows.get(session, rollout_id), history=True)


def list_rollouts(
    store: Store, *, active: bool | None = None, flag: str | None = None
) -> list[RolloutRecord]:
    with store.session() as session:
        return [_record(session, row) for row in rows.listed(session, active=active, flag=flag)]


def active_for_flag(session: Session, environment: str, flag: str) -> RolloutRecord | None:
    row = rows.active_for(session, environment, flag)
    return None if row is None else _record(session, row)


# --- starting ----------------------------------------------------------------------------


def consumers_of(session: Session, contract: str | None) -> list[str]:
    """Services whose expectations use ``provider/contract`` (the registry's knowledge of
    who calls what)."""
    if not contract or "/" not in contract:
        return []
    provider_name, name = contract.split("/", 1)
    provider = registry.find_service(session, provider_name)
    if provider is None:
        raise InvalidInput(
            f"contract {contract!r}: no service {provider_name!r} in the registry",
            where="rollout/contract",
        )
    ids = {
        row.consumer_service_id for row in expectation_rows.of_contract(session, provider.id, name)
    }
    return rows.service_names(session, ids)


def _check_bodies(
    session: Session, environment: str, flag: str, bodies: Sequence[Mapping[str, Any]]
) -> None:
    flag_set = flag_rows.set_row(session, environment)
    for index, body in enumerate(bodies):
        document = {
            "metadata": {"bucketing": flag_set.set_metadata.get("bucketing", "flagd")},
            "$evaluators": dict(flag_set.evaluators),
            "flags": {flag: dict(body)},
        }
        found = blocking_problems(parse_flag_set(document, source="rollout"), source="rollout")
        if found.get(flag):
            raise InvalidInput(
                f"stage {index} would leave flag {flag!r} unservable: {found[flag][0].message}",
                where=f"rollout/stages/{index}",
                hint="a segment must be a $evaluators entry of the environment's flag set",
            )


def start(
    store: Store, principal: Principal, document: Any, *, now: dt.datetime | None = None,
    plan_change: str | None = None,
) -> RolloutRecord:  # fmt: skip
    """Start a rollout: the first stage is exposed at once and its analysis begins. A
    document naming a release ``plan`` takes its stages and analysis from that plan's entry
    for the flag (what it does not say itself); one without ``stages`` takes them from the
    flag's ``rolloutStages`` metadata (``core.rollouts.stages_from_metadata``)."""
    if isinstance(document, Mapping) and document.get("plan"):
        plan_change = str(document["plan"])
        document = _from_plan(store, plan_change, document)
    if isinstance(document, Mapping) and "stages" not in document:
        document = _from_flag(store, document)
    plan = parse_rollout(document)
    now = now or _now()
    with store.locked_session() as session:
        registry.get_environment(session, plan.environment)
        flag_rows.lock_sets(session, [plan.environment])
        flag = flag_rows.get_flag_row(session, plan.environment, plan.flag)
        authz.require_flag(session, principal, plan.environment, plan.flag, flag.body)
        if is_killed(flag.body):
            raise Conflict(
                f"flag {plan.flag!r} is killed in {plan.environment!r}; a rollout would turn "
                "it back on",
                where=f"flags/{plan.flag}",
                hint="reverse the kill explicitly first (`unlockstep flags set --reverse-kill`)",
            )
        held = calendar.hold(session, plan.environment, service_of(flag.body, plan.flag), now)
        if held is not None:
            raise Conflict(
                f"a rollout of {plan.flag!r} in {plan.environment!r} cannot start now: "
                f"{held.message}",
                where=f"flags/{plan.flag}",
                hint=f"{held.fix}, then start the rollout",
            )
        running = rows.active_for(session, plan.environment, plan.flag)
        if running is not None:
            raise Conflict(
                f"rollout #{running.id} of {plan.flag!r} in {plan.environment!r} is "
                f"{running.status}",
                where=f"rollouts/{running.id}",
                hint="abort it, or wait until it completes",
            )
        new, safe = variants_of(plan, flag.body)
        bodies = [
            staged_body(flag.body, stage_targeting(plan, i, new, safe), safe)
            for i in range(len(plan.stages))
        ]
        _check_bodies(session, plan.environment, plan.flag, bodies)
        consumers = consumers_of(session, plan.contract)  # refused early when unknown
        row = RolloutRow(
            flag=plan.flag, environment=plan.environment,
            active_key=f"{plan.environment}/{plan.flag}", plan=plan.to_dict(),
            status="running", stage=0, stage_started_at=now, variant=new, safe_variant=safe,
            flag_revision=flag.revision, next_at=now, reason="started",
            plan_change=plan_change, created_by=principal.name,
        )  # fmt: skip
        session.add(row)
        session.flush()
        audit.record(
            session, principal.name, "rollout.start", ENTITY, str(row.id), None,
            {"flag": plan.flag, "environment": plan.environment, "plan": row.plan},
        )  # fmt: skip
        _enter_stage(session, principal.name, row, plan, 0, now, consumers)
        return _record(session, row)


def _from_flag(store: Store, document: Mapping[str, Any]) -> dict[str, Any]:
    flag, environment = document.get("flag"), document.get("environment")
    if not isinstance(flag, str) or not isinstance(environment, str):
        return dict(document)  # parse_rollout says what is missing
    with store.session() as session:
        row = flag_rows.get_flag_row(session, environment, flag)
    metadata = row.body.get("metadata") if isinstance(row.body, Mapping) else None
    stages = stages_from_metadata(metadata if isinstance(metadata, Mapping) else {})
    if stages is None:
        raise InvalidInput(
            f"the rollout gives no stages and flag {flag!r} states none",
            where="rollout/stages",
            hint="give stages, or set the flag's metadata rolloutStages, e.g. "
            "'segment.internal.staff,1,5,25,100'",
        )
    return {**document, "stages": stages}


def _from_plan(store: Store, change: str, document: Mapping[str, Any]) -> dict[str, Any]:
    from unlockstep.core import plans as plan_core
    from unlockstep.store import plans as plan_rows

    with store.session() as session:
        row = plan_rows.get_plan(session, change)
    release = plan_core.parse(row.source, row.filename)
    key = document.get("flag")
    entry = next((f for f in release.flags if f.key == key), None)
    if entry is None:
        named = ", ".join(f.key for f in release.flags) or "none"
        raise InvalidInput(
            f"plan {change!r} has no flag {key!r} (its flags: {named})", where="rollout/flag"
        )
    if entry.rollout is None:
        raise InvalidInput(
            f"plan {change!r} states no rollout for {key!r}",
            where="rollout/plan",
            hint="add `rollout: {stages: […], analysis: {…}}` to the flag in the plan file, "
            "or give the stages in the rollout file",
        )
    own = {k: v for k, v in document.items() if k != "plan"}
    return {"environment": release.environment, **dict(entry.rollout), **own}


# --- transitions (inside a locked unit of work) ------------------------------------------


def _write_flag(
    session: Session, actor: str, row: RolloutRow, body: dict[str, Any], action: str, why: str
) -> None:
    flag = flag_rows.get_flag_row(session, row.environment, row.flag)
    if flag.body != body:
        before = flag.body
        flag_rows.update_flag(session, actor, flag, body)
        audit.record(
            session, actor, action, "flag", f"{row.environment}/{row.flag}", before, body,
            f"rollout #{row.id}: {why}",
        )  # fmt: skip
        flag_rows.touch(session, row.environment)
    row.flag_revision = flag.revision


def _enter_stage(
    session: Session, actor: str, row: RolloutRow, plan: RolloutPlan, index: int,
    now: dt.datetime, consumers: Sequence[str] | None = None,
) -> None:  # fmt: skip
    """Expose stage ``index`` and start its analysis (or decide at once without one)."""
    stage = plan.stages[index]
    flag = flag_rows.get_flag_row(session, row.environment, row.flag)
    body = staged_body(flag.body, stage_targeting(plan, index, row.variant, row.safe_variant),
                       row.safe_variant)  # fmt: skip
    _write_flag(session, actor, row, body, "flag.update", f"stage {index} {stage.name!r}")
    row.stage, row.stage_started_at, row.status = index, now, "running"
    row.reason = f"stage {index} {stage.name!r} exposed"
    audit.record(
        session, actor, "rollout.stage", ENTITY, str(row.id), None,
        {"stage": index, "name": stage.name, "percent": stage.percent,
         "targeting": body.get("targeting")},
    )  # fmt: skip
    base = plan.analysis_for(index)
    if base is None:
        conclude(session, actor, row, plan, None, "pass", "the stage has no analysis", now)
        return
    who = consumers if consumers is not None else consumers_of(session, plan.contract)
    template = instantiate(base, {**(plan.args or {}), "flag": row.flag,
                                  "environment": row.environment}, who)  # fmt: skip
    run = AnalysisRunRow(
        rollout_id=row.id, stage=index, name=template.name, template=template.to_dict(),
        status="running", reason="", started_at=now, finished_at=None, created_by=actor,
    )  # fmt: skip
    session.add(run)
    session.flush()
    if not template.checks:
        reason = "no checks to run (a perConsumer check found no consumers of the contract)"
        finish_run(session, actor, run, "inconclusive", reason, now)
        conclude(session, actor, row, plan, run, "inconclusive", reason, now)
        return
    row.next_at = analysis.next_due(template, now, {})


def finish_run(
    session: Session, actor: str, run: AnalysisRunRow, status: str, reason: str,
    now: dt.datetime,
) -> None:  # fmt: skip
    run.status, run.reason, run.finished_at = status, reason, now
    audit.record(
        session, actor, f"analysis.{status}", "analysis", str(run.id), None,
        {"name": run.name, "status": status, "rollout": run.rollout_id, "stage": run.stage},
        reason,
    )  # fmt: skip


def conclude(
    session: Session, actor: str, row: RolloutRow, plan: RolloutPlan,
    run: AnalysisRunRow | None, status: Status, reason: str, now: dt.datetime,
) -> None:  # fmt: skip
    index = row.stage
    stage = plan.stages[index]
    decision = decide(status, approval=stage.approval, last=index == len(plan.stages) - 1,
                      stage=stage.name)  # fmt: skip
    why = f"{decision.reason}: {reason}"
    held = _calendar_hold(session, row, now) if decision.action == "promote" else None
    if held is not None:
        set_status(session, actor, row, "waiting", f"{why}; held by the release calendar: "
                   f"{held.message} ({held.fix}, then promote)")  # fmt: skip
    elif decision.action == "promote":
        _enter_stage(session, actor, row, plan, index + 1, now)
    elif decision.action == "abort":
        _abort(session, actor, row, why, now)
    elif decision.action in ("wait", "pause", "complete"):
        status_of: dict[str, RolloutStatus] = {
            "wait": "waiting", "pause": "paused", "complete": "completed",
        }  # fmt: skip
        set_status(session, actor, row, status_of[decision.action], why)


def service_of(flag_body: Mapping[str, Any], flag: str) -> str:
    """The service a flag belongs to, for the release calendar's freeze exceptions: its
    ``metadata.service``, else the flag key itself."""
    metadata = flag_body.get("metadata")
    named = metadata.get("service") if isinstance(metadata, Mapping) else None
    return named if isinstance(named, str) and named else flag


def _calendar_hold(session: Session, row: RolloutRow, now: dt.datetime) -> Gate | None:
    """The blackout or freeze (without an exception) that forbids exposing more now."""
    flag = flag_rows.find_flag(session, row.environment, row.flag)
    service = service_of(flag.body if flag is not None else {}, row.flag)
    return calendar.hold(session, row.environment, service, now)


def set_status(
    session: Session, actor: str, row: RolloutRow, status: RolloutStatus, why: str,
    *, action: str | None = None,
) -> None:  # fmt: skip
    before = {"status": row.status, "stage": row.stage}
    row.status, row.reason = status, why
    row.next_at = None
    if status not in ACTIVE:
        row.active_key = None
    audit.record(
        session, actor, action or f"rollout.{status}", ENTITY, str(row.id), before,
        {"status": status, "stage": row.stage}, why,
    )  # fmt: skip


def _abort(session: Session, actor: str, row: RolloutRow, why: str, now: dt.datetime) -> None:
    """Serve the safe variant everywhere at once (the kill switch when it is the ``false``
    variant), close the running analysis, record why."""
    flag = flag_rows.find_flag(session, row.environment, row.flag)
    if flag is not None:
        body = aborted_body(flag.body, row.safe_variant)
        action = "flag.kill" if is_killed(body) else "flag.update"
        _write_flag(session, actor, row, body, action, f"abort: {why}")
    run = rows.current_run(session, row)
    if run is not None and run.finished_at is None:
        finish_run(session, actor, run, run.status if run.status != "running" else "fail",
                    f"rollout aborted: {why}", now)  # fmt: skip
    set_status(session, actor, row, "aborted", why)
    log.warning("rollout #%s of %s in %s aborted: %s", row.id, row.flag, row.environment, why)
    urls = parse_rollout(row.plan).notify
    if urls:
        text = (
            f"unlockstep: rollout #{row.id} of {row.flag} in {row.environment} aborted at "
            f"stage {row.stage + 1}; the safe variant {row.safe_variant!r} is served. {why}"
        )
        payload = {
            "event": "rollout.aborted", "rollout": row.id, "flag": row.flag,
            "environment": row.environment, "stage": row.stage, "reason": why,
            "actor": actor, "at": now.isoformat(), "text": text,
        }  # fmt: skip
        _outbox().extend((url, payload) for url in urls)


# --- notifications: sent once the transition committed, never from inside it --------------

_pending = threading.local()


def _outbox() -> list[tuple[str, dict[str, Any]]]:
    items: list[tuple[str, dict[str, Any]]] | None = getattr(_pending, "items", None)
    if items is None:
        items = _pending.items = []
    return items


def _send(items: list[tuple[str, dict[str, Any]]]) -> None:
    import httpx

    for url, payload in items:
        try:
            httpx.post(url, json=payload, timeout=5.0).raise_for_status()
        except httpx.HTTPError as error:
            log.warning("could not notify %s of rollout #%s: %s", url, payload["rollout"], error)


def _deliver(committed: bool) -> None:
    """Send what the unit of work queued once it committed (in the background: a slow
    webhook must not hold the controller), or drop it when it rolled back."""
    items, _pending.items = _outbox(), []
    if committed and items:
        threading.Thread(target=_send, args=(items,), name="rollout-notify", daemon=True).start()


@contextmanager
def transition(store: Store) -> Iterator[Session]:
    """A locked unit of work whose notifications go out only if it commits."""
    _pending.items = []
    try:
        with store.locked_session() as session:
            yield session
    except BaseException:
        _deliver(committed=False)
        raise
    _deliver(committed=True)


def _locked(session: Session, rollout_id: int) -> RolloutRow:
    """The rollout, with its environment's flag set and then its own row locked."""
    row = rows.get(session, rollout_id)
    flag_rows.lock_sets(session, [row.environment])
    return rows.get(session, rollout_id, lock=True)


def _refuse(row: RolloutRow, verb: str, allowed: Sequence[str]) -> None:
    if row.status not in allowed:
        raise Conflict(
            f"rollout #{row.id} is {row.status}; cannot {verb} it",
            where=f"rollouts/{row.id}",
            hint=f"{verb} works on a rollout that is {' or '.join(allowed)}",
        )


# --- people's actions --------------------------------------------------------------------


def _act(
    store: Store, principal: Principal, rollout_id: int, verb: str, reason: str | None,
    now: dt.datetime | None,
) -> RolloutRecord:  # fmt: skip
    now = now or _now()
    with transition(store) as session:
        row = _locked(session, rollout_id)
        flag = flag_rows.find_flag(session, row.environment, row.flag)
        authz.require_flag(session, principal, row.environment, row.flag,
                           flag.body if flag else {})  # fmt: skip
        plan = parse_rollout(row.plan)
        actor, why = principal.name, reason or f"{verb} by {principal.name}"
        if verb == "abort":
            _refuse(row, verb, ACTIVE)
            _abort(session, actor, row, why, now)
        elif verb == "pause":
            _refuse(row, verb, ("running", "waiting"))
            run = rows.current_run(session, row)
            if run is not None and run.finished_at is None:
                finish_run(session, actor, run, "inconclusive", f"paused: {why}", now)
            set_status(session, actor, row, "paused", why)
        elif verb == "resume":
            _refuse(row, verb, ("paused",))
            # a fresh analysis of the same stage: the paused one's verdict was no verdict
            _enter_stage(session, actor, row, plan, row.stage, now)
            audit.record(session, actor, "rollout.resume", ENTITY, str(row.id), None,
                         {"stage": row.stage}, why)  # fmt: skip
        elif verb == "promote":
            _refuse(row, verb, ACTIVE)
            held = _calendar_hold(session, row, now)
            if held is not None and row.stage + 1 < len(plan.stages):
                raise Conflict(
                    f"rollout #{row.id} cannot be promoted now: {held.message}",
                    where=f"rollouts/{row.id}",
                    hint=held.fix,
                )
            run = rows.current_run(session, row)
            if run is not None and run.finished_at is None:
                finish_run(session, actor, run, "inconclusive", f"promoted early: {why}", now)
            audit.record(session, actor, "rollout.promote", ENTITY, str(row.id),
                         {"stage": row.stage}, {"stage": row.stage + 1}, why)  # fmt: skip
            if row.stage + 1 >= len(plan.stages):
                set_status(session, actor, row, "completed", why)
            else:
                _enter_stage(session, actor, row, plan, row.stage + 1, now)
        return _record(session, row)


def promote(store: Store, principal: Principal, rollout_id: int, reason: str | None = None,
            *, now: dt.datetime | None = None) -> RolloutRecord:  # fmt: skip
    """Go on to the next stage now: the approval a ``waiting`` stage asks for, or a person's
    decision to skip the rest of a stage's analysis (audited as such)."""
    return _act(store, principal, rollout_id, "promote", reason, now)


def pause(store: Store, principal: Principal, rollout_id: int, reason: str | None = None,
          *, now: dt.datetime | None = None) -> RolloutRecord:  # fmt: skip
    return _act(store, principal, rollout_id, "pause", reason, now)


def resume(store: Store, principal: Principal, rollout_id: int, reason: str | None = None,
           *, now: dt.datetime | None = None) -> RolloutRecord:  # fmt: skip
    """Analyse the current stage again, from the start."""
    return _act(store, principal, rollout_id, "resume", reason, now)


def abort(store: Store, principal: Principal, rollout_id: int, reason: str | None = None,
          *, now: dt.datetime | None = None) -> RolloutRecord:  # fmt: skip
    return _act(store, principal, rollout_id, "abort", reason, now)


# --- plans -------------------------------------------------------------------------------


def plan_rollouts(session: Session, environment: str, flags: Sequence[str]) -> list[dict[str, Any]]:
    """The live (else the latest) rollout of each of a plan's flags in its environment:
    stage, last analysis and what it waits for, for ``plan show`` and the coordination
    document. Flags never rolled out are left out."""
    found: list[dict[str, Any]] = []
    for flag in flags:
        row = rows.active_for(session, environment, flag)
        if row is None:
            latest = [r for r in rows.listed(session, flag=flag, limit=20)
                      if r.environment == environment]  # fmt: skip
            row = latest[0] if latest else None
        if row is None:
            continue
        record = _record(session, row)
        last = record.last_analysis
        found.append({
            "id": record.id, "flag": flag, "status": record.status, "stage": record.stage,
            "stages": len(record.stages), "stageName": record.stage_name,
            "reason": record.reason, "waitingFor": record.waiting_for,
            "lastAnalysis": None if last is None else {
                "id": last.id, "status": last.status, "reason": last.reason,
            },
        })  # fmt: skip
    return found


def rollout_lines(found: Sequence[Mapping[str, Any]]) -> list[str]:
    """Markdown lines for the coordination document."""
    lines = []
    for r in found:
        last = r["lastAnalysis"]
        analysis_text = f"; last analysis {last['status']}: {last['reason']}" if last else ""
        lines.append(
            f"- `{r['flag']}` rollout #{r['id']}: **{r['status']}** at stage {r['stage'] + 1}/"
            f"{r['stages']} ({r['stageName']}){analysis_text}; waiting for {r['waitingFor']}"
        )
    return lines
