from __future__ import annotations

from datetime import date

import pytest

from unlockstep.core.plans._check import analyse
from unlockstep.core.plans._file import parse
from unlockstep.core.plans._plan import Blocker, CleanupItem, Flag, Window
from unlockstep.core.plans._window import (
    Evidence,
    check_blocker,
    check_cleanup,
    check_flag,
    check_window,
)

from .plan_fixtures import example

WINDOW = Window(
    starts=date(2026, 7, 5),
    ends=date(2026, 8, 5),
    contract="CaseEscalated",
    version="v2",
    consumers_required_by_end=("notification-service", "dashboard-service"),
)
VERIFIED = Evidence(verified=frozenset({("notification-service", "CaseEscalated", "v2")}))


def test_a_window_knows_which_consumers_moved_and_which_must_still_move() -> None:
    report = check_window(WINDOW, VERIFIED, date(2026, 7, 20))
    assert report.state == "open"
    assert report.days_left == 16
    assert [c.status for c in report.consumers] == ["met", "unmet"]
    assert report.must_move == ("dashboard-service",)
    assert not report.overdue


def test_a_window_past_its_end_with_consumers_left_is_overdue() -> None:
    report = check_window(WINDOW, VERIFIED, date(2026, 8, 6))
    assert report.state == "overdue"
    assert report.overdue


def test_a_window_past_its_end_with_every_consumer_moved_is_closed() -> None:
    everyone = Evidence(
        verified=frozenset({(c, "CaseEscalated", "v2") for c in WINDOW.consumers_required_by_end})
    )
    assert check_window(WINDOW, everyone, date(2026, 8, 6)).state == "closed"


def test_without_the_registry_consumers_are_unknown_not_guessed() -> None:
    report = check_window(WINDOW, Evidence.none(), date(2026, 7, 20))
    assert {c.status for c in report.consumers} == {"unknown"}
    assert "could not be checked" in report.consumers[0].detail


BLOCKERS = {
    "verified, recorded": (
        Blocker("verified", "t", consumer="a", contract="E", version="v2"),
        Evidence(verified=frozenset({("a", "E", "v2")})),
        "met",
    ),
    "verified, not recorded": (
        Blocker("verified", "t", consumer="a", contract="E", version="v2"),
        Evidence(verified=frozenset()),
        "unmet",
    ),
    "usage zero long enough": (
        Blocker("usage-zero", "t", metric="m", days=14),
        Evidence(usage_zero_days={"m": 15}),
        "met",
    ),
    "usage zero too short": (
        Blocker("usage-zero", "t", metric="m", days=14),
        Evidence(usage_zero_days={"m": 3}),
        "unmet",
    ),
    "usage unknown metric": (
        Blocker("usage-zero", "t", metric="m", days=14),
        Evidence(usage_zero_days={}),
        "unknown",
    ),
    "flag deleted": (Blocker("flag-deleted", "t", flag="f"), Evidence(flags={}), "met"),
    "flag still there": (
        Blocker("flag-deleted", "t", flag="f"),
        Evidence(flags={"f": "on"}),
        "unmet",
    ),
    "workflow drained": (
        Blocker("workflow-drained", "t", workflow="w", version="1"),
        Evidence(running_instances={("w", "1"): 0}),
        "met",
    ),
    "workflow still running": (
        Blocker("workflow-drained", "t", workflow="w", version="1"),
        Evidence(running_instances={("w", "1"): 7}),
        "unmet",
    ),
    "workflow not reported": (
        Blocker("workflow-drained", "t", workflow="w", version="1"),
        Evidence(running_instances={("w", "2"): 0}),
        "unknown",
    ),
    "manual": (Blocker("manual", "update docs"), Evidence(flags={}), "unknown"),
    "no flag source": (Blocker("flag-deleted", "t", flag="f"), Evidence.none(), "unknown"),
}


@pytest.mark.parametrize("name", sorted(BLOCKERS))
def test_cleanup_blockers_are_checked_against_evidence(name: str) -> None:
    blocker, evidence, status = BLOCKERS[name]
    assert check_blocker(blocker, evidence).status == status


def test_cleanup_is_done_only_when_every_blocker_is_met() -> None:
    item = CleanupItem(
        "remove flag",
        owner="o",
        due=date(2026, 8, 5),
        blockers=(
            Blocker("flag-deleted", "t", flag="f"),
            Blocker("usage-zero", "u", metric="m", days=14),
        ),
    )
    evidence = Evidence(flags={}, usage_zero_days={"m": 20})
    assert check_cleanup(item, evidence, date(2026, 8, 1)).done
    half = Evidence(flags={"f": "off"}, usage_zero_days={"m": 20})
    report = check_cleanup(item, half, date(2026, 8, 6))
    assert (report.done, report.overdue) == (False, True)


def test_cleanup_without_owner_due_date_or_checkable_blocker_is_flagged() -> None:
    report = check_cleanup(
        CleanupItem("x", blockers=(Blocker("manual", "docs"),)), Evidence.none(), date(2026, 8, 1)
    )
    assert report.problems == ("no owner", "no due date", "no machine-checkable blocker")


def test_a_flag_needs_an_owner_and_an_expiry_that_has_not_passed() -> None:
    assert check_flag(Flag("f"), date(2026, 1, 1)) == (
        "flag f has no owner",
        "flag f has no expiry",
    )
    assert check_flag(Flag("f", owner="o", expires=date(2026, 1, 1)), date(2026, 2, 1)) == (
        "flag f expired on 2026-01-01",
    )


def test_an_overdue_window_and_overdue_cleanup_fail_the_plan_check() -> None:
    plan = parse(*example("risk-explanation"))
    report = analyse(plan, today=date(2026, 8, 20))
    assert not report.ok
    assert report.errors == (
        "compatibility window ended 2026-08-05 but notification-service, dashboard-service, "
        "audit-report-service have not moved (or could not be checked)",
        "cleanup 'remove fallback parser and risk.explanation flags' was due 2026-08-05 and "
        "is not done",
    )
