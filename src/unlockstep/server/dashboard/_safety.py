"""View-models of the safety-net pages: every invariant with its state and every
reconciliation with its open discrepancies; one invariant with its runs charted; one
reconciliation with its last run and the queue of open discrepancies (oldest first). Built
from ``services/invariants.py`` and ``services/reconciliation.py``."""

from __future__ import annotations

from unlockstep.core import charts
from unlockstep.server.dashboard._http import Context
from unlockstep.server.dashboard._views import View, _iso, _plain
from unlockstep.services import invariants as invariant_service
from unlockstep.services import reconciliation as reconciliation_service

#: The reconciliation page lists this many open discrepancies at a time.
QUEUE_PAGE = 50
#: The invariant page charts this many of the latest runs, coloured by their outcome.
RUNS = 30
RUN_STATES = ("ok", "breached", "error")


def _invariant(found: invariant_service.Invariant) -> View:
    last = found.last_run
    return {
        "name": found.name,
        "service": found.service,
        "owner": found.owner,
        "severity": found.severity,
        "description": found.description,
        "state": found.state,
        "stateSince": _iso(found.state_since),
        "lastRunAt": _iso(found.last_run_at),
        "nextRunAt": _iso(found.next_run_at),
        "violations": None if last is None else last.violations,
        "message": None if last is None else last.message,
    }


def _reconciliation(found: reconciliation_service.Status) -> View:
    last = found.last_run
    return {
        "name": found.name,
        "service": found.service,
        "owner": found.owner,
        "description": found.description,
        "tolerance": found.tolerance,
        "open": found.open,
        "breached": found.breached,
        "mismatches": found.mismatches,
        "recordsRemaining": found.records_remaining,
        # in tenths of an hour: a page and its twin asked a moment apart still agree
        "backfillLagHours": None
        if found.backfill_lag_seconds is None
        else round(found.backfill_lag_seconds / 3600, 1),
        "lastRun": None if last is None else {**_plain(last), "discrepancies": last.discrepancies},
    }


def safety_nets(context: Context, service: str = "") -> View:
    invariants = invariant_service.list_invariants(context.store, service or None)
    reconciliations = reconciliation_service.statuses(context.store, service or None)
    return {
        "service": service or None,
        "invariants": [_invariant(i) for i in invariants],
        "reconciliations": [_reconciliation(r) for r in reconciliations],
    }


def invariant(context: Context, name: str) -> View:
    found, runs = invariant_service.show(context.store, name, runs=RUNS)
    oldest_first = sorted(runs, key=lambda r: r.started_at)
    points = [
        (f"{r.started_at:%Y-%m-%d %H:%M}", None if r.violations is None else float(r.violations),
         r.status)
        for r in oldest_first
    ]  # fmt: skip
    return {
        **_invariant(found),
        "source": found.source,
        "returns": found.returns,
        "tolerance": found.tolerance,
        "everySeconds": found.every_seconds,
        "guards": found.guards,
        "query": found.query,
        "runs": [_plain(r) for r in runs],
        "chart": charts.measurement_bars(points, RUN_STATES).to_dict(),
    }


def reconciliation(context: Context, name: str, offset: int = 0) -> View:
    found = reconciliation_service.status(context.store, name)
    queue, total = reconciliation_service.queue(
        context.store, name, "open", offset=offset, limit=QUEUE_PAGE
    )
    return {
        **_reconciliation(found),
        "queue": {
            "total": total,
            "offset": offset,
            "limit": QUEUE_PAGE,
            "items": [_plain(d) for d in queue],
        },
    }
