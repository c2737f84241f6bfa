"""Small charts for pages: daily counts as stacked bars, and an analysis check's
measurements one bar each, one colour class per series.

Pure and deterministic like ``core.graphs``: a page and its JSON twin carry the same bars,
in SVG user units."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

WIDTH = 640
HEIGHT = 160
MARGIN_LEFT = 48
MARGIN_BOTTOM = 22
MARGIN_TOP = 8


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int  # which series (its colour class), in the order of ``Chart.series``
    label: str  # what a reader's tooltip or screen reader says


@dataclass(frozen=True, slots=True)
class Chart:
    width: float
    height: float
    series: list[str]
    peak: float
    total: float
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)  # (x, day) under the bars

    def to_dict(self) -> dict[str, Any]:
        return {
            "width": self.width, "height": self.height, "series": self.series,
            "peak": self.peak, "total": self.total,
            "bars": [
                {"x": b.x, "y": b.y, "width": b.width, "height": b.height, "series": b.series,
                 "label": b.label}
                for b in self.bars
            ],
            "ticks": [{"x": x, "label": label} for x, label in self.ticks],
        }  # fmt: skip


def daily_bars(days: Sequence[dt.date], counts: Mapping[str, Mapping[dt.date, int]]) -> Chart:
    """One column per day of ``days``, stacked by series (``counts``: series -> day ->
    count), scaled to the busiest day."""
    series = sorted(counts)
    totals = {day: sum(counts[s].get(day, 0) for s in series) for day in days}
    peak = max(totals.values(), default=0)
    plot_width = WIDTH - MARGIN_LEFT
    plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    step = plot_width / max(len(days), 1)
    bars: list[Bar] = []
    ticks: list[tuple[float, str]] = []
    for i, day in enumerate(days):
        x = round(MARGIN_LEFT + i * step + step * 0.1, 1)
        base = float(HEIGHT - MARGIN_BOTTOM)
        for index, name in enumerate(series):
            count = counts[name].get(day, 0)
            if not count or not peak:
                continue
            height = round(plot_height * count / peak, 1)
            base = round(base - height, 1)
            label = f"{day.isoformat()}: {count} × {name}"
            bars.append(Bar(x, base, round(step * 0.8, 1), height, index, label))
        if i % 7 == 0 or (i == len(days) - 1 and i % 7 >= 3):
            ticks.append((x, day.strftime("%m-%d")))
    total = sum(totals.values())
    return Chart(WIDTH, HEIGHT, series, peak, total, bars, ticks)


#: The series of a measurement chart, in colour order: a measurement passed, failed, or gave
#: no verdict (the provider was down, slow or had no data).
PHASES = ("pass", "fail", "inconclusive")


def measurement_bars(
    points: Sequence[tuple[str, float | None, str]], phases: Sequence[str] = PHASES
) -> Chart:
    """One bar per measurement (``points``: label, value, phase), in order, scaled to the
    largest value, coloured by its phase's place in ``phases`` (the last for any other); a
    measurement without a value is a thin stub, so a gap in the data does not read as zero."""
    values = [abs(v) for _, v, _ in points if v is not None]
    peak = max(values, default=0.0)
    plot_width = WIDTH - MARGIN_LEFT
    plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    step = plot_width / max(len(points), 1)
    width = round(min(step * 0.8, 40.0), 1)
    bars: list[Bar] = []
    ticks: list[tuple[float, str]] = []
    every = max(1, len(points) // 10)
    for i, (label, value, phase) in enumerate(points):
        x = round(MARGIN_LEFT + i * step + step * 0.1, 1)
        scaled = plot_height * abs(value) / peak if value is not None and peak else 0.0
        height = round(max(scaled, 2.0), 1)
        series = phases.index(phase) if phase in phases else len(phases) - 1
        shown = "no value" if value is None else f"{value:g}"
        bars.append(
            Bar(x, round(HEIGHT - MARGIN_BOTTOM - height, 1), width, height, series,
                f"{label}: {shown} ({phase})")
        )  # fmt: skip
        if i % every == 0:
            ticks.append((x, str(i + 1)))
    return Chart(WIDTH, HEIGHT, list(phases), round(peak, 6), len(points), bars, ticks)
