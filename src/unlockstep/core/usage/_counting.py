"""Turning a stream's points into increments, so that no export is counted twice.

Each stream keeps a :class:`Cursor`: the last point counted. What a new point adds:

* **cumulative counter / histogram** — the difference from the cursor. A point whose start
  time differs from the cursor's, or whose value went down, comes from a restarted process:
  a counter reset, never negative usage; the new value is all new. A point at or before the
  cursor's time (an export sent twice, or one that arrived late) is already contained in the
  cursor's value and adds nothing.
* **delta counter / histogram** — its own value, unless its interval starts before the end
  of the interval last counted (a retried export, or one overtaken by a later one): then it
  would count the same requests twice, and it adds nothing.
* **gauge** — no increment; its value replaces the cursor's when it is newer.

Pure: no store, no clock.
"""

from __future__ import annotations

from typing import NamedTuple

from unlockstep.core.usage._points import GAUGE, Point

#: why a point added nothing
DUPLICATE = "duplicate or out-of-order point (already counted)"
STALE = "an older gauge value than the one recorded"


class Cursor(NamedTuple):
    start: int
    time: int
    value: float
    total: float


class Step(NamedTuple):
    """What one point does: the stream's new cursor and the increment of value and total
    (``skipped`` says why nothing was counted)."""

    cursor: Cursor
    value: float
    total: float
    skipped: str = ""


def advance(cursor: Cursor | None, point: Point) -> Step:
    new = Cursor(point.start, point.time, point.value, point.total)
    if point.dims.kind == GAUGE:
        if cursor is not None and point.time <= cursor.time:
            return Step(cursor, 0.0, 0.0, STALE)
        return Step(new, point.value, 0.0)
    if not point.cumulative:
        if cursor is not None and (point.start or point.time) < cursor.time:
            return Step(cursor, 0.0, 0.0, DUPLICATE)
        if cursor is not None and point.time <= cursor.time:
            return Step(cursor, 0.0, 0.0, DUPLICATE)
        return Step(new, point.value, point.total)
    if cursor is None:
        return Step(new, point.value, point.total)
    if point.start == cursor.start:
        if point.time <= cursor.time:
            return Step(cursor, 0.0, 0.0, DUPLICATE)
        if point.value >= cursor.value:
            return Step(new, point.value - cursor.value, max(0.0, point.total - cursor.total))
        return Step(new, point.value, point.total)  # went down: a reset without a new start
    if point.start < cursor.start:
        return Step(cursor, 0.0, 0.0, DUPLICATE)  # from the process before the restart
    return Step(new, point.value, point.total)  # a restart: everything since start is new
