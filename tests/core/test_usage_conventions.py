"""docs/usage.md states the attribute conventions the receiver reads; this keeps the two in
step, and pins how points become increments."""

from __future__ import annotations

from pathlib import Path

import pytest

from unlockstep.core.usage import (
    COUNTER,
    DIMENSIONS,
    DUPLICATE,
    GAUGE,
    METRICS,
    Cursor,
    Dimensions,
    Point,
    advance,
    metric_names,
    parse,
)

DOC = (Path(__file__).resolve().parents[2] / "docs" / "usage.md").read_text()


@pytest.mark.parametrize("attribute", sorted({a for names in DIMENSIONS.values() for a in names}))
def test_every_attribute_the_receiver_reads_is_documented(attribute: str) -> None:
    assert f"`{attribute}`" in DOC


@pytest.mark.parametrize("metric", sorted(METRICS))
def test_every_sdk_metric_is_documented(metric: str) -> None:
    assert f"`{metric}`" in DOC


def point(value: float, time: int, start: int = 100, cumulative: bool = True) -> Point:
    dims = Dimensions("s", "production", "m", COUNTER)
    return Point(dims, "stream", cumulative, start, time, value)


CASES = {
    "first point counts whole": (None, point(5, 200), 5.0, ""),
    "cumulative difference": (Cursor(100, 200, 5, 0), point(8, 300), 3.0, ""),
    "repeated export": (Cursor(100, 300, 8, 0), point(8, 300), 0.0, DUPLICATE),
    "overtaken export": (Cursor(100, 300, 8, 0), point(5, 200), 0.0, DUPLICATE),
    "restart: new start time": (Cursor(100, 300, 8, 0), point(2, 400, start=350), 2.0, ""),
    "reset without a new start": (Cursor(100, 300, 8, 0), point(2, 400), 2.0, ""),
    "from before the restart": (Cursor(350, 400, 2, 0), point(9, 320), 0.0, DUPLICATE),
    "delta": (Cursor(100, 200, 5, 0), point(4, 300, start=200, cumulative=False), 4.0, ""),
    "delta retried": (
        Cursor(200, 300, 4, 0), point(4, 300, start=200, cumulative=False), 0.0, DUPLICATE,
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_counters_count_each_increase_once(name: str) -> None:
    cursor, p, increment, skipped = CASES[name]
    step = advance(cursor, p)
    assert (step.value, step.skipped) == (increment, skipped)


def test_a_newer_gauge_value_replaces_an_older_one_and_a_stale_one_is_ignored() -> None:
    dims = Dimensions("s", "production", "g", GAUGE)
    newer = advance(Cursor(0, 200, 3, 0), Point(dims, "x", True, 0, 300, 1))
    assert newer.cursor.value == 1
    stale = advance(Cursor(0, 300, 1, 0), Point(dims, "x", True, 0, 200, 7))
    assert stale.cursor.value == 1 and stale.skipped


@pytest.mark.parametrize(
    ("text", "metric", "labels"),
    [
        ('api_requests_total{version="v1"}', "api_requests_total", {"version": "v1"}),
        ("unlockstep.api.requests", "unlockstep.api.requests", {}),
        ('x{service="a", api_version="v2",}', "x", {"service": "a", "version": "v2"}),
        ('x{endpoint="case-summary"}', "x", {"contract": "case-summary"}),
    ],
)
def test_selectors_the_store_can_answer(text: str, metric: str, labels: dict[str, str]) -> None:
    found = parse(text)
    assert found is not None and (found.metric, found.labels) == (metric, labels)


@pytest.mark.parametrize(
    "text", ['x{pod="a"}', 'x{version=~"v1|v2"}', "sum(rate(x[5m]))", 'x{version!="v1"}']
)
def test_anything_else_is_left_to_prometheus(text: str) -> None:
    assert parse(text) is None


def test_metric_names_match_across_prometheus_and_otel_spellings() -> None:
    assert "unlockstep_api_requests" in metric_names("api_requests_total")
    assert "api_requests" in metric_names("unlockstep.api.requests")
