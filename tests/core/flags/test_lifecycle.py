import datetime as dt
from typing import Any

import pytest

from unlockstep.core.flags import parse_flag_set
from unlockstep.core.flags.lifecycle import (
    DebtKind,
    EvaluationCount,
    assess,
    debt_report,
    summarize,
)

from .fixtures import BOOL, document, flag

TODAY = dt.date(2026, 9, 1)


def one(metadata: dict[str, Any]) -> Any:
    return parse_flag_set(document({"f": flag(BOOL, "on", metadata=metadata)})).flags["f"]


def daily(variants_by_day: dict[int, dict[str, int]]) -> list[EvaluationCount]:
    return [
        EvaluationCount("f", TODAY - dt.timedelta(days=ago), variant, count)
        for ago, variants in variants_by_day.items()
        for variant, count in variants.items()
    ]


@pytest.mark.parametrize(
    ("metadata", "stale"),
    [
        ({"type": "release", "created": "2026-08-20", "expires": "2026-08-31"}, True),
        ({"type": "release", "created": "2026-07-01", "expires": "2026-12-01"}, True),
        ({"type": "migration", "created": "2026-08-01"}, True),
        ({"type": "migration", "created": "2026-08-10"}, False),
        ({"type": "experiment", "created": "2026-08-01", "expires": "2026-09-30"}, False),
        ({"type": "ops", "created": "2020-01-01"}, False),
        ({"type": "permission", "created": "2020-01-01"}, False),
    ],
)
def test_a_flag_is_stale_past_its_expiry_or_its_types_lifetime(
    metadata: dict[str, Any], stale: bool
) -> None:
    assert (DebtKind.STALE in assess(one(metadata), TODAY).kinds) is stale


def test_one_variant_at_100_percent_for_the_quiet_period_is_ready_for_cleanup() -> None:
    usage = summarize(daily({ago: {"on": 10} for ago in range(15)}))["f"]
    assert usage.single_variant == "on" and usage.single_variant_days == 15
    debt = assess(one({"type": "ops"}), TODAY, usage)
    assert debt.kinds == (DebtKind.READY_FOR_CLEANUP,)


def test_a_flag_still_serving_two_variants_is_not_ready_for_cleanup() -> None:
    usage = summarize(daily({0: {"on": 5, "off": 1}, **{ago: {"on": 1} for ago in range(1, 20)}}))[
        "f"
    ]
    assert assess(one({"type": "ops"}), TODAY, usage).kinds == ()


def test_a_flag_nobody_evaluated_for_the_quiet_period_is_ready_for_cleanup() -> None:
    usage = summarize(daily({30: {"on": 3}, 31: {"off": 2}}))["f"]
    debt = assess(one({"type": "ops"}), TODAY, usage, quiet_days=14)
    assert DebtKind.READY_FOR_CLEANUP in debt.kinds
    assert "not evaluated since" in debt.reasons[0]


def test_completed_but_still_evaluated_is_reported() -> None:
    usage = summarize(daily({0: {"on": 3, "off": 1}}))["f"]
    debt = assess(one({"type": "ops", "completed": "2026-08-15"}), TODAY, usage)
    assert debt.kinds == (DebtKind.COMPLETED_BUT_EVALUATED,)


def test_without_counts_only_calendar_rules_apply() -> None:
    doc = document(
        {
            "old": flag(
                BOOL,
                "on",
                metadata={
                    "type": "release",
                    "owner": "a",
                    "expires": "2026-01-01",
                    "cleanupIssue": "X-1",
                },
            ),
            "fine": flag(
                BOOL, "on", metadata={"type": "ops", "owner": "b", "created": "2020-01-01"}
            ),
        }
    )
    report = debt_report(parse_flag_set(doc), TODAY)
    assert list(report) == ["a"]
    assert report["a"][0].to_dict()["cleanupIssue"] == "X-1"
    assert "fine" in [d.flag for d in debt_report(parse_flag_set(doc), TODAY, [])["b"]]


def test_a_flag_no_code_references_any_more_is_ready_for_cleanup() -> None:
    debt = assess(one({"type": "ops"}), TODAY, references=[])
    assert debt.kinds == (DebtKind.READY_FOR_CLEANUP,) and debt.references == ()
    assert "no code references it" in debt.reasons[0]


def test_a_flag_still_referenced_after_its_expiry_is_debt_with_the_locations() -> None:
    places = [f"src/app{i}.py:{i}" for i in range(7)]
    debt = assess(one({"type": "release", "expires": "2026-08-20"}), TODAY, references=places)
    assert DebtKind.STILL_IN_CODE in debt.kinds and debt.references == tuple(places)
    [reason] = [r for r in debt.reasons if "still referenced" in r]
    assert reason.startswith("expired on 2026-08-20") and "src/app0.py:0" in reason
    assert reason.endswith("and 2 more") and debt.to_dict()["references"] == places


def test_a_referenced_flag_inside_its_life_and_unscanned_code_add_nothing() -> None:
    living = one({"type": "release", "created": "2026-08-25", "expires": "2026-12-01"})
    assert assess(living, TODAY, references=["a.go:3"]).kinds == ()
    assert assess(living, TODAY).references is None
    assert assess(living, TODAY).to_dict()["references"] is None


def test_the_report_treats_a_flag_missing_from_the_references_as_unreferenced() -> None:
    doc = document({
        "gone": flag(BOOL, "on", metadata={"owner": "a", "type": "ops"}),
        "kept": flag(BOOL, "on", metadata={"owner": "a", "type": "ops"}),
    })  # fmt: skip
    report = debt_report(parse_flag_set(doc), TODAY, references={"kept": ["x.ts:1"]})
    assert [d.flag for d in report["a"]] == ["gone"]
