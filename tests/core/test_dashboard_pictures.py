"""The dashboard's pure parts: graph layouts, the usage chart and readable targeting."""

from __future__ import annotations

import datetime as dt

import pytest

from unlockstep.core import charts, graphs
from unlockstep.core.flags.readable import describe


def test_a_ring_places_every_group_once_and_draws_only_lines_between_known_groups() -> None:
    nodes = [(name, name, "") for name in ("a", "b", "c", "d")]
    drawing = graphs.ring(nodes, {("a", "b"): 3, ("b", "a"): 1, ("a", "a"): 9, ("a", "x"): 1})
    assert [b.id for b in drawing.boxes] == ["a", "b", "c", "d"]
    assert {(line.source, line.target, line.weight) for line in drawing.lines} == {
        ("a", "b", 3),
        ("b", "a", 1),
    }
    for box in drawing.boxes:
        assert box.x >= 0 and box.x + box.width <= drawing.width
        assert box.y >= 0 and box.y + box.height <= drawing.height
    assert graphs.ring(nodes, {("a", "b"): 3}) == graphs.ring(nodes, {("a", "b"): 3})


def test_layers_put_each_column_left_of_the_next() -> None:
    drawing = graphs.layers(
        [[("c", "c", "consumer", "")], [("m", "m", "member", ""), ("n", "n", "member", "")]],
        [("c", "m", "api"), ("m", "n", "db"), ("c", "gone", "x")],
    )
    x = {b.id: b.x for b in drawing.boxes}
    assert x["c"] < x["m"] == x["n"]
    paths = {(line.source, line.target): line.path for line in drawing.lines}
    assert set(paths) == {("c", "m"), ("m", "n")}
    assert " Q" in paths[("m", "n")]  # one column: a curve, not a line through the boxes


def test_daily_bars_stack_series_and_scale_to_the_busiest_day() -> None:
    today = dt.date(2026, 12, 7)
    days = [today - dt.timedelta(days=n) for n in range(2, -1, -1)]
    chart = charts.daily_bars(days, {"on": {today: 30}, "off": {today: 70, days[0]: 10}})
    assert (chart.series, chart.peak, chart.total) == (["off", "on"], 100, 110)
    today_bars = [b for b in chart.bars if b.label.startswith("2026-12-07")]
    assert sum(b.height for b in today_bars) == pytest.approx(
        charts.HEIGHT - charts.MARGIN_BOTTOM - charts.MARGIN_TOP
    )
    assert charts.daily_bars(days, {}).bars == []


@pytest.mark.parametrize(
    ("targeting", "lines"),
    [
        (None, []),
        (
            {"if": [{"$ref": "segment.tenant.pilot"}, "on", None]},
            ["if segment.tenant.pilot → on", "otherwise → the default variant"],
        ),
        (
            {"if": [{"in": [{"var": "tenantId"}, ["t-1"]]}, "on", "off"]},
            ['if tenantId in ["t-1"] → on', "otherwise → off"],
        ),
        ({"fractional": [["on", 10], ["off", 90]]}, ["always → 10% on, 90% off"]),
        (
            {"if": [{"and": [{"==": [{"var": "plan"}, "pro"]}, {"!": {"var": "beta"}}]}, "b"]},
            ['if plan = "pro" and not beta → b'],
        ),
        ({"weird": [1]}, ['always → {"weird":[1]}']),
    ],
)
def test_targeting_reads_as_lines(targeting: object, lines: list[str]) -> None:
    assert describe(targeting) == lines


def test_measurement_bars_scale_to_the_largest_value_and_colour_by_phase() -> None:
    chart = charts.measurement_bars(
        [("#1", 0.01, "pass"), ("#2", 0.04, "fail"), ("#3", None, "inconclusive")]
    )
    assert chart.series == ["pass", "fail", "inconclusive"] and chart.peak == 0.04
    first, second, third = chart.bars
    assert [b.series for b in chart.bars] == [0, 1, 2]
    assert second.height > first.height and second.height == pytest.approx(130, abs=0.1)
    assert third.height == 2.0 and third.label == "#3: no value (inconclusive)"
    assert first.x < second.x < third.x
    runs = charts.measurement_bars([("a", 3.0, "breached"), ("b", 0.0, "ok")], ("ok", "breached"))
    assert [b.series for b in runs.bars] == [1, 0]
    assert charts.measurement_bars([]).bars == []
