"""Judging one run of a business invariant, and what a change of its state means.

A run's answer is the violating rows (or their count) a query returned; more than the
invariant's tolerance is a breach. A run that could not get an answer (source unreachable,
bad query, a write refused by the read-only session) is ``error``: unknown, never a pass.

States and the events their changes raise (audited; ``breached``, ``recovered`` and
``error`` are also notified)::

    unknown ──ok──▶ ok ──breached──▶ breached ──recovered──▶ ok
       └──────────── any ──error──▶ error ──(next answer)──▶ ok | breached
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from unlockstep.core.safety._model import InvariantSpec
from unlockstep.core.safety._outbox import figures

Status = Literal["ok", "breached", "error"]
State = Literal["unknown", "ok", "breached", "error"]
#: How many violating keys a run keeps as its sample.
SAMPLE = 20


@dataclass(frozen=True, slots=True)
class Outcome:
    """One run's answer. ``violations`` is ``None`` when the run got no answer;
    ``at_least`` when the source's row limit cut the rows short (there may be more)."""

    status: Status
    violations: int | None
    at_least: bool
    sample: tuple[str, ...]
    message: str
    metrics: Mapping[str, float | None] = field(default_factory=dict)


def judge(
    spec: InvariantSpec, columns: Sequence[str], rows: Sequence[Sequence[Any]], truncated: bool
) -> Outcome:
    """The outcome of ``spec``'s query having returned ``rows``."""
    if spec.returns == "outbox":
        if len(rows) != 1:
            return failed(f"the outbox query returned {len(rows)} rows where one was expected")
        stale, metrics = figures(rows[0])
        done = _outcome(spec, stale, False, ())
        age = metrics["oldestUnpublishedAgeSeconds"] or 0.0
        message = (
            f"{stale} row(s) unpublished for too long; {metrics['unpublished']:g} unpublished, "
            f"the oldest for {age_text(age)}; {metrics['publishRatePerSecond']:g} published/s"
        )
        return Outcome(done.status, stale, False, (), message, metrics)
    if spec.returns == "count":
        if len(rows) != 1 or len(rows[0]) != 1 or not _is_number(rows[0][0]):
            return failed(
                f"the query returned {len(rows)} row(s) of {len(columns)} column(s) where one "
                "number was expected (returns: count); SELECT count(*) … or use returns: rows"
            )
        count = int(rows[0][0])
        return _outcome(spec, count, False, ())
    index = 0
    if spec.key is not None:
        if spec.key not in columns:
            return failed(
                f"the query's columns ({', '.join(columns) or 'none'}) do not include the key "
                f"{spec.key!r}"
            )
        index = list(columns).index(spec.key)
    sample = tuple(_text(row[index]) for row in rows[:SAMPLE] if row)
    return _outcome(spec, len(rows), truncated, sample)


def judge_count(spec: InvariantSpec, count: float | None) -> Outcome:
    """The outcome of a source that answers with one number (a PromQL query); ``None``, no
    data, is no answer."""
    if count is None:
        return failed("the query returned no data (no data is not zero)")
    return _outcome(spec, int(count), False, ())


def failed(message: str) -> Outcome:
    return Outcome("error", None, False, (), message)


def transition(previous: str, status: Status) -> str | None:
    """The event a run with ``status`` raises on an invariant in state ``previous``
    (``None``: nothing changed)."""
    if status == previous:
        return None
    if status == "breached":
        return "breached"
    if status == "ok":
        return "recovered" if previous == "breached" else "ok"
    return "error"


#: Events a person is told about (the others are only audited).
NOTIFIED = ("breached", "recovered", "error")


def _outcome(spec: InvariantSpec, count: int, at_least: bool, sample: tuple[str, ...]) -> Outcome:
    more = "at least " if at_least else ""
    if count > spec.tolerance:
        return Outcome(
            "breached",
            count,
            at_least,
            sample,
            f"{more}{count} violation(s), tolerance {spec.tolerance}",
        )
    return Outcome(
        "ok", count, at_least, sample, f"{count} violation(s), tolerance {spec.tolerance}"
    )


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def age_text(seconds: float) -> str:
    """``seconds`` for a person: ``42s``, ``7m 5s``, ``3h 20m``, ``12d 4h``."""
    whole = int(seconds)
    for unit, size, smaller, small_size in (
        ("d", 86400, "h", 3600),
        ("h", 3600, "m", 60),
        ("m", 60, "s", 1),
    ):
        if whole >= size:
            rest = (whole % size) // small_size
            return f"{whole // size}{unit} {rest}{smaller}" if rest else f"{whole // size}{unit}"
    return f"{whole}s"
