"""Evaluation counts from many SDK instances flushing at once add up exactly."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest

from unlockstep.services import flags
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
                flags.record_evaluations(store, "production", batch, DAY)
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


def test_a_batch_is_summed_per_row_and_written_in_short_transactions(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(flags, "COUNT_ROWS_PER_TRANSACTION", 2)
    opened = 0
    session = store.session

    def counting() -> Any:
        nonlocal opened
        opened += 1
        return session()

    monkeypatch.setattr(store, "session", counting)
    batch = [
        {"flag": f"f{i % 5}", "variant": "on", "reason": "STATIC", "count": 2} for i in range(50)
    ]
    assert flags.record_evaluations(store, "production", batch, DAY) == 100
    assert opened == 3  # five daily rows, two per transaction
    monkeypatch.undo()
    with store.session() as session_:
        counts = flag_store.load_counts(session_, "production", DAY)
    assert {c.flag: c.count for c in counts} == {f"f{i}": 20 for i in range(5)}
