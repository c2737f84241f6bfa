"""Which source answers a usage question, and its answer.

A usage blocker (``api_requests_total{version="v1"} == 0 for 14 days``) or a query is
answered by the first source that knows the metric:

1. the **usage store** (OTLP exports and SDK pushes, kept as daily rollups), when its
   selector is one the store can read (``core.usage.parse``) and it has seen the metric;
2. **Prometheus** (``UNLOCKSTEP_PROMETHEUS_URL``: Prometheus, Thanos, Mimir), for anything
   else: the expression's increase per UTC day (a plain selector) or its daily peak;
3. otherwise nobody: the answer is *unknown*, never zero.

Flag evaluation counts answer their own metrics before these (``services/plans.py``).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from unlockstep.core import usage as core
from unlockstep.services import usage as service
from unlockstep.sources.prometheus import Prometheus, PrometheusError, Series, safe_url

STORE, PROMETHEUS, NONE = "usage-store", "prometheus", "none"

#: a plain PromQL series selector: ``name{label="v", other=~"x|y"}``
_PLAIN = re.compile(r"^\s*[A-Za-z_:][\w:]*\s*(\{[^{}]*\})?\s*$")


@dataclass(frozen=True)
class ZeroEvidence:
    selector: str
    source: str
    known: bool
    zero_days: int | None = None
    last_used: date | None = None
    missing_days: list[date] = field(default_factory=list)
    detail: str = ""
    #: ``detail`` without "zero for N of M days" (what a plan's blocker adds to its own)
    facts: str = ""


def zero(session: Session, prometheus_url: str, text: str, days: int, today: date) -> ZeroEvidence:
    """How long ``text`` has been zero before ``today`` (see the module's docstring)."""
    selector = core.parse(text)
    if selector is not None:
        answer = service.zero_for(session, selector, today)
        if answer is not None:
            if answer.zero is None:
                return ZeroEvidence(text, STORE, False, detail=f"{answer.why} (usage store)")
            z = answer.zero
            return ZeroEvidence(
                text, STORE, True, z.days, z.last_used, list(z.missing),
                f"{z.detail(days)} (usage store)", f"{z.facts()} (usage store)",
            )  # fmt: skip
    if prometheus_url:
        return from_prometheus(prometheus_url, text, days, today)
    return ZeroEvidence(
        text,
        NONE,
        False,
        detail=f"no usage source knows {text}: nothing reported it over OTLP, and no "
        "Prometheus is configured (UNLOCKSTEP_PROMETHEUS_URL)",
    )


def daily_query(text: str) -> str:
    """PromQL whose value at a UTC midnight is the usage of the day before it."""
    if _PLAIN.match(text):
        return f"sum(increase({text.strip()}[1d]))"
    return f"max_over_time(({text})[1d:5m])"


def from_prometheus(url: str, text: str, days: int, today: date) -> ZeroEvidence:
    query = daily_query(text)
    return _zero_from_prometheus(url, text, query, query, days, today)


def _zero_from_prometheus(
    url: str, text: str, reported_query: str, used_query: str, days: int, today: date
) -> ZeroEvidence:
    """Zero days from Prometheus: days count as reported when ``reported_query`` has data,
    and as used when ``used_query`` is above zero (each a query whose value at a UTC
    midnight is the day before's)."""
    where = safe_url(url)
    lookback = max(2 * days, days + 7)
    end = datetime.combine(today, time(0), tzinfo=UTC)
    start = end - timedelta(days=lookback - 1)
    step = timedelta(days=1)
    try:
        with Prometheus(url) as prom:
            answered = prom.query_range(reported_query, start, end, step)
            used_series = (
                answered
                if used_query == reported_query
                else prom.query_range(used_query, start, end, step)
            )
    except PrometheusError as exc:
        return ZeroEvidence(text, PROMETHEUS, False, detail=f"{exc.message} ({used_query})")

    def days_where(found: list[Series], above_zero: bool) -> set[date]:
        return {
            core.utc_day(at) - step  # the value at a midnight is the day before's
            for series in found
            for at, value in series.points
            if value == value and (value > 0 or not above_zero)  # NaN: no data that day
        }

    z = core.zero_days(days_where(used_series, True), days_where(answered, False), today)
    if z is None:
        return ZeroEvidence(
            text,
            PROMETHEUS,
            False,
            detail=f"{where} has no data for {used_query} (no data is not zero)",
        )
    return ZeroEvidence(
        text, PROMETHEUS, True, z.days, z.last_used, list(z.missing),
        f"{z.detail(days)} (Prometheus at {where}, last {lookback} days)",
        f"{z.facts()} (Prometheus at {where}, last {lookback} days)",
    )  # fmt: skip


#: where a window consumer's use of a contract shows in Prometheus, as the OpenTelemetry
#: Prometheus exporter or a Collector names what the SDK emits: (metric, the label naming
#: the contract, the label naming its version)
WINDOW_METRICS = (
    ("unlockstep_api_requests_total", "unlockstep_contract", "unlockstep_api_version"),
    ("unlockstep_events_consumed_total", "unlockstep_event_type", "unlockstep_event_version"),
)


def consumer_zero_from_prometheus(
    url: str,
    consumer: str,
    names: Collection[str],
    versions: Collection[str],
    days: int,
    today: date,
) -> ZeroEvidence:
    """How long ``consumer`` has not used ``versions`` of the contract known by ``names``,
    from Prometheus (``WINDOW_METRICS``); a day counts as reported when the consumer's use
    of any version of it has data, as in the usage store."""

    def query(only: Collection[str]) -> str:
        parts = []
        for metric, name_label, version_label in WINDOW_METRICS:
            labels = [
                f'unlockstep_consumer="{_literal(consumer)}"',
                f'{name_label}=~"{_alternatives(names)}"',
            ]
            if only:
                labels.append(f'{version_label}=~"{_alternatives(only)}"')
            parts.append(f"increase({metric}{{{', '.join(labels)}}}[1d])")
        return f"sum({' or '.join(parts)})"

    spelled = {v for version in versions for v in (version, version.removeprefix("v"))}
    spelled |= {f"v{v}" for v in spelled if not v.startswith("v")}
    text = f"{consumer} on {'/'.join(sorted(versions))}"
    return _zero_from_prometheus(url, text, query(()), query(spelled), days, today)


def _literal(value: str) -> str:
    """``value`` inside a PromQL double-quoted string."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _alternatives(values: Collection[str]) -> str:
    """A PromQL regular expression matching exactly one of ``values``."""
    return _literal("|".join(re.escape(v) for v in sorted(values)))


def running(session: Session, workflow: str, version: str, now: datetime) -> float | None:
    """Running instances of ``workflow`` ``version`` now (``unlockstep.workflow.instances``),
    the version written ``2`` or ``v2``; None when nothing reported it in the last hour."""
    for spelled in dict.fromkeys((version, version.removeprefix("v"), f"v{version}")):
        selector = core.Selector(
            "unlockstep.workflow.instances", {"contract": workflow, "version": spelled}
        )
        found = service.running(session, selector, now)
        if found is not None:
            return found
    return None
