from __future__ import annotations

from datetime import date

from unlockstep.core.plans._check import analyse
from unlockstep.core.plans._file import parse
from unlockstep.core.plans._progress import derive
from unlockstep.core.plans._window import Evidence

from .plan_fixtures import example

TODAY = date(2026, 7, 20)


def report():  # type: ignore[no-untyped-def]
    return analyse(parse(*example("escalation-basis")), today=TODAY)


def test_nothing_deployed_means_nothing_done_and_the_first_stage_is_next() -> None:
    progress = derive(report(), deployed={})
    assert progress.counts == {"done": 0, "pending": 12, "unknown": 1}
    assert progress.next == ("cases-table.1",)


def test_a_deployed_phase_version_completes_that_phases_steps_of_the_service() -> None:
    progress = derive(report(), deployed={"case-service": {"1.5.0", "1.6.0"}})
    done = {s.step for s in progress.steps if s.status == "done"}
    assert done == {
        "cases-table.1",
        "cases-table.2",
        "cases-table.3",
        "case-escalated.1",
        "escalate-case.1",
    }
    assert "cases-table.4" not in done  # the contract phase ships in 1.7.0


def test_without_deployments_every_deploy_step_is_unknown_not_guessed() -> None:
    progress = derive(report(), deployed=None)
    assert {s.status for s in progress.steps} == {"unknown"}
    assert progress.steps[0].detail == "no deployments available; could not be checked"


def test_a_flag_step_is_done_only_when_the_flag_is_on() -> None:
    deployed = {
        "case-service": {"1.5.0"},
        "audit-report-service": {"1.10.0"},
        "notification-service": {"3.1.0"},
        "dashboard-service": {"5.8.0"},
    }
    off = derive(
        report(), deployed=deployed, evidence=Evidence(flags={"escalation.basis.write": "off"})
    )
    on = derive(
        report(), deployed=deployed, evidence=Evidence(flags={"escalation.basis.write": "on"})
    )
    status = lambda p: {s.step: s.status for s in p.steps}["case-escalated.3"]  # noqa: E731
    assert (status(off), status(on)) == ("pending", "done")
    assert "case-escalated.3" in on.next or "case-escalated.4" in on.next
