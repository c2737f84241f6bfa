"""Evaluation counters: tallies for known answers, a swapped table for the rest."""

from __future__ import annotations

import threading

from unlockstep.sdk import EvaluationCounter

KEY = ("flag", "on", "STATIC")


def counts(counter: EvaluationCounter) -> dict[tuple[str, str | None, str], int]:
    return {(i["flag"], i["variant"], i["reason"]): i["count"] for i in counter.drain()}


def test_a_tally_counts_each_call_and_each_drain_reports_only_what_is_new() -> None:
    counter = EvaluationCounter()
    tally = counter.tally(KEY)
    for _ in range(5):
        tally()
    assert counts(counter) == {KEY: 5}
    assert counts(counter) == {}
    tally()
    tally()
    assert counts(counter) == {KEY: 2}


def test_the_same_key_gives_the_same_tally_and_adds_to_recorded_counts() -> None:
    counter = EvaluationCounter()
    counter.tally(KEY)()
    counter.tally(KEY)()
    counter.record(*KEY)
    assert counts(counter) == {KEY: 3}


def test_a_retired_tally_keeps_what_it_counted_for_the_next_drain() -> None:
    counter = EvaluationCounter()
    kept, dropped = ("kept", "on", "STATIC"), ("gone", "on", "STATIC")
    counter.tally(kept)()
    counter.tally(dropped)()
    counter.tally(dropped)()
    counter.retain([kept])
    assert counts(counter) == {kept: 1, dropped: 2}
    counter.tally(dropped)()  # a new tally for a key that comes back starts from zero
    assert counts(counter) == {dropped: 1}


def test_tallies_lose_nothing_while_other_threads_count_during_drains() -> None:
    counter = EvaluationCounter()
    tally = counter.tally(KEY)
    per_thread, threads = 20_000, 4

    def work() -> None:
        for _ in range(per_thread):
            tally()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    total = 0
    while any(worker.is_alive() for worker in workers):
        total += counts(counter).get(KEY, 0)
    for worker in workers:
        worker.join()
    total += counts(counter).get(KEY, 0)
    assert total == per_thread * threads


def test_a_failed_flush_gives_counts_back() -> None:
    counter = EvaluationCounter()
    counter.tally(KEY)()
    items = counter.drain()
    counter.give_back(items)
    assert counts(counter) == {KEY: 1}
