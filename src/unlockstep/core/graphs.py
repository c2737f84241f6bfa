"""Laying out small graphs for pictures: where each box goes and the path of each line.

Pure and deterministic (the same graph gives the same drawing), so a page and its JSON twin
show the same picture and a test can pin it. Two layouts:

- :func:`ring`: boxes on a circle, for a graph of groups (teams, systems) where cycles are
  normal and every box should be as far from the others as it can be;
- :func:`layers`: boxes in columns, left to right, for "who uses whom" around a selection
  and for plans (each column a level of the plan's safe order).

Coordinates are SVG user units; the page draws boxes and lines with them as they are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

BOX_WIDTH = 180
BOX_HEIGHT = 34
GAP_X = 110
GAP_Y = 16
MARGIN = 20


@dataclass(frozen=True, slots=True)
class Box:
    id: str
    label: str
    x: float
    y: float
    width: float
    height: float
    kind: str = "node"
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Line:
    source: str
    target: str
    path: str
    label: str = ""
    weight: int = 1


@dataclass(frozen=True, slots=True)
class Drawing:
    width: float
    height: float
    boxes: list[Box] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "boxes": [
                {"id": b.id, "label": b.label, "x": b.x, "y": b.y, "width": b.width,
                 "height": b.height, "kind": b.kind, "detail": b.detail}
                for b in self.boxes
            ],
            "lines": [
                {"source": li.source, "target": li.target, "path": li.path, "label": li.label,
                 "weight": li.weight}
                for li in self.lines
            ],
        }  # fmt: skip


def _round(value: float) -> float:
    return round(value, 1)


def _between(a: Box, b: Box, bend: float = 0.0) -> str:
    """A path from the edge of box ``a`` towards box ``b`` (a curve when ``bend``)."""
    ax, ay = a.x + a.width / 2, a.y + a.height / 2
    bx, by = b.x + b.width / 2, b.y + b.height / 2
    if abs(bx - ax) > 1:  # leave and enter by the sides facing each other
        sign = 1 if bx > ax else -1
        ax, bx = ax + sign * a.width / 2, bx - sign * b.width / 2
    else:  # one above the other: leave by the right side and come back (a curve)
        ax, bx = ax + a.width / 2, bx + b.width / 2
    if not bend:
        return f"M{_round(ax)},{_round(ay)} L{_round(bx)},{_round(by)}"
    mx, my = (ax + bx) / 2, (ay + by) / 2
    dx, dy = bx - ax, by - ay
    length = math.hypot(dx, dy) or 1.0
    cx, cy = mx - dy / length * bend, my + dx / length * bend
    return f"M{_round(ax)},{_round(ay)} Q{_round(cx)},{_round(cy)} {_round(bx)},{_round(by)}"


def ring(nodes: Sequence[tuple[str, str, str]], edges: Mapping[tuple[str, str], int]) -> Drawing:
    """``nodes`` (id, label, detail) on a circle in the order given; ``edges`` (source,
    target) -> weight, drawn as curves so a pair in both directions shows two lines."""
    count = len(nodes)
    if count == 0:
        return Drawing(2 * MARGIN, 2 * MARGIN)
    radius = 0.0 if count == 1 else max(160.0, count * (BOX_HEIGHT + GAP_Y) / (2 * math.pi) * 1.6)
    cx = cy = MARGIN + radius + BOX_WIDTH / 2
    boxes: dict[str, Box] = {}
    for i, (ident, label, detail) in enumerate(nodes):
        angle = 2 * math.pi * i / count - math.pi / 2
        x = cx + radius * math.cos(angle) - BOX_WIDTH / 2
        y = cy + radius * math.sin(angle) - BOX_HEIGHT / 2
        x, y = _round(x), _round(y)
        boxes[ident] = Box(ident, label, x, y, BOX_WIDTH, BOX_HEIGHT, "group", detail)
    lines = [
        Line(s, t, _between(boxes[s], boxes[t], bend=24.0), str(w), w)
        for (s, t), w in sorted(edges.items())
        if s in boxes and t in boxes and s != t
    ]
    size = _round(2 * cx)
    return Drawing(size, _round(2 * cy), list(boxes.values()), lines)


def layers(
    columns: Sequence[Sequence[tuple[str, str, str, str]]],
    edges: Iterable[tuple[str, str, str]],
) -> Drawing:
    """Boxes in ``columns`` (each a list of (id, label, kind, detail)), left to right; lines
    for ``edges`` (source, target, label). A line between boxes of one column is a curve."""
    boxes: dict[str, Box] = {}
    tallest = max((len(c) for c in columns), default=0)
    height = 2 * MARGIN + max(tallest, 1) * (BOX_HEIGHT + GAP_Y) - GAP_Y
    for col, items in enumerate(columns):
        top = MARGIN + (tallest - len(items)) * (BOX_HEIGHT + GAP_Y) / 2
        for row, (ident, label, kind, detail) in enumerate(items):
            x = MARGIN + col * (BOX_WIDTH + GAP_X)
            y = top + row * (BOX_HEIGHT + GAP_Y)
            boxes[ident] = Box(ident, label, x, _round(y), BOX_WIDTH, BOX_HEIGHT, kind, detail)
    lines: list[Line] = []
    for source, target, label in sorted(set(edges)):
        if source in boxes and target in boxes and source != target:
            a, b = boxes[source], boxes[target]
            bend = 40.0 if a.x == b.x else 0.0
            lines.append(Line(source, target, _between(a, b, bend), label))
    width = 2 * MARGIN + max(len(columns), 1) * (BOX_WIDTH + GAP_X) - GAP_X
    return Drawing(width, _round(height), list(boxes.values()), lines)
