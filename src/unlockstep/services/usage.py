"""Usage evidence on the server: receive OTLP exports into rollups, answer "usage of X over
a period" and "zero for N days", list what was refused, and prune past retention.

``Receipt`` is what an export learns back: how many points were refused or not understood
and why (OTLP's ``partial_success``); the same counts are kept per service and day and
listed by ``GET /api/v1/usage/rejections``.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from unlockstep.core import usage as core
from unlockstep.core.usage import Decoded, ZeroDays
from unlockstep.errors import DocumentTooLarge, InvalidInput
from unlockstep.services import worker
from unlockstep.settings import Settings
from unlockstep.store import Store
from unlockstep.store import usage as rows
from unlockstep.store.usage_ingest import Ingested, UsageWriter

PROTOBUF, JSON = "application/x-protobuf", "application/json"


@dataclass(frozen=True)
class Receipt:
    points: int
    counted: int
    rejected: int
    message: str
    ingested: Ingested


def decompress(body: bytes, encoding: str, limit: int) -> bytes:
    """The body without its ``Content-Encoding`` (gzip or none), at most ``limit`` bytes."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding != "gzip":
        raise InvalidInput(
            f"Content-Encoding {encoding!r} is not supported", hint="send gzip or no encoding"
        )
    inflate = zlib.decompressobj(wbits=31)
    try:
        out = inflate.decompress(body, limit + 1)
    except zlib.error as exc:
        raise InvalidInput(f"the body is not valid gzip: {exc}") from None
    if len(out) > limit:
        raise DocumentTooLarge(
            f"the decompressed body is larger than this server reads ({limit:,} bytes)",
            hint="export in smaller batches (the OTel SDK's max export batch size)",
        )
    return out


def decode(body: bytes, content_type: str, default_environment: str) -> Decoded:
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind in (PROTOBUF, "application/protobuf"):
        request = core.parse_protobuf(body)
    elif kind == JSON:
        request = core.parse_json(body)
    else:
        raise InvalidInput(
            f"Content-Type {content_type!r} is not an OTLP/HTTP encoding",
            hint=f"send {PROTOBUF} or {JSON}",
        )
    return core.read(request, default_environment)


def receive(writer: UsageWriter, decoded: Decoded, now: datetime) -> Receipt:
    """Accept an export into ``writer`` (the rollups change at its next flush)."""
    ingested = writer.accept(decoded, core.utc_day(now))
    reasons: dict[str, int] = defaultdict(int)
    for (service, reason), count in ingested.rejected.items():
        reasons[f"{service}: {reason}"] += count
    for service, count in ingested.refused.items():
        reasons[
            f"{service}: series limit reached ({writer.series_limit} per service); "
            f"{ingested.refused_series[service]} new series refused"
        ] += count
    message = "; ".join(f"{reason} ({count} points)" for reason, count in sorted(reasons.items()))
    return Receipt(ingested.points, ingested.counted, ingested.rejected_points, message, ingested)


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageLine:
    labels: dict[str, str]
    metric: str
    kind: str
    amount: float
    total: float
    last_used: date | None
    days: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class UsageReport:
    since: date
    until: date
    lines: list[UsageLine]


def usage(
    store: Store,
    *,
    metric: str | None,
    labels: Mapping[str, str],
    since: date,
    until: date,
    by_day: bool = False,
) -> UsageReport:
    """Usage per series over [since, until): the increase of counters and histogram counts
    (a gauge's peak), and the last day each was used."""
    with store.session() as session:
        found = rows.usage_of(session, metric, labels, since, until)
    lines = []
    for item in found:
        dims, per_day = item.series.dims, item.days
        peak = dims.kind == core.GAUGE
        amount = (
            max((v[0] for v in per_day.values()), default=0.0)
            if peak
            else sum(v[0] for v in per_day.values())
        )
        lines.append(
            UsageLine(
                labels=dims.labels(),
                metric=dims.metric,
                kind=dims.kind,
                amount=amount,
                total=sum(v[1] for v in per_day.values()),
                last_used=item.last_used,
                days={d.isoformat(): v[0] for d, v in sorted(per_day.items())} if by_day else {},
            )
        )
    lines.sort(key=lambda line: (-line.amount, line.metric, sorted(line.labels.items())))
    return UsageReport(since, until, lines)


