"""Analysis use cases: take a measurement (provider, then the core's judgement), say which
checks are due, report a run, run a template once (``unlockstep analysis run``) and record
runs with every measurement and the decision, audited.

Measurement ``seq`` of a check (0, 1, …) is due ``initialDelay + seq * interval`` after the
run started. A controller that fell behind takes the next one late rather than several at
once, and a measurement is stored once per run, check and ``seq``, so a restart or a second
process never counts one twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from unlockstep.core.analysis import (
    Check,
    Phase,
    Status,
    Template,
    analysis_status,
    check_status,
    judge_samples,
    judge_value,
    parse_template,
)
from unlockstep.errors import InvalidInput
from unlockstep.services import authz
from unlockstep.services.analysis_providers import Context, ProviderError, measure
from unlockstep.services.authz import Principal
from unlockstep.store import Store, audit
from unlockstep.store import rollouts as rows
from unlockstep.store.rollout_tables import AnalysisRunRow, MeasurementRow

log = logging.getLogger(__name__)
ENTITY = "analysis"


@dataclass(frozen=True, slots=True)
class Measurement:
    check: str
    seq: int
    at: dt.datetime
    phase: Phase
    value: float | None
    message: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_row(self, run_id: int) -> dict[str, Any]:
        return {
            "run_id": run_id, "check_name": self.check, "seq": self.seq, "at": self.at,
            "phase": self.phase, "value": self.value, "message": self.message,
            "data": self.data or None,
        }  # fmt: skip


def take(check: Check, seq: int, now: dt.datetime, context: Context) -> Measurement:
    """Measure ``check`` once and judge it. A provider that is down, slow or asked a wrong
    question gives an inconclusive measurement with the reason — never a pass."""
    try:
        reading = measure(check, now, context)
    except ProviderError as error:
        return Measurement(check.name, seq, now, "inconclusive", None, f"{error.kind}: {error}")
    except Exception as error:  # a provider's bug must not stop the controller
        log.exception("provider %s failed on check %s", check.provider, check.name)
        return Measurement(
            check.name, seq, now, "inconclusive", None, f"provider failed: {error!r}"
        )
    if check.judge is not None:
        verdict = judge_samples(check.judge, reading.baseline or (), reading.canary or ())
        effect = verdict.data.get("effect")
        value = float(effect) if isinstance(effect, int | float) else None
        return Measurement(
            check.name, seq, now, verdict.phase, value, verdict.message,
            {**reading.data, **verdict.data},
        )  # fmt: skip
    phase, message = judge_value(check, reading.value)
    return Measurement(check.name, seq, now, phase, reading.value, message, reading.data)


def by_check(measured: Iterable[Measurement]) -> dict[str, list[Measurement]]:
    found: dict[str, list[Measurement]] = {}
    for m in measured:
        found.setdefault(m.check, []).append(m)
    for items in found.values():
        items.sort(key=lambda m: m.seq)
    return found


def statuses(
    template: Template, measured: Mapping[str, Sequence[Measurement]]
) -> dict[str, Status]:
    return {
        c.name: check_status(c, [m.phase for m in measured.get(c.name, ())])
        for c in template.checks
    }


def _due_at(check: Check, started: dt.datetime, seq: int) -> dt.datetime:
    return started + dt.timedelta(seconds=check.initial_delay + seq * check.interval)


def due_checks(
    template: Template, started: dt.datetime, measured: Mapping[str, Sequence[Measurement]],
    now: dt.datetime,
) -> list[tuple[Check, int]]:  # fmt: skip
    """The checks to measure now, with the ``seq`` of their next measurement."""
    current = statuses(template, measured)
    due: list[tuple[Check, int]] = []
    for check in template.checks:
        if current[check.name] != "running":
            continue
        seq = len(measured.get(check.name, ()))
        if _due_at(check, started, seq) <= now:
            due.append((check, seq))
    return due


def next_due(
    template: Template, started: dt.datetime, measured: Mapping[str, Sequence[Measurement]]
) -> dt.datetime | None:
    """When the next measurement of a running check is due (``None``: none runs)."""
    current = statuses(template, measured)
    times = [
        _due_at(c, started, len(measured.get(c.name, ())))
        for c in template.checks
        if current[c.name] == "running"
    ]
    return min(times, default=None)


def explain(template: Template, measured: Mapping[str, Sequence[Measurement]]) -> str:
    """Why the analysis stands where it does, naming the deciding checks."""
    current = statuses(template, measured)
    overall = analysis_status(current.values())
    if overall in ("running", "pass") or not template.checks:
        counts = sum(len(measured.get(c.name, ())) for c in template.checks)
        return f"{overall}: {counts} measurement(s) of {len(template.checks)} check(s)"
    deciding = [name for name, status in current.items() if status == overall]
    last = [measured[name][-1].message for name in deciding if measured.get(name)]
    return f"{overall}: {', '.join(deciding)}" + (f" ({'; '.join(last)})" if last else "")


# --- reports -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckReport:
    name: str
    provider: str
    status: Status
    count: int
    failure_limit: int
    inconclusive_limit: int
    consumer: str | None
    measurements: list[Measurement]


@dataclass(frozen=True)
class RunReport:
    id: int | None
    name: str
    status: Status
    reason: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    rollout_id: int | None
    stage: int | None
    checks: list[CheckReport]


def report(
    template: Template, measured: Mapping[str, Sequence[Measurement]], *, run_id: int | None,
    started: dt.datetime, finished: dt.datetime | None, rollout_id: int | None = None,
    stage: int | None = None, status: Status | None = None, reason: str | None = None,
) -> RunReport:  # fmt: skip
    current = statuses(template, measured)
    checks = [
        CheckReport(
            c.name,
            c.provider,
            current[c.name],
            c.count,
            c.failure_limit,
            c.inconclusive_limit,
            c.consumer,
            list(measured.get(c.name, ())),
        )
        for c in template.checks
    ]
    overall = status or analysis_status(current.values())
    return RunReport(
        run_id, template.name, overall, reason or explain(template, measured), started,
        finished, rollout_id, stage, checks,
    )  # fmt: skip


def _measurement(row: MeasurementRow) -> Measurement:
    phase: Phase = row.phase  # type: ignore[assignment]
    return Measurement(
        row.check_name, row.seq, row.at, phase, row.value, row.message, row.data or {}
    )


def stored_measurements(session: Session, run_ids: Iterable[int]) -> dict[int, list[Measurement]]:
    found: dict[int, list[Measurement]] = {}
    for row in rows.measurements(session, run_ids):
        found.setdefault(row.run_id, []).append(_measurement(row))
    return found


def stored_phases(session: Session, run_ids: Iterable[int]) -> dict[int, list[Measurement]]:
    """Measurements of ``run_ids`` with only what judging needs (check, seq, phase): the
    controller's view, cheaper than :func:`stored_measurements`. Their time is unknown
    (``at`` is the epoch) and they carry no value or message."""
    found: dict[int, list[Measurement]] = {}
    for run_id, check, seq, phase in rows.phases(session, run_ids):
        found.setdefault(run_id, []).append(Measurement(check, seq, _EPOCH, phase, None, ""))  # type: ignore[arg-type]
    return found


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def run_report(session: Session, run: AnalysisRunRow, measured: list[Measurement]) -> RunReport:
    status: Status = run.status  # type: ignore[assignment]
    return report(
        parse_template(run.template), by_check(measured), run_id=run.id,
        started=run.started_at, finished=run.finished_at, rollout_id=run.rollout_id,
        stage=run.stage, status=status, reason=run.reason,
    )  # fmt: skip


def show_run(store: Store, run_id: int) -> RunReport:
    with store.session() as session:
        run = rows.get_run(session, run_id)
        measured = stored_measurements(session, [run.id]).get(run.id, [])
        return run_report(session, run, measured)


# --- one-off runs ------------------------------------------------------------------------


def run_once(
    template: Template, context: Context, *,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    sleep: Callable[[float], None] = time.sleep,
) -> RunReport:  # fmt: skip
    """Run every check of ``template`` to its end (``count`` measurements, ``interval``
    apart, stopping early on a decision): for CI (``unlockstep analysis run``)."""
    started = clock()
    measured: dict[str, list[Measurement]] = {}
    while True:
        now = clock()
        for check, seq in due_checks(template, started, measured, now):
            measured.setdefault(check.name, []).append(take(check, seq, now, context))
        if analysis_status(statuses(template, measured).values()) != "running":
            break
        upcoming = next_due(template, started, measured)
        if upcoming is not None:
            sleep(max(0.0, (upcoming - clock()).total_seconds()))
    return report(template, measured, run_id=None, started=started, finished=clock())


#: The longest one-off run the server takes on (``count`` × ``interval`` + ``initialDelay`` of
#: its slowest check): the request waits for it.
MAX_ONE_OFF_SECONDS = 600.0


def run_and_record(
    store: Store, principal: Principal, template: Template, context: Context
) -> RunReport:
    """A one-off run on the server (``analysis run --server``): measured from the server,
    stored with every measurement and audited, like a rollout stage's. Any team's write
    token may: the run changes nothing but the record of itself."""
    authz.require(principal, "write", principal.team, what="run an analysis")
    longest = max(
        (c.initial_delay + (c.count - 1) * c.interval for c in template.checks), default=0.0
    )
    if longest > MAX_ONE_OFF_SECONDS:
        raise InvalidInput(
            f"this analysis takes {longest:g} s; a one-off run on the server takes at most "
            f"{MAX_ONE_OFF_SECONDS:g} s",
            where="analysis/checks",
            hint="run it here with `unlockstep analysis run` (no --server), or shorten "
            "count × interval",
        )
    return record_run(store, principal, run_once(template, context), template)


def record_run(
    store: Store, principal: Principal, done: RunReport, template: Template
) -> RunReport:
    """Store a one-off run (its template, every measurement, the decision) and audit it."""
    with store.session() as session:
        run = AnalysisRunRow(
            rollout_id=None, stage=None, name=done.name, template=template.to_dict(),
            status=done.status, reason=done.reason, started_at=done.started_at,
            finished_at=done.finished_at, created_by=principal.name,
        )  # fmt: skip
        session.add(run)
        session.flush()
        rows.add_measurements(
            session, [m.to_row(run.id) for c in done.checks for m in c.measurements]
        )
        audit.record(
            session, principal.name, f"analysis.{done.status}", ENTITY, str(run.id), None,
            {"name": done.name, "status": done.status, "reason": done.reason}, done.reason,
        )  # fmt: skip
        run_id = run.id
    return show_run(store, run_id)
