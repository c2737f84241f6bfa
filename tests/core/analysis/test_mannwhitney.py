"""Mann-Whitney U: exact p-values agree with counting every arrangement, the normal
approximation agrees with the exact one where both apply, and the effect size means what it
says."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unlockstep.core.analysis import _mannwhitney, mann_whitney, ranks


def brute_force_upper(baseline: list[float], canary: list[float]) -> float:
    """P(U >= observed) by relabelling the pooled values every possible way."""
    pooled = [*canary, *baseline]
    n1 = len(canary)

    def u_of(chosen: tuple[int, ...]) -> float:
        c = [pooled[i] for i in chosen]
        b = [pooled[i] for i in range(len(pooled)) if i not in chosen]
        return sum(1.0 if x > y else 0.5 if x == y else 0.0 for x in c for y in b)

    observed = u_of(tuple(range(n1)))
    splits = list(itertools.combinations(range(len(pooled)), n1))
    return sum(1 for s in splits if u_of(s) >= observed - 1e-9) / len(splits)


def test_ties_share_the_mean_rank() -> None:
    assert ranks([3.0, 1.0, 3.0, 2.0]) == [3.5, 1.0, 3.5, 2.0]


@given(
    st.lists(st.integers(0, 1000), min_size=1, max_size=6, unique=True).flatmap(
        lambda b: st.tuples(
            st.just(b),
            st.lists(st.integers(1001, 3000), min_size=1, max_size=6, unique=True)
            | st.lists(st.integers(0, 3000).filter(lambda v: v not in b), min_size=1,
                       max_size=6, unique=True),
        )
    )
)  # fmt: skip
def test_the_exact_p_value_is_the_share_of_arrangements_at_least_as_extreme(
    samples: tuple[list[int], list[int]],
) -> None:
    baseline, canary = ([float(v) for v in s] for s in samples)
    result = mann_whitney(baseline, canary, "greater")
    assert result.method == "exact"
    assert math.isclose(result.p_value, brute_force_upper(baseline, canary), rel_tol=1e-9)


def test_a_canary_entirely_above_the_baseline_is_significant_with_effect_one() -> None:
    baseline = [0.010, 0.011, 0.009, 0.012, 0.0105, 0.0115, 0.0101, 0.0095]
    canary = [0.050, 0.061, 0.055, 0.049, 0.058, 0.052, 0.060, 0.057]
    result = mann_whitney(baseline, canary, "greater")
    assert result.effect == 1.0
    assert result.p_value == pytest.approx(1 / math.comb(16, 8))
    assert mann_whitney(baseline, canary, "less").p_value == pytest.approx(1.0)


def test_the_normal_approximation_is_close_to_the_exact_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    baseline = [float(v) for v in range(0, 40, 2)]  # 20 values
    canary = [float(v) + 5.5 for v in range(0, 40, 2)]
    exact = mann_whitney(baseline, canary, "greater")
    assert exact.method == "exact"
    monkeypatch.setattr(_mannwhitney, "EXACT_UP_TO", 0)
    normal = mann_whitney(baseline, canary, "greater")
    assert normal.method == "normal"
    assert normal.p_value == pytest.approx(exact.p_value, abs=0.005)


def test_identical_samples_give_no_evidence() -> None:
    result = mann_whitney([1.0] * 10, [1.0] * 10, "greater")
    assert result.p_value == 1.0
    assert result.effect == 0.0


def test_two_sided_is_twice_the_smaller_tail() -> None:
    baseline, canary = [1.0, 2.0, 3.0, 4.0], [3.5, 5.0, 6.0, 7.0]
    greater = mann_whitney(baseline, canary, "greater").p_value
    assert mann_whitney(baseline, canary, "two-sided").p_value == pytest.approx(2 * greater)


def test_an_empty_sample_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one value"):
        mann_whitney([], [1.0])