@dataclass(frozen=True)
class ZeroAnswer:
    """How long a selector has been zero, from the usage store; ``zero`` is None when the
    metric was never reported (``why`` says so)."""

    selector: str
    zero: ZeroDays | None
    why: str = ""


def zero_for(session: Session, selector: core.Selector, today: date) -> ZeroAnswer | None:
    """``None`` when the store has never seen the selector's metric (another source may
    answer); else the days it has been zero."""
    since = today - timedelta(days=core.LOOKBACK_DAYS)
    if not rows.metric_known(session, selector.metric):
        return None
    every = rows.series(session, selector.metric, _scope(selector.labels))
    chosen = rows.series(session, selector.metric, selector.labels)
    reported = rows.days_with(session, [s.id for s in every], since, used_only=False)
    used = rows.days_with(session, [s.id for s in chosen], since, used_only=True)
    zero = core.zero_days(used, reported, today)
    why = "" if zero is not None else f"{selector.metric} has no reports before {today}"
    return ZeroAnswer(selector.text(), zero, why)


def consumer_zero(
    session: Session,
    consumer: str,
    names: Collection[str],
    versions: Collection[str],
    today: date,
) -> ZeroDays | None:
    """How long ``consumer`` has not used ``versions`` of the contract known by ``names``;
    days count as reported when the consumer's use of any version of it was reported."""
    found = rows.consumer_series(session, consumer, names)
    if not found:
        return None
    since = today - timedelta(days=core.LOOKBACK_DAYS)
    old = [s.id for s in found if s.dims.version in versions]
    reported = rows.days_with(session, [s.id for s in found], since, used_only=False)
    used = rows.days_with(session, old, since, used_only=True)
    return core.zero_days(used, reported, today)


def _scope(labels: Mapping[str, str]) -> dict[str, str]:
    """The labels that say whose reports count as coverage: the service and environment a
    selector names (a day counts as reported when that service reported the metric)."""
    return {k: v for k, v in labels.items() if k in ("service", "environment")}


def running(session: Session, selector: core.Selector, now: datetime) -> float | None:
    """The current value of a gauge (e.g. running workflow instances): the latest value of
    each stream reported in the last hour, summed; None when none was."""
    since = int((now - timedelta(hours=1)).timestamp()) * rows.NANOS
    found = rows.series(session, selector.metric, selector.labels)
    return rows.gauge_now(session, [s.id for s in found], since)


def rejections(store: Store, since: date) -> list[dict[str, Any]]:
    with store.session() as session:
        counts = rows.series_counts(session)
        found = rows.rejections(session, since)
    return [
        {"service": s, "reason": r, "points": n, "series": counts.get(s, 0)} for s, r, n in found
    ]


def writer(store: Store, settings: Settings) -> UsageWriter:
    return UsageWriter(store, series_limit=settings.usage_series_per_service)


def jobs(settings: Settings) -> list[worker.Job]:
    return [prune_job(settings.usage_hourly_days, settings.usage_daily_days)]


def prune_job(hourly_days: int, daily_days: int) -> worker.Job:
    """Delete rollups past retention, once an hour (one process at a time)."""

    def run(store: Store, now: datetime) -> None:
        with store.session() as session:
            rows.prune(
                session,
                core.utc_day(now),
                hourly_days,
                daily_days,
                stream_days=max(35, hourly_days),
            )

    return worker.Job("usage-retention", 3600.0, run)


def utc_now() -> datetime:
    return datetime.now(UTC)
