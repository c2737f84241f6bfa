"""The dark-launch helper: the old path's result always, the candidate on a sample, every
outcome counted, nothing raised into the caller, a writing candidate refused up front."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unlockstep.sdk import DarkLaunch


def always() -> float:
    return 0.0  # below any positive sample: every call is sampled


def test_the_old_result_is_returned_and_matches_and_mismatches_are_counted() -> None:
    launch: DarkLaunch[int] = DarkLaunch("sum", sample=1.0, random_source=always)
    assert launch.run(lambda: 4, lambda: 4) == 4
    assert launch.run(lambda: 5, lambda: 6) == 5
    stats = launch.stats()
    assert (stats["runs"], stats["sampled"], stats["match"], stats["mismatch"]) == (2, 2, 1, 1)
    assert stats["mismatchRatio"] == 0.5
    assert stats["examples"] == [{"result": "mismatch", "control": "5", "candidate": "6"}]


@given(
    control=st.integers() | st.text() | st.none(),
    candidate=st.sampled_from(["raise", "value", "slow-type"]),
    comparator=st.sampled_from(["raise", "eq", "weird"]),
)
def test_nothing_the_candidate_or_comparator_does_reaches_the_caller(
    control: Any, candidate: str, comparator: str
) -> None:
    def cand() -> Any:
        if candidate == "raise":
            raise RuntimeError("candidate broke")
        return object() if candidate == "slow-type" else control

    def compare(a: Any, b: Any) -> bool:
        if comparator == "raise":
            raise TypeError("cannot compare")
        return a == b if comparator == "eq" else "yes"  # type: ignore[return-value]

    launch: DarkLaunch[Any] = DarkLaunch("x", sample=1.0, compare=compare, random_source=always)
    assert launch.run(lambda: control, cand) is control
    stats = launch.stats()
    assert stats["sampled"] == 1
    outcome = next(r for r in ("match", "mismatch", "candidate_error", "comparator_error")
                   if stats[r] == 1)  # fmt: skip
    if candidate == "raise":
        assert outcome == "candidate_error"
    elif comparator == "raise":
        assert outcome == "comparator_error"


def test_the_old_paths_own_exception_is_the_callers() -> None:
    launch: DarkLaunch[int] = DarkLaunch("x", sample=1.0, random_source=always)
    ran: list[str] = []

    def control() -> int:
        raise KeyError("old path failed")

    with pytest.raises(KeyError):
        launch.run(control, lambda: ran.append("candidate") or 1)  # type: ignore[func-returns-value]
    assert ran == []  # no candidate without an old result to compare with
    assert launch.stats()["runs"] == 1


def test_only_the_sample_runs_the_candidate() -> None:
    draws = itertools.cycle([0.01, 0.5, 0.2, 0.9])
    launch: DarkLaunch[int] = DarkLaunch("x", sample=0.25, random_source=lambda: next(draws))
    ran = []
    for i in range(8):
        launch.run(lambda: 1, lambda i=i: ran.append(i) or 1)  # type: ignore[misc]
    assert len(ran) == 4 and launch.stats()["sampled"] == 4


def test_a_switch_turns_sampling_off() -> None:
    on = [False]
    launch: DarkLaunch[int] = DarkLaunch("x", sample=1.0, enabled=lambda: on[0])
    launch.run(lambda: 1, lambda: 2)
    assert launch.stats()["sampled"] == 0
    on[0] = True
    launch.run(lambda: 1, lambda: 2)
    assert launch.stats()["mismatch"] == 1


def test_a_writing_candidate_is_refused_in_the_dark() -> None:
    with pytest.raises(ValueError, match="cannot run in the dark"):
        DarkLaunch("payments.v2", writes=True)


def test_durations_are_measured_per_path() -> None:
    ticks = itertools.count()
    launch: DarkLaunch[int] = DarkLaunch(
        "x", sample=1.0, random_source=always, clock=lambda: float(next(ticks))
    )
    launch.run(lambda: 1, lambda: 1)
    stats = launch.stats()
    assert stats["control"]["count"] == 1 and stats["control"]["totalSeconds"] == 1.0
    assert stats["candidate"]["count"] == 1 and stats["candidate"]["totalSeconds"] == 1.0


def test_the_counts_render_as_prometheus_text() -> None:
    launch: DarkLaunch[int] = DarkLaunch('we"ird', sample=1.0, random_source=always)
    launch.run(lambda: 1, lambda: 2)
    text = launch.exposition()
    assert 'unlockstep_dark_launch_total{experiment="we\\"ird",result="mismatch"} 1' in text
    assert "# TYPE unlockstep_dark_launch_total counter" in text
