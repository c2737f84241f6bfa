"""The release calendar: periods read in their own time zone, recurring windows past
midnight, freezes that an exception lets through, blackouts that nothing does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from unlockstep.core import calendar
from unlockstep.errors import InvalidInput

# Friday 2026-12-04 16:30 in Oslo is 15:30 UTC (CET, UTC+1)
FRIDAY_1630_OSLO = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)


def test_a_recurring_window_is_read_in_its_own_time_zone() -> None:
    risky = calendar.make_period(
        "production", "friday", "risky", "Europe/Oslo", days=["fri"], from_time="16:00",
        to_time="23:59",
    )  # fmt: skip
    assert risky.active(FRIDAY_1630_OSLO)
    utc = calendar.make_period(
        "production", "friday", "risky", "UTC", days=["fri"], from_time="16:00", to_time="23:59"
    )
    assert not utc.active(FRIDAY_1630_OSLO)  # 15:30 in UTC


def test_a_window_whose_end_is_before_its_start_runs_past_midnight() -> None:
    night = calendar.make_period(
        "*", "batch", "freeze", "UTC", days=["sat"], from_time="22:00", to_time="06:00"
    )
    assert night.active(datetime(2026, 12, 5, 23, 0, tzinfo=UTC))  # Saturday night
    assert night.active(datetime(2026, 12, 6, 5, 0, tzinfo=UTC))  # Sunday morning
    assert not night.active(datetime(2026, 12, 6, 7, 0, tzinfo=UTC))
    assert not night.active(datetime(2026, 12, 5, 5, 0, tzinfo=UTC))  # Saturday morning


def test_a_one_off_period_is_half_open_in_local_time() -> None:
    close = calendar.make_period(
        "production", "q4", "blackout", "America/New_York",
        starts="2026-12-31T00:00", ends="2027-01-02T00:00",
    )  # fmt: skip
    assert not close.active(datetime(2026, 12, 31, 4, 59, tzinfo=UTC))  # 23:59 on the 30th
    assert close.active(datetime(2026, 12, 31, 5, 0, tzinfo=UTC))
    assert not close.active(datetime(2027, 1, 2, 5, 0, tzinfo=UTC))


def test_freeze_says_no_unless_excepted_blackout_says_no_risky_informs() -> None:
    periods = [
        calendar.make_period("production", "f", "freeze", "UTC", days=["fri"]),
        calendar.make_period("production", "r", "risky", "UTC", days=["fri"]),
    ]
    gates = calendar.gates(periods, "svc", "1.0", "production", FRIDAY_1630_OSLO)
    assert [(g.rule, g.outcome) for g in gates] == [
        ("calendar-freeze", "no"),
        ("calendar-risky", "yes"),
    ]
    assert "freeze exception" in gates[0].fix
    excepted = calendar.gates(
        periods, "svc", "1.0", "production", FRIDAY_1630_OSLO, ["#1 (t: CVE)"]
    )
    assert [g.outcome for g in excepted] == ["yes", "yes"] and "#1" in excepted[0].message
    blackout = [calendar.make_period("*", "b", "blackout", "UTC", days=["fri"])]
    held = calendar.gates(blackout, "svc", "1.0", "production", FRIDAY_1630_OSLO, ["#1"])
    assert [g.outcome for g in held] == ["no"]
    assert calendar.gates(periods, "svc", "1.0", "staging", FRIDAY_1630_OSLO) == []


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"kind": "holiday"}, "unknown kind"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"days": ["funday"]}, "unknown day"),
        ({"days": [], "starts": "2026-01-02T00:00", "ends": "2026-01-01T00:00"}, "not after"),
        ({"days": []}, "needs starts and ends"),
        ({"days": ["fri"], "from_time": "16:00"}, "both from and to"),
        ({"days": [], "starts": "2026-01-01T00:00+01:00", "ends": "2026-01-02T00:00"}, "offset"),
    ],
)
def test_bad_periods_are_refused_naming_what_is_wrong(fields: dict[str, object], says: str) -> None:
    base: dict[str, object] = {"kind": "freeze", "timezone": "UTC", "days": ["fri"]}
    base.update(fields)
    with pytest.raises(InvalidInput, match=says):
        calendar.make_period("production", "p", **base)  # type: ignore[arg-type]
