""" "Zero for N days", decided from daily rollups.

Days are UTC calendar days, and only whole days count: today is still running, so the days
judged are those before it (though usage today means zero days). A day counts as *zero*
when the metric was reported that day
(some series of it had data points: an OpenTelemetry exporter sends a cumulative counter
every interval, used or not) and the selected series added nothing. A day with no report
at all is *missing*: the source was down or silent, which is not evidence of zero, so it is
not counted (nor does it reset the count); the answer lists it. Late data simply changes a
day's rollup, and the next answer with it. No report at all is "unknown", never zero.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

#: the furthest back a zero count looks (a year of daily rollups)
LOOKBACK_DAYS = 400


@dataclass(frozen=True, slots=True)
class ZeroDays:
    days: int  # whole reported days with zero usage since the last use
    last_used: date | None
    first_reported: date
    missing: tuple[date, ...]  # days since the last use without any report

    def detail(self, wanted: int) -> str:
        return f"zero for {self.days} of {wanted} days; {self.facts()}"

    def facts(self) -> str:
        """When it was last used, and the days without reports that were not counted."""
        parts = []
        parts.append(
            f"last used {self.last_used.isoformat()}"
            if self.last_used
            else f"never used since reports began {self.first_reported.isoformat()}"
        )
        if self.missing:
            shown = ", ".join(d.isoformat() for d in self.missing[:5])
            more = f" and {len(self.missing) - 5} more" if len(self.missing) > 5 else ""
            parts.append(f"{len(self.missing)} day(s) without reports not counted: {shown}{more}")
        return "; ".join(parts)


def utc_day(at: datetime) -> date:
    """The UTC calendar day of an aware time (rollups and "today" both use it)."""
    if at.tzinfo is None:
        raise ValueError("usage times must be timezone-aware")
    return at.astimezone(UTC).date()


def zero_days(used: Collection[date], reported: Collection[date], today: date) -> ZeroDays | None:
    """How long the selected series has been zero (see the module's docstring); ``None``
    when the metric was never reported before ``today``."""
    last_used = max(used, default=None)
    if last_used is not None and last_used >= today:  # used today: not zero, whatever before
        return ZeroDays(0, last_used, min(reported, default=today), ())
    before = [d for d in reported if d < today]
    if not before:
        return None
    first = min(before)
    start = last_used + timedelta(days=1) if last_used else first
    days = 0
    missing: list[date] = []
    reported_set = set(before)
    day = start
    while day < today:
        if day in reported_set:
            days += 1
        else:
            missing.append(day)
        day += timedelta(days=1)
    return ZeroDays(days, last_used, first, tuple(missing))
