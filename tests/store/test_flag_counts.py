"""Evaluation counts from many SDK instances flushing at once add up exactly."""

from __future__ import annotations

import datetime as dt
import threading

from unlockstep.store import Store
from unlockstep.store import flags as flag_store

DAY = dt.date(2026, 11, 22)


def test_concurrent_flushes_of_the_same_counter_add_up(store: Store) -> None:
    batch = [
        {"flag": "f", "variant": "on", "reason": "STATIC", "count": 3},
        {"flag": "f", "variant": None, "reason": "DISABLED", "count": 1},
    ]
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def flush() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                with store.session() as session:
                    flag_store.record_counts(session, "production", batch, DAY)
        except BaseException as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=flush) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with store.session() as session:
        counts = flag_store.load_counts(session, "production", DAY)
    totals = {(c.variant, c.flag): c.count for c in counts}
    assert totals == {("on", "f"): 6 * 5 * 3, (None, "f"): 6 * 5 * 1}
