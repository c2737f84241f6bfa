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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from unlockstep.core import usage as core
from unlockstep.services import usage as service
from unlockstep.sources.prometheus import Prometheus, PrometheusError, safe_url

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
    where = safe_url(url)
    lookback = max(2 * days, days + 7)
    end = datetime.combine(today, time(0), tzinfo=UTC)
    start = end - timedelta(days=lookback - 1)
    query = daily_query(text)
    try:
        with Prometheus(url) as prom:
            found = prom.query_range(query, start, end, timedelta(days=1))
    except PrometheusError as exc:
        return ZeroEvidence(text, PROMETHEUS, False, detail=f"{exc.message} ({query})")
    reported: set[date] = set()
    used: set[date] = set()
    for series in found:
        for at, value in series.points:
            day = core.utc_day(at) - timedelta(days=1)
            if value != value:  # NaN: no data that day
                continue
            reported.add(day)
            if value > 0:
                used.add(day)
    z = core.zero_days(used, reported, today)
    if z is None:
        return ZeroEvidence(
            text, PROMETHEUS, False, detail=f"{where} has no data for {query} (no data is not zero)"
        )
    return ZeroEvidence(
        text, PROMETHEUS, True, z.days, z.last_used, list(z.missing),
        f"{z.detail(days)} (Prometheus at {where}, last {lookback} days)",
        f"{z.facts()} (Prometheus at {where}, last {lookback} days)",
    )  # fmt: skip


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
