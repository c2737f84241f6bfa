""" "Zero for 14 days" from the usage store, across day boundaries, time zones, missing days
and late data; the answer says which source gave it, and no report is never zero."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from tests.server.otlp_export import otlp_sum
from unlockstep.core import usage as core
from unlockstep.services import usage_evidence
from unlockstep.store import Store
from unlockstep.store.usage_ingest import UsageWriter

METRIC = "unlockstep.api.requests"
V1 = 'api_requests_total{version="v1"}'
TODAY = date(2026, 12, 15)


def at(day: date, hour: int = 12, tz: timezone = UTC) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz)


def ingest(store: Store, document: dict[str, Any]) -> None:
    decoded = core.read(core.parse_json(json.dumps(document).encode()), "production")
    UsageWriter(store, series_limit=100).ingest(decoded, TODAY)


def daily_reports(
    store: Store, first: date, last: date, v1_used_on: set[date], skip: set[date] = frozenset()
) -> None:
    """case-service exports its cumulative counters every day at noon: v2 always grows, v1
    grows on ``v1_used_on``; nothing is exported on ``skip`` days."""
    start = at(first, 0) - timedelta(days=1)
    v1 = v2 = 0.0
    points = []
    day = first
    while day <= last:
        v2 += 10
        v1 += 1 if day in v1_used_on else 0
        if day not in skip:
            points.append(({"unlockstep.api.version": "v1"}, at(day), v1))
            points.append(({"unlockstep.api.version": "v2"}, at(day), v2))
        day += timedelta(days=1)
    ingest(store, otlp_sum("case-service", METRIC, points, start=start))


def zero(store: Store, text: str = V1, today: date = TODAY) -> usage_evidence.ZeroEvidence:
    with store.session() as session:
        return usage_evidence.zero(session, "", text, 14, today)


def test_zero_for_14_whole_days_before_today_is_met_with_the_usage_store_as_source(
    store: Store,
) -> None:
    daily_reports(store, date(2026, 11, 1), date(2026, 12, 14), {date(2026, 11, 30)})
    found = zero(store)
    assert (found.source, found.known, found.zero_days) == ("usage-store", True, 14)
    assert found.last_used == date(2026, 11, 30)
    assert found.detail.startswith("zero for 14 of 14 days; last used 2026-11-30")
    assert found.detail.endswith("(usage store)")


def test_one_second_past_midnight_utc_is_the_next_day(store: Store) -> None:
    daily_reports(store, date(2026, 11, 1), date(2026, 12, 14), set())
    v1 = {"unlockstep.api.version": "v1"}
    just_before = datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)
    just_after = datetime(2026, 12, 1, 0, 0, 1, tzinfo=UTC)
    ingest(store, otlp_sum("mobile-bff", METRIC, [(v1, just_before, 1.0)], delta=True))
    assert zero(store).zero_days == 14
    # the next export repeats the first point (a retry) and adds one two seconds later
    points = [(v1, just_before, 1.0), (v1, just_after, 1.0)]
    ingest(store, otlp_sum("mobile-bff", METRIC, points, delta=True))
    assert (zero(store).zero_days, zero(store).last_used) == (13, date(2026, 12, 1))


def test_days_are_utc_days_whatever_the_exporters_time_zone(store: Store) -> None:
    daily_reports(store, date(2026, 11, 1), date(2026, 12, 14), set())
    berlin = timezone(timedelta(hours=2))
    # 00:30 on 1 December in UTC+2 is 22:30 on 30 November in UTC
    local = datetime(2026, 12, 1, 0, 30, tzinfo=berlin)
    assert core.utc_day(local) == date(2026, 11, 30)
    ingest(
        store,
        otlp_sum(
            "mobile-bff", METRIC, [({"unlockstep.api.version": "v1"}, local, 2.0)], delta=True
        ),
    )
    found = zero(store)
    assert (found.zero_days, found.last_used) == (14, date(2026, 11, 30))


def test_days_without_any_report_are_not_counted_as_zero_and_are_named(store: Store) -> None:
    missing = {date(2026, 12, 5), date(2026, 12, 6)}
    daily_reports(store, date(2026, 11, 1), date(2026, 12, 14), {date(2026, 11, 30)}, missing)
    found = zero(store)
    assert (found.zero_days, found.missing_days) == (12, sorted(missing))
    assert "2 day(s) without reports not counted: 2026-12-05, 2026-12-06" in found.detail
    # two more reported days make up for them
    assert zero(store, today=TODAY + timedelta(days=2)).zero_days == 12  # not reported yet
    daily_reports(store, date(2026, 12, 15), date(2026, 12, 16), set())
    assert zero(store, today=TODAY + timedelta(days=2)).zero_days == 14


def test_late_data_for_a_past_day_changes_the_answer(store: Store) -> None:
    daily_reports(store, date(2026, 11, 1), date(2026, 12, 14), {date(2026, 11, 30)})
    assert zero(store).zero_days == 14
    # an export from another instance, delayed for days, says v1 was used on 10 December
    ingest(
        store,
        otlp_sum(
            "mobile-bff",
            METRIC,
            [({"unlockstep.api.version": "v1"}, at(date(2026, 12, 10)), 3.0)],
            delta=True,
        ),
    )
    found = zero(store)
    assert (found.zero_days, found.last_used) == (4, date(2026, 12, 10))


def test_usage_today_means_not_zero(store: Store) -> None:
    daily_reports(store, date(2026, 11, 1), date(2026, 12, 15), {date(2026, 12, 15)})
    assert zero(store).zero_days == 0


def test_a_series_never_used_counts_from_the_first_report(store: Store) -> None:
    daily_reports(store, date(2026, 12, 5), date(2026, 12, 14), set())
    found = zero(store)
    assert (found.zero_days, found.last_used) == (10, None)
    assert "never used since reports began 2026-12-05" in found.detail


@pytest.mark.parametrize(
    "text",
    [
        'api_requests_total{version="v1"}',
        'unlockstep.api.requests{api_version="v1"}',
        'unlockstep_api_requests{version="v1",service="case-service"}',
    ],
)
def test_selectors_name_the_metric_in_prometheus_or_otel_spelling(store: Store, text: str) -> None:
    daily_reports(store, date(2026, 11, 1), date(2026, 12, 14), {date(2026, 11, 30)})
    assert zero(store, text).zero_days == 14


def test_no_report_at_all_is_unknown_never_zero(store: Store) -> None:
    found = zero(store)
    assert (found.source, found.known, found.zero_days) == ("none", False, None)
    assert "no usage source knows" in found.detail
    daily_reports(store, date(2026, 12, 20), date(2026, 12, 21), set())  # only after today
    found = zero(store)
    assert (found.source, found.known) == ("usage-store", False)


def test_workflow_instances_are_the_latest_gauge_values_reported_in_the_last_hour(
    store: Store,
) -> None:
    now = datetime.now(UTC)
    gauge = {
        "resourceMetrics": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "w"}}]
                },
                "scopeMetrics": [
                    {
                        "metrics": [
                            {
                                "name": "unlockstep.workflow.instances",
                                "gauge": {
                                    "dataPoints": [
                                        {
                                            "attributes": [
                                                {
                                                    "key": "unlockstep.workflow",
                                                    "value": {"stringValue": "escalation"},
                                                },
                                                {
                                                    "key": "unlockstep.workflow.version",
                                                    "value": {"stringValue": v},
                                                },
                                                {"key": "pod", "value": {"stringValue": pod}},
                                            ],
                                            "timeUnixNano": str(int(now.timestamp() * 1e9)),
                                            "asInt": str(n),
                                        }
                                        for v, pod, n in (
                                            ("1", "a", 2),
                                            ("1", "b", 1),
                                            ("2", "a", 5),
                                        )
                                    ]
                                },
                            }
                        ]
                    }
                ],
            }
        ]
    }
    ingest(store, gauge)
    with store.session() as session:
        assert usage_evidence.running(session, "escalation", "v1", now) == 3.0
        assert usage_evidence.running(session, "escalation", "2", now) == 5.0
        assert usage_evidence.running(session, "escalation", "3", now) is None
        later = now + timedelta(hours=2)
        assert usage_evidence.running(session, "escalation", "1", later) is None
