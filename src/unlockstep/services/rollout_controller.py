"""The rollout controller: the background job (``services/worker.py``; one server process
of the estate at a time, by lease) that takes the measurements that are due and acts on every
analysis that decided (``services/rollouts.py`` holds the transitions).

A tick reads the due work in a few queries however many rollouts run (``rollouts.next_at``
says when each has something to do), asks the providers outside any transaction on a thread
pool (a slow source must not hold the database), then records the measurements and the
decisions in locked units of work of ``RECORD_CHUNK`` rollouts — acting only for a rollout
still on the run the measurements were taken for. Measurements are unique per run, check and
sequence number, so two controllers (leases that overlapped) or a restart never count one
twice.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from unlockstep.core.analysis import Template, analysis_status, parse_template
from unlockstep.core.rollouts import parse_rollout
from unlockstep.services import analysis
from unlockstep.services.analysis import Measurement
from unlockstep.services.analysis_providers import Context
from unlockstep.services.rollouts import conclude, finish_run, set_status, transition
from unlockstep.store import Store
from unlockstep.store import flags as flag_rows
from unlockstep.store import rollouts as rows
from unlockstep.store.rollout_tables import AnalysisRunRow

log = logging.getLogger(__name__)
CONTROLLER = "rollout-controller"
#: Measurements taken at once by one controller tick (provider calls are I/O).
MEASURE_THREADS = 16
#: How often the controller looks for due measurements (each rollout's own schedule is in
#: ``rollouts.next_at``; a tick with nothing due is one indexed query).
TICK_SECONDS = 1.0


@dataclass(frozen=True)
class _Work:
    rollout_id: int
    run_id: int
    checks: list[tuple[Any, int]]


@dataclass
class TickReport:
    rollouts: int = 0
    measurements: int = 0
    transitions: list[str] = field(default_factory=list)


#: Rollouts recorded per locked unit of work: each is short (no provider call inside), and
#: batching keeps the per-transaction cost off each rollout.
RECORD_CHUNK = 100

_templates: dict[str, Template] = {}


def _template(run: AnalysisRunRow) -> Template:
    """The run's template, parsed once per process for each distinct document (most rollouts
    share a handful of templates)."""
    key = json.dumps(run.template, sort_keys=True)
    found = _templates.get(key)
    if found is None:
        if len(_templates) > 10_000:
            _templates.clear()
        found = _templates[key] = parse_template(run.template)
    return found


def _phases(session: Session, run_ids: Sequence[int]) -> dict[int, dict[str, list[Measurement]]]:
    measured = analysis.stored_phases(session, run_ids)
    return {run_id: analysis.by_check(items) for run_id, items in measured.items()}


def _gather(store: Store, now: dt.datetime) -> list[_Work]:
    """The measurements due now, in a few queries however many rollouts run."""
    with store.session() as session:
        runs = rows.due_runs(session, now)
        measured = _phases(session, [run.id for _, run in runs])
        work = []
        for rollout_id, run in runs:
            done = measured.get(run.id, {})
            due = analysis.due_checks(_template(run), run.started_at, done, now)
            work.append(_Work(rollout_id, run.id, due))
    return work


def tick(
    store: Store, now: dt.datetime, context: Context, pool: ThreadPoolExecutor | None = None
) -> TickReport:
    """One pass of the controller: measure what is due, decide what is decided."""
    report = TickReport()
    work = _gather(store, now)
    report.rollouts = len(work)
    jobs = [(w, check, seq) for w in work for check, seq in w.checks]
    if pool is not None and len(jobs) > 1:
        taken = list(pool.map(lambda j: analysis.take(j[1], j[2], now, context), jobs))
    else:
        taken = [analysis.take(check, seq, now, context) for _, check, seq in jobs]
    per_rollout: dict[int, list[Measurement]] = {}
    for (w, _, _), m in zip(jobs, taken, strict=True):
        per_rollout.setdefault(w.rollout_id, []).append(m)
    for start in range(0, len(work), RECORD_CHUNK):
        chunk = work[start : start + RECORD_CHUNK]
        try:
            added, moved = _record_chunk(store, chunk, per_rollout, now)
        except Exception:  # one chunk's trouble must not stop the others
            log.exception("the rollout controller could not record %d rollouts", len(chunk))
            continue
        report.measurements += added
        report.transitions += moved
    return report


def _record_and_decide(
    store: Store, w: _Work, measured: list[Measurement], now: dt.datetime
) -> tuple[int, str | None]:
    """``_record_chunk`` for one rollout (tests)."""
    added, moved = _record_chunk(store, [w], {w.rollout_id: measured}, now)
    return added, (moved[0] if moved else None)


def _record_chunk(
    store: Store, chunk: Sequence[_Work], measured: Mapping[int, list[Measurement]],
    now: dt.datetime,
) -> tuple[int, list[str]]:  # fmt: skip
    """Store the chunk's measurements and act on every analysis that decided, in one locked
    unit of work (flag sets first, then the rollout rows, as every transition locks)."""
    moved: list[str] = []
    with transition(store) as session:
        ids = [w.rollout_id for w in chunk]
        flag_rows.lock_sets(session, rows.environments_of(session, ids))
        locked = {row.id: row for row in rows.lock_many(session, ids)}
        runs = rows.current_runs(session, locked.values())
        revisions = rows.flag_revisions(session, locked.values())
        fresh: list[_Work] = []
        for w in chunk:
            row, run = locked.get(w.rollout_id), runs.get(w.rollout_id)
            if row is None or row.status != "running" or run is None:
                continue  # someone acted meanwhile: these measurements belong to nobody
            if run.id != w.run_id or run.finished_at is not None:
                continue
            revision = revisions.get(row.id)
            if revision != row.flag_revision:
                why = (
                    f"flag {row.flag!r} was deleted" if revision is None else
                    f"flag {row.flag!r} was edited outside the rollout (revision {revision}, "
                    f"the rollout wrote {row.flag_revision}); check the edit, then resume or "
                    "abort"
                )  # fmt: skip
                finish_run(session, CONTROLLER, run, "inconclusive", why, now)
                set_status(session, CONTROLLER, row, "paused", why)
                moved.append(f"#{row.id} paused")
                continue
            fresh.append(w)
        values = [m.to_row(w.run_id) for w in fresh for m in measured.get(w.rollout_id, [])]
        added = rows.add_measurements(session, values)
        stored = _phases(session, [w.run_id for w in fresh])
        for w in fresh:
            row, run = locked[w.rollout_id], runs[w.rollout_id]
            template = _template(run)
            done = stored.get(run.id, {})
            status = analysis_status(analysis.statuses(template, done).values())
            if status == "running":
                row.next_at = analysis.next_due(template, run.started_at, done)
                continue
            full = analysis.stored_measurements(session, [run.id]).get(run.id, [])
            reason = analysis.explain(template, analysis.by_check(full))
            finish_run(session, CONTROLLER, run, status, reason, now)
            before = (row.stage, row.status)
            conclude(session, CONTROLLER, row, parse_rollout(row.plan), run, status, reason, now)
            moved.append(f"#{row.id} {before[1]}@{before[0]} -> {row.status}@{row.stage}")
    return added, moved


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(MEASURE_THREADS, thread_name_prefix="unlockstep-analysis")


@functools.cache
def default_prometheus() -> str | None:
    """``UNLOCKSTEP_PROMETHEUS_URL`` as the server's settings read it (environment,
    then the settings file), read once per process."""
    from unlockstep.settings import Settings

    return Settings().prometheus_url or None


def run_job(store: Store, now: dt.datetime) -> None:
    """The worker job (``services/worker.py``)."""
    tick(store, now, Context(store=store, prometheus_url=default_prometheus()), _pool())
