"""OFREP evaluations counted on the server, so flag debt sees every language's flag reads
(an OFREP client in Go or JavaScript sends no counts of its own).

Each server process counts in memory, per environment, with the SDK's lock-free
:class:`~unlockstep.sdk.counters.EvaluationCounter` (the hot path stays one dictionary look-up
and one C call), and adds the counts to the daily totals every ``flush_seconds`` and when the
server stops; a failed flush keeps them for the next one. Only flags the environment has are
counted, so requests for made-up keys or environments cannot grow the counters.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from unlockstep.core.flags import MAX_COUNTS_PER_BATCH
from unlockstep.sdk.counters import EvaluationCounter
from unlockstep.server.periodic import PeriodicFlush
from unlockstep.services import flags as flag_service
from unlockstep.store import Store

log = logging.getLogger(__name__)


class OfrepCounts(PeriodicFlush):
    def __init__(self, store: Store, flush_seconds: float = 10.0) -> None:
        super().__init__(flush_seconds)
        self.store = store
        self._counters: dict[str, EvaluationCounter] = {}

    def counter(self, environment: str) -> EvaluationCounter:
        found = self._counters.get(environment)
        if found is None:
            found = self._counters.setdefault(environment, EvaluationCounter())
        return found

    def flush(self) -> int:
        """Add what was counted to the daily totals (in a worker thread); the count added."""
        today = dt.datetime.now(dt.UTC).date()
        added = 0
        for environment, counter in list(self._counters.items()):
            items = counter.drain()
            for start in range(0, len(items), MAX_COUNTS_PER_BATCH):
                batch: list[dict[str, Any]] = items[start : start + MAX_COUNTS_PER_BATCH]
                try:
                    added += flag_service.record_evaluations(self.store, environment, batch, today)
                except Exception as error:  # the database is down: keep them for later
                    log.warning("could not record OFREP evaluation counts: %s", error)
                    counter.give_back(batch)
        return added
