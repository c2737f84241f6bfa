"""The safety nets as Prometheus metrics (text exposition 0.0.4), for the team's alerting:
each invariant's state and violations, each outbox's oldest unpublished row and publish
rate, each reconciliation's open discrepancies by kind and backfill lag — the seed's
dual-write signals. Values are as of each net's latest run; nothing is queried here."""

from __future__ import annotations

from collections.abc import Iterable

from unlockstep.services import invariants, outbox, reconciliation
from unlockstep.store import Store

STATES = ("unknown", "ok", "breached", "error")


def _labels(**values: str) -> str:
    def escape(v: str) -> str:
        return v.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')

    return "{" + ",".join(f'{k}="{escape(v)}"' for k, v in values.items()) + "}"


def _family(name: str, kind: str, text: str, samples: Iterable[tuple[str, float]]) -> list[str]:
    lines = [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
    lines += [f"{name}{labels} {value:g}" for labels, value in samples]
    return lines


def exposition(store: Store) -> str:
    found = invariants.list_invariants(store)
    boxes = outbox.report(store).outboxes
    recs = reconciliation.statuses(store)
    lines: list[str] = []
    lines += _family(
        "unlockstep_invariant_state", "gauge",
        "1 for the invariant's current state (unknown, ok, breached, error)",
        [(_labels(invariant=i.name, service=i.service, severity=i.severity, state=s),
          1.0 if i.state == s else 0.0) for i in found for s in STATES],
    )  # fmt: skip
    lines += _family(
        "unlockstep_invariant_violations", "gauge",
        "violations found by the invariant's latest run that got an answer",
        [(_labels(invariant=i.name, service=i.service), float(i.last_run.violations))
         for i in found if i.last_run is not None and i.last_run.violations is not None],
    )  # fmt: skip
    metric_names = {
        "oldestUnpublishedAgeSeconds": (
            "unlockstep_outbox_oldest_unpublished_age_seconds",
            "age of the oldest unpublished outbox row at the latest check",
        ),
        "publishRatePerSecond": (
            "unlockstep_outbox_publish_rate_per_second",
            "outbox rows published per second over the 5 minutes before the latest check",
        ),
        "unpublished": ("unlockstep_outbox_unpublished", "unpublished outbox rows"),
    }
    for key, (name, text) in metric_names.items():
        lines += _family(
            name, "gauge", text,
            [(_labels(service=b.service, invariant=b.invariant), float(b.metrics[key] or 0))
             for b in boxes if b.metrics.get(key) is not None],
        )  # fmt: skip
    lines += _family(
        "unlockstep_reconciliation_open_discrepancies", "gauge",
        "open discrepancies in the reconciliation's queue",
        [(_labels(reconciliation=r.name, service=r.service), float(r.open)) for r in recs],
    )  # fmt: skip
    lines += _family(
        "unlockstep_reconciliation_mismatches", "gauge", "dual-write signal: open mismatched keys",
        [(_labels(reconciliation=r.name, service=r.service), float(r.mismatches)) for r in recs],
    )  # fmt: skip
    lines += _family(
        "unlockstep_reconciliation_records_remaining", "gauge",
        "dual-write signal: open keys the new (right) system does not have yet",
        [(_labels(reconciliation=r.name, service=r.service), float(r.records_remaining))
         for r in recs],
    )  # fmt: skip
    lines += _family(
        "unlockstep_reconciliation_backfill_lag_seconds", "gauge",
        "dual-write signal: how long the oldest record remaining has been open",
        [(_labels(reconciliation=r.name, service=r.service), r.backfill_lag_seconds)
         for r in recs if r.backfill_lag_seconds is not None],
    )  # fmt: skip
    return "\n".join(lines) + "\n"
