"""Evaluation counters: how often each flag served each variant for each reason.

Counting sits on the evaluation hot path, so it takes no lock: each (flag, variant, reason)
owns an ``itertools.count`` whose ``next`` is atomic under the GIL. ``drain`` swaps in a
fresh table and reads the old counters; an evaluation that fetched its counter just before
the swap and increments just after is the only count that can be lost.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

Key = tuple[str, str | None, str]


class EvaluationCounter:
    def __init__(self) -> None:
        self._counts: dict[Key, Iterator[int]] = {}
        self._pending: dict[Key, int] = {}

    def record(self, flag: str, variant: str | None, reason: str) -> None:
        self.record_key((flag, variant, reason))

    def record_key(self, key: Key) -> None:
        counter = self._counts.get(key)
        if counter is None:
            counter = self._counts.setdefault(key, itertools.count(1))
        next(counter)

    def drain(self) -> list[dict[str, Any]]:
        """Everything counted since the last drain (plus what a failed flush gave back),
        as ``{flag, variant, reason, count}`` items."""
        old, self._counts = self._counts, {}
        totals = dict(self._pending)
        self._pending = {}
        for key, counter in old.items():
            totals[key] = totals.get(key, 0) + next(counter) - 1
        return [
            {"flag": flag, "variant": variant, "reason": reason, "count": count}
            for (flag, variant, reason), count in sorted(
                totals.items(), key=lambda item: (item[0][0], item[0][1] or "", item[0][2])
            )
            if count > 0
        ]

    def give_back(self, items: list[dict[str, Any]], limit: int = 10_000) -> None:
        """Keep counts a flush could not deliver for the next one (bounded)."""
        for item in items:
            key = (item["flag"], item["variant"], item["reason"])
            if key in self._pending or len(self._pending) < limit:
                self._pending[key] = self._pending.get(key, 0) + item["count"]
