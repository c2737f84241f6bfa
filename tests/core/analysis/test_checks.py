"""Analysis templates: conditions, one measurement's phase, limits, the worst-of rule, the
per-consumer expansion and the baseline-vs-canary judge."""

from __future__ import annotations

from typing import Any

import pytest

from unlockstep.core.analysis import (
    Judge,
    analysis_status,
    check_status,
    instantiate,
    judge_samples,
    judge_value,
    parse_check,
    parse_condition,
    parse_template,
)
from unlockstep.errors import InvalidInput


def check(**extra: Any) -> Any:
    raw = {"name": "errors", "provider": {"prometheus": {"query": "x"}}, **extra}
    return parse_check(raw, "checks/0")


@pytest.mark.parametrize(
    ("text", "value", "holds"),
    [
        ("result < 0.01", 0.005, True),
        ("result < 0.01", 0.01, False),
        ("0.95 <= result", 0.97, True),
        ("result >= 0.95 and result <= 1", 1.2, False),
        ("result < 1 or result > 10", 11, True),
        ("result == 0", 0.0, True),
        ("result < 5", float("nan"), False),
    ],
)
def test_conditions_compare_result_with_numbers(text: str, value: float, holds: bool) -> None:
    assert parse_condition(text).holds(value) is holds


@pytest.mark.parametrize("text", ["__import__('os')", "result < x", "result <", "len(result) > 1"])
def test_anything_else_is_refused_with_what_to_write(text: str) -> None:
    with pytest.raises(InvalidInput, match="cannot read condition") as error:
        parse_condition(text, "checks/0/successCondition")
    assert error.value.where == "checks/0/successCondition"


def test_a_success_condition_alone_fails_when_it_does_not_hold() -> None:
    c = check(successCondition="result < 0.01")
    assert judge_value(c, 0.001)[0] == "pass"
    assert judge_value(c, 0.02)[0] == "fail"


def test_neither_condition_holding_is_inconclusive() -> None:
    c = check(successCondition="result < 0.01", failureCondition="result > 0.05")
    assert judge_value(c, 0.03)[0] == "inconclusive"
    assert judge_value(c, 0.06)[0] == "fail"


def test_no_data_is_inconclusive_never_a_pass() -> None:
    c = check(successCondition="result < 0.01")
    phase, why = judge_value(c, None)
    assert phase == "inconclusive"
    assert "no data" in why


def test_limits_decide_a_check() -> None:
    c = check(successCondition="result < 1", count=4, failureLimit=1, inconclusiveLimit=1)
    assert check_status(c, ["pass", "fail"]) == "running"
    assert check_status(c, ["pass", "fail", "fail"]) == "fail"
    assert check_status(c, ["inconclusive", "inconclusive"]) == "inconclusive"
    assert check_status(c, ["pass", "fail", "inconclusive", "pass"]) == "pass"


def test_the_analysis_is_the_worst_of_its_checks() -> None:
    assert analysis_status(["pass", "running"]) == "running"
    assert analysis_status(["pass", "inconclusive", "running"]) == "inconclusive"
    assert analysis_status(["inconclusive", "fail"]) == "fail"
    assert analysis_status(["pass", "pass"]) == "pass"


def test_durations_and_defaults() -> None:
    c = check(successCondition="result < 1", interval="30s", initialDelay="1m")
    assert (c.interval, c.initial_delay, c.count, c.failure_limit) == (30.0, 60.0, 1, 0)
    with pytest.raises(InvalidInput, match="not a duration"):
        check(successCondition="result < 1", interval="soon")


def test_a_check_without_condition_or_judge_is_refused() -> None:
    with pytest.raises(InvalidInput, match="successCondition, a failureCondition or a judge"):
        check()


def test_per_consumer_checks_are_repeated_for_each_consumer_with_args_filled() -> None:
    template = parse_template(
        {
            "name": "health",
            "checks": [
                {"name": "own", "provider": {"prometheus": {"query": "errors{flag='{{flag}}'}"}},
                 "successCondition": "result < 1"},
                {"name": "consumer-errors", "perConsumer": True,
                 "provider": {"prometheus": {"query": "errors{service='{{consumer}}'}"}},
                 "successCondition": "result < 1"},
            ],
        }
    )  # fmt: skip
    done = instantiate(template, {"flag": "f"}, ["dashboard-service", "decision-service"])
    assert [c.name for c in done.checks] == [
        "own", "consumer-errors[dashboard-service]", "consumer-errors[decision-service]",
    ]  # fmt: skip
    assert done.checks[0].options["query"] == "errors{flag='f'}"
    assert done.checks[2].options["query"] == "errors{service='decision-service'}"
    assert done.checks[2].consumer == "decision-service"
    assert parse_template(done.to_dict()) == done  # stored and read back unchanged


def test_duplicate_check_names_are_refused() -> None:
    raw = {"name": "a", "provider": {"web": {}}, "successCondition": "result < 1"}
    with pytest.raises(InvalidInput, match="unique"):
        parse_template({"checks": [raw, raw]})


def test_the_judge_fails_a_clearly_worse_canary_and_shows_its_data() -> None:
    baseline = [0.010, 0.012, 0.011, 0.009, 0.0105, 0.0115, 0.0095, 0.0102]
    worse = [0.051, 0.049, 0.060, 0.055, 0.052, 0.058, 0.050, 0.057]
    verdict = judge_samples(Judge(), baseline, worse)
    assert verdict.phase == "fail"
    assert verdict.data["effect"] == 1.0
    assert verdict.data["canary"] == worse
    assert verdict.data["pValue"] < 0.05
    same = [v * 1.001 for v in baseline]
    assert judge_samples(Judge(), baseline, same).phase == "pass"


def test_the_judge_ignores_a_significant_but_tiny_effect() -> None:
    baseline = [float(v) for v in range(100)]
    canary = [float(v) + 5 for v in range(100)]  # shifted a little: small effect
    verdict = judge_samples(Judge(min_effect=0.3), baseline, canary)
    assert verdict.data["effect"] < 0.3
    assert verdict.phase == "pass"


def test_the_judge_with_too_few_values_is_inconclusive() -> None:
    assert judge_samples(Judge(min_samples=5), [1.0] * 3, [2.0] * 10).phase == "inconclusive"


def test_decrease_is_bad_for_throughput() -> None:
    baseline = [100.0, 101.0, 99.0, 102.0, 98.0, 100.5]
    canary = [50.0, 51.0, 49.0, 52.0, 48.0, 50.5]
    assert judge_samples(Judge(direction="decrease"), baseline, canary).phase == "fail"
    assert judge_samples(Judge(direction="increase"), baseline, canary).phase == "pass"
