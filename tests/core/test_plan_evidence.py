"""How a plan's questions to the registry are listed and how the answers read."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unlockstep.core.plans._evidence import (
    FAILED,
    MET,
    NEW,
    NONE,
    UNKNOWN,
    UNMET,
    VERIFIED,
    Verification,
    flag_metric,
    judge,
    questions,
)
from unlockstep.core.plans._file import blocker_from_text, parse
from unlockstep.core.plans._window import Evidence, check_blocker, check_window

PLANS = Path(__file__).resolve().parents[2] / "examples" / "estate" / "plans"


def answer(live: dict[str, str], versions: tuple[str, ...] = ("1.5.0",)) -> Verification:
    return Verification("case-service", versions, live)


JUDGED = {
    "every live version verified: moved": (
        answer({"3.0.2": VERIFIED}),
        MET,
        "moved: n 3.0.2 verified against case-service 1.5.0",
    ),
    "one live version failed: not moved": (
        answer({"1.9.0": FAILED, "1.9.1": VERIFIED}),
        UNMET,
        "not moved: n 1.9.0 failed against case-service 1.5.0",
    ),
    "a live version without a result: unknown": (
        answer({"1.9.0": NONE, "1.9.1": VERIFIED}),
        UNKNOWN,
        "no verification of n 1.9.0 against case-service 1.5.0 "
        "(has it published its expectations?)",
    ),
    "nothing live: unknown": (
        answer({}),
        UNKNOWN,
        "no version of n is live in the plan's environment",
    ),
    "provider version not known: unknown with the reason": (
        Verification("case-service", (), {"1.0": VERIFIED}, "publish it"),
        UNKNOWN,
        "publish it",
    ),
    "several provider versions are named": (
        answer({"1": VERIFIED}, ("1.5.0", "1.6.0")),
        MET,
        "moved: n 1 verified against case-service 1.5.0 / 1.6.0",
    ),
}


@pytest.mark.parametrize("case", JUDGED)
def test_judge_moved_only_when_every_live_version_is_verified(case: str) -> None:
    found, status, detail = JUDGED[case]
    assert judge("n", found) == (status, detail)


FLAG_METRICS = {
    "flag k.x evaluations": "k.x",
    "k.x evaluations": "k.x",
    "K.X Evaluation": "K.X",
    'flag_evaluations_total{flag="k.x"}': "k.x",
    "known.flag": "known.flag",
    'api_requests_total{version="v1"}': None,
    "case_summary_v1_usage_total": None,
}


@pytest.mark.parametrize("metric", FLAG_METRICS)
def test_a_usage_metric_is_a_flag_count_only_when_it_names_a_flag(metric: str) -> None:
    assert flag_metric(metric, frozenset({"known.flag"})) == FLAG_METRICS[metric]


def test_the_demo_plan_asks_about_window_consumers_blockers_and_gates_once_each() -> None:
    from unlockstep.core.plans import _check as plan_check

    plan = parse((PLANS / "risk-explanation.yaml").read_text())
    report = plan_check.analyse(plan, today=date(2026, 7, 20))
    asked = questions(plan, report.graph.steps)
    assert asked[:3] == (
        ("notification-service", "CaseEscalated", "v2"),
        ("dashboard-service", "CaseEscalated", "v2"),
        ("audit-report-service", "CaseEscalated", "v2"),
    )  # the cleanup's "dashboard-service migrated to CaseEscalated v2" asks nothing new
    assert ("decision-service", "GET /cases/{id}/summary", NEW) in asked
    assert len(asked) == len(set(asked))


def test_a_window_reads_registry_verifications_as_moved_not_moved_unknown() -> None:
    plan = parse((PLANS / "risk-explanation.yaml").read_text())
    assert plan.window is not None
    evidence = Evidence(
        verifications={
            ("notification-service", "CaseEscalated", "v2"): answer({"3.0.2": VERIFIED}),
            ("dashboard-service", "CaseEscalated", "v2"): answer({"5.7.0": FAILED}),
        }
    )
    report = check_window(plan.window, evidence, date(2026, 8, 10))
    assert [c.status for c in report.consumers] == [MET, UNMET, UNKNOWN]
    assert report.must_move == ("dashboard-service", "audit-report-service")
    assert report.state == "overdue"


def test_a_usage_blocker_without_a_source_says_so() -> None:
    blocker = blocker_from_text("api_requests_total == 0 for 14 days")
    status = check_blocker(blocker, Evidence(usage_zero_days={}, usage_note="no usage source"))
    assert (status.status, status.detail) == (UNKNOWN, "no usage source; could not be checked")
    met = check_blocker(blocker, Evidence(usage_zero_days={"api_requests_total": 14}))
    assert (met.status, met.detail) == (MET, "zero for 14 of 14 days")


@settings(max_examples=200, deadline=None)
@given(
    live=st.dictionaries(
        st.sampled_from(["1", "2", "3"]), st.sampled_from([VERIFIED, FAILED, NONE])
    ),
    versions=st.lists(st.sampled_from(["1.5.0", "1.6.0"]), max_size=2, unique=True),
)
def test_judge_moved_iff_every_live_version_verified_and_not_moved_iff_one_failed(
    live: dict[str, str], versions: list[str]
) -> None:
    status, _ = judge("n", Verification("p", tuple(versions), live))
    if not versions or not live:
        assert status == UNKNOWN
    elif FAILED in live.values():
        assert status == UNMET
    else:
        assert (status == MET) == all(s == VERIFIED for s in live.values())
        assert status in (MET, UNKNOWN)
