"""The Mann-Whitney U test, the baseline-vs-canary judge's statistic (Kayenta uses it too).

Given two samples, U counts the pairs (baseline value, canary value) in which the canary's is
larger (ties count one half). With no difference between the two populations U sits near
``n1 * n2 / 2``; the p-value says how surprising the observed U is. Small samples without ties
get the exact distribution (every way to interleave the two samples counted, by recursion);
larger ones, or ties, the normal approximation with a tie correction and a continuity
correction. The effect size is the rank-biserial correlation ``2 * U / (n1 * n2) - 1``:
``+1`` every canary value is above every baseline value, ``0`` no tendency, ``-1`` below.
Only the standard library is used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

Alternative = Literal["greater", "less", "two-sided"]

#: Up to this many values in all (and no ties), the p-value is exact.
EXACT_UP_TO = 40


@dataclass(frozen=True, slots=True)
class MannWhitney:
    """U of the canary sample over the baseline, its p-value for ``alternative`` (``greater``:
    the canary's values tend to be larger), the effect size and how the p-value was found."""

    u: float
    p_value: float
    effect: float
    alternative: Alternative
    method: Literal["exact", "normal"]
    n_baseline: int
    n_canary: int


def ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks, tied values sharing the mean of their positions."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        mean = (start + end) / 2 + 1
        for position in range(start, end + 1):
            result[order[position]] = mean
        start = end + 1
    return result


@cache
def _arrangements(n1: int, n2: int, u: int) -> int:
    """How many orderings of ``n1`` canary and ``n2`` baseline values give the canary
    exactly ``u`` wins (the largest value is either a canary one, winning over all ``n2``,
    or a baseline one, winning nothing)."""
    if u < 0 or u > n1 * n2:
        return 0
    if n1 == 0 or n2 == 0:
        return 1 if u == 0 else 0
    return _arrangements(n1 - 1, n2, u - n2) + _arrangements(n1, n2 - 1, u)


def _exact_upper(n1: int, n2: int, u: float) -> float:
    """P(U >= u) under no difference."""
    total = math.comb(n1 + n2, n1)
    start = math.ceil(u)
    return sum(_arrangements(n1, n2, k) for k in range(start, n1 * n2 + 1)) / total


def _normal_upper(z: float) -> float:
    return 0.5 * math.erfc(z / math.sqrt(2))


def mann_whitney(
    baseline: Sequence[float], canary: Sequence[float], alternative: Alternative = "greater"
) -> MannWhitney:
    """Test whether ``canary`` tends to be larger (``greater``), smaller (``less``) or
    different (``two-sided``) than ``baseline``. Both samples need at least one value."""
    n1, n2 = len(canary), len(baseline)
    if n1 == 0 or n2 == 0:
        raise ValueError("both samples need at least one value")
    ranked = ranks([*canary, *baseline])
    u = sum(ranked[:n1]) - n1 * (n1 + 1) / 2  # canary's wins over baseline
    pairs = n1 * n2
    effect = 2 * u / pairs - 1
    tied = len(set([*canary, *baseline])) < n1 + n2
    if not tied and n1 + n2 <= EXACT_UP_TO:
        upper, lower = _exact_upper(n1, n2, u), _exact_upper(n1, n2, pairs - u)
        method: Literal["exact", "normal"] = "exact"
    else:
        n = n1 + n2
        counts: dict[float, int] = {}
        for value in ranked:
            counts[value] = counts.get(value, 0) + 1
        correction = sum(t**3 - t for t in counts.values()) / (n * (n - 1)) if n > 1 else 0.0
        variance = pairs / 12 * ((n + 1) - correction)
        mean = pairs / 2
        if variance <= 0:  # every value equal: no evidence either way
            upper = lower = 1.0
        else:
            sigma = math.sqrt(variance)
            upper = _normal_upper((u - mean - 0.5) / sigma)
            lower = _normal_upper((mean - u - 0.5) / sigma)
        method = "normal"
    if alternative == "greater":
        p = upper
    elif alternative == "less":
        p = lower
    else:
        p = min(1.0, 2 * min(upper, lower))
    return MannWhitney(u, min(1.0, p), effect, alternative, method, n2, n1)
