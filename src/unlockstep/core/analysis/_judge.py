"""The baseline-vs-canary judge: is the canary's metric worse than the baseline's?

Both samples (e.g. the error ratio of the baseline and the canary every 30 s over the last
10 minutes) go through the Mann-Whitney U test, one-sided in the direction that is bad. The
canary fails only when the difference is both unlikely by chance (``p < alpha``) and large
(``effect >= minEffect``): a tiny but "significant" difference over many points does not
abort a rollout. Too few points on either side is inconclusive. The verdict carries the
statistic, the effect, both medians and the data, so a person can see why.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from unlockstep.core.analysis._checks import Judge, Phase
from unlockstep.core.analysis._mannwhitney import Alternative, mann_whitney


@dataclass(frozen=True, slots=True)
class Verdict:
    phase: Phase
    message: str
    data: dict[str, Any]


def judge_samples(judge: Judge, baseline: Sequence[float], canary: Sequence[float]) -> Verdict:
    data: dict[str, Any] = {"baseline": list(baseline), "canary": list(canary)}
    if len(baseline) < judge.min_samples or len(canary) < judge.min_samples:
        return Verdict(
            "inconclusive",
            f"too few values to compare (baseline {len(baseline)}, canary {len(canary)}; "
            f"need {judge.min_samples} each)",
            data,
        )
    alternative: Alternative = "greater" if judge.direction == "increase" else "less"
    test = mann_whitney(baseline, canary, alternative)
    # the effect in the bad direction: +1 every canary value worse than every baseline value
    worse = test.effect if judge.direction == "increase" else -test.effect
    data.update(
        u=test.u, pValue=test.p_value, effect=worse, method=test.method,
        baselineMedian=statistics.median(baseline), canaryMedian=statistics.median(canary),
        alpha=judge.alpha, minEffect=judge.min_effect, direction=judge.direction,
    )  # fmt: skip
    summary = (
        f"canary median {statistics.median(canary):.6g} vs baseline "
        f"{statistics.median(baseline):.6g}: U={test.u:g}, p={test.p_value:.3g}, "
        f"effect {worse:+.2f}"
    )
    if test.p_value < judge.alpha and worse >= judge.min_effect:
        return Verdict("fail", f"canary is worse ({judge.direction} is bad); {summary}", data)
    return Verdict("pass", f"no meaningful {judge.direction} in the canary; {summary}", data)
