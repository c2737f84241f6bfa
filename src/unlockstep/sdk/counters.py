"""Evaluation counters: how often each flag served each variant for each reason.

Counting sits on the evaluation hot path, so it takes no lock: each (flag, variant, reason)
owns an ``itertools.count`` whose ``next`` is atomic under the GIL. Two ways in:

* ``tally(key)`` — for keys known in advance (every answer a configuration can serve): a
  zero-argument callable, the counter's own ``__next__``, so counting is one C call with no
  lookup. Tallies live until ``retain`` drops them; ``drain`` reads how far each advanced since
  the last drain (reading advances it by one, which the next read subtracts), so no count on a
  live tally is ever lost.
* ``record_key(key)`` — for anything else (errors for unknown flags, defaults): a table that
  ``drain`` swaps for a fresh one; an evaluation that fetched its counter just before the swap
  and increments just after is the only count that can be lost.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

Key = tuple[str, str | None, str]


class EvaluationCounter:
    def __init__(self) -> None:
        self._counts: dict[Key, Iterator[int]] = {}
        self._pending: dict[Key, int] = {}
        # key -> (counter, the value the last drain read from it)
        self._tallies: dict[Key, tuple[Iterator[int], int]] = {}
        self._lock = threading.Lock()  # drain, retain and give_back; never the hot path

    def record(self, flag: str, variant: str | None, reason: str) -> None:
        self.record_key((flag, variant, reason))

    def record_key(self, key: Key) -> None:
        counter = self._counts.get(key)
        if counter is None:
            counter = self._counts.setdefault(key, itertools.count(1))
        next(counter)

    def tally(self, key: Key) -> Callable[[], int]:
        """Call the result once per evaluation of ``key``; the same key gives the same tally."""
        entry = self._tallies.get(key)
        if entry is None:
            entry = self._tallies.setdefault(key, (itertools.count(1), 0))
        return entry[0].__next__

    def retain(self, keys: Iterable[Key]) -> None:
        """Drop every tally whose key is not in ``keys`` (after a configuration change),
        keeping what it counted for the next drain."""
        keep = set(keys)
        with self._lock:
            for key in [key for key in self._tallies if key not in keep]:
                counter, last = self._tallies.pop(key)
                self._add_pending(key, next(counter) - last - 1)

    def drain(self) -> list[dict[str, Any]]:
        """Everything counted since the last drain (plus what a failed flush gave back),
        as ``{flag, variant, reason, count}`` items."""
        with self._lock:
            old, self._counts = self._counts, {}
            totals = dict(self._pending)
            self._pending = {}
            for key, counter in old.items():
                totals[key] = totals.get(key, 0) + next(counter) - 1
            for key, (counter, last) in list(self._tallies.items()):
                now = next(counter)
                self._tallies[key] = (counter, now)
                totals[key] = totals.get(key, 0) + now - last - 1
        return [
            {"flag": flag, "variant": variant, "reason": reason, "count": count}
            for (flag, variant, reason), count in sorted(
                totals.items(), key=lambda item: (item[0][0], item[0][1] or "", item[0][2])
            )
            if count > 0
        ]

    def give_back(self, items: list[dict[str, Any]], limit: int = 10_000) -> None:
        """Keep counts a flush could not deliver for the next one (bounded)."""
        with self._lock:
            for item in items:
                key = (item["flag"], item["variant"], item["reason"])
                self._add_pending(key, item["count"], limit)

    def _add_pending(self, key: Key, count: int, limit: int = 10_000) -> None:
        if count > 0 and (key in self._pending or len(self._pending) < limit):
            self._pending[key] = self._pending.get(key, 0) + count
