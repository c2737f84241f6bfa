"""The release calendar (seed §31): blackout and freeze periods and risky windows per
environment, one-off or recurring, in the time zone people plan them in.

- **blackout**: nothing deploys (a regulatory close, a sales peak). No exception.
- **freeze**: nothing deploys unless a freeze exception names the service (an approved
  emergency fix), until the exception expires.
- **risky**: deploys may go, and are told (Friday afternoons, the hour before a batch run).

A period is one-off (``starts``..``ends``, local date-times) or recurring (``days`` of the
week, optionally ``from``..``to`` local times; a ``to`` before ``from`` runs past midnight).
Plain values in, gates out; the store keeps the rows and ``services.calendar`` asks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from unlockstep.core.contracts import Gate
from unlockstep.errors import InvalidInput

KINDS = ("blackout", "freeze", "risky")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Period:
    environment: str  # "*": every environment
    name: str
    kind: str
    timezone: str
    starts: datetime | None = None  # local, naive
    ends: datetime | None = None
    days: tuple[int, ...] = ()  # 0 = Monday
    from_time: time | None = None
    to_time: time | None = None
    reason: str = ""

    @property
    def recurring(self) -> bool:
        return bool(self.days)

    def describe(self) -> str:
        if not self.recurring:
            assert self.starts is not None and self.ends is not None
            begin = self.starts.isoformat(timespec="minutes")
            span = f"{begin} to {self.ends.isoformat(timespec='minutes')}"
        else:
            days = ",".join(DAYS[d] for d in self.days)
            hours = (
                f" {self.from_time.strftime('%H:%M')}-{self.to_time.strftime('%H:%M')}"
                if self.from_time and self.to_time
                else ""
            )
            span = f"every {days}{hours}"
        return f"{self.kind} {self.name!r} ({span} {self.timezone})"

    def active(self, now: datetime) -> bool:
        """Whether ``now`` (aware) falls inside the period, read in its time zone."""
        local = now.astimezone(ZoneInfo(self.timezone)).replace(tzinfo=None)
        if not self.recurring:
            assert self.starts is not None and self.ends is not None
            return self.starts <= local < self.ends
        start, end = self.from_time, self.to_time
        if start is None or end is None:
            return local.weekday() in self.days
        clock = local.time()
        if start <= end:
            return local.weekday() in self.days and start <= clock < end
        # past midnight: the evening of a listed day, or the morning after it
        yesterday = (local - timedelta(days=1)).weekday()
        return (local.weekday() in self.days and clock >= start) or (
            yesterday in self.days and clock < end
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "name": self.name,
            "kind": self.kind,
            "timezone": self.timezone,
            "starts": self.starts.isoformat(timespec="minutes") if self.starts else None,
            "ends": self.ends.isoformat(timespec="minutes") if self.ends else None,
            "days": [DAYS[d] for d in self.days],
            "from": self.from_time.strftime("%H:%M") if self.from_time else None,
            "to": self.to_time.strftime("%H:%M") if self.to_time else None,
            "reason": self.reason,
            "description": self.describe(),
        }


def _time(value: str | None, field: str) -> time | None:
    if value in (None, ""):
        return None
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a time of day", where=field, hint="write HH:MM"
        ) from None


def _local(value: str | None, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a date-time", where=field, hint="write YYYY-MM-DDTHH:MM (local)"
        ) from None
    if parsed.tzinfo is not None:
        raise InvalidInput(
            f"{value!r} carries an offset",
            where=field,
            hint="give local time; the zone is timezone",
        )
    return parsed


def make_period(
    environment: str,
    name: str,
    kind: str,
    timezone: str,
    *,
    starts: str | None = None,
    ends: str | None = None,
    days: Iterable[str] = (),
    from_time: str | None = None,
    to_time: str | None = None,
    reason: str = "",
) -> Period:
    """A period from user input; every problem is an ``InvalidInput`` naming the field."""
    if kind not in KINDS:
        raise InvalidInput(
            f"unknown kind {kind!r}", where="kind", hint=f"one of {', '.join(KINDS)}"
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"unknown time zone {timezone!r}", where="timezone", hint="an IANA name: Europe/Oslo"
        ) from None
    day_numbers: list[int] = []
    for day in days:
        key = str(day).strip().lower()[:3]
        if key not in DAYS:
            raise InvalidInput(f"unknown day {day!r}", where="days", hint="mon, tue … sun")
        day_numbers.append(DAYS.index(key))
    start, end = _local(starts, "starts"), _local(ends, "ends")
    begin, finish = _time(from_time, "from"), _time(to_time, "to")
    if day_numbers:
        if start or end:
            raise InvalidInput("a period is one-off (starts, ends) or recurring (days), not both")
        if (begin is None) != (finish is None):
            raise InvalidInput("give both from and to, or neither (the whole day)", where="from")
    else:
        if start is None or end is None:
            raise InvalidInput(
                "a one-off period needs starts and ends; a recurring one needs days",
                where="starts",
            )
        if end <= start:
            raise InvalidInput("ends is not after starts", where="ends")
    return Period(
        environment,
        name,
        kind,
        timezone,
        start,
        end,
        tuple(sorted(set(day_numbers))),
        begin,
        finish,
        reason,
    )


def gates(
    periods: Iterable[Period],
    service: str,
    version: str,
    environment: str,
    now: datetime,
    exceptions: Iterable[str] = (),
) -> list[Gate]:
    """What the calendar says about deploying now: blackouts and freezes say no (a freeze
    exception turns its no into a yes that says so), risky windows inform."""
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    excepted = list(exceptions)
    out: list[Gate] = []
    subject = f"{service} {version}"
    for period in periods:
        if period.environment not in ("*", environment) or not period.active(now):
            continue
        what = f"{environment} is in {period.describe()}"
        if period.reason:
            what += f" ({period.reason})"
        rule = f"calendar-{period.kind}"
        if period.kind == "risky":
            fix = "deploy with extra care, or wait for the window to pass"
            out.append(Gate("calendar", "yes", subject, what, fix, rule))
        elif period.kind == "freeze" and excepted:
            what += f"; deploying under freeze exception {excepted[0]}"
            out.append(Gate("calendar", "yes", subject, what, "", rule))
        else:
            fix = (
                "wait until the blackout ends"
                if period.kind == "blackout"
                else f"wait until the freeze ends, or get a freeze exception for {service} "
                f"(unlockstep calendar except {environment} {service} …)"
            )
            out.append(Gate("calendar", "no", subject, what, fix, rule))
    return out
