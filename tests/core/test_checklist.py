from __future__ import annotations

from datetime import date

from unlockstep.core.plans._check import analyse
from unlockstep.core.plans._checklist import QUESTIONS
from unlockstep.core.plans._file import parse

from .plan_fixtures import example

TODAY = date(2026, 7, 20)


def test_the_checklist_has_the_seeds_sixteen_questions() -> None:
    assert len(QUESTIONS) == 16
    assert QUESTIONS[0][0] == "What behavior changes?"
    assert QUESTIONS[-1][0] == "What evidence is required for audit/compliance?"


def test_a_complete_plan_answers_every_question() -> None:
    report = analyse(parse(*example("escalation-basis")), today=TODAY)
    assert [a.number for a in report.checklist if not a.answered] == []


def test_the_naive_plan_leaves_window_flags_telemetry_order_cleanup_and_evidence_open() -> None:
    report = analyse(parse(*example("escalation-basis-lockstep")), today=TODAY)
    assert [a.number for a in report.checklist if not a.answered] == [7, 8, 9, 10, 13, 14, 15, 16]
    order = report.checklist[9]
    assert order.answer == "the required orderings form a cycle; break the lockstep first"


def test_an_open_question_says_what_to_add() -> None:
    report = analyse(parse("change: c\nservices:\n  a: {role: provider}\n"), today=TODAY)
    answers = {a.question: a for a in report.checklist}
    assert (
        answers["Which services are consumers?"].answer
        == "give at least one service the role consumer"
    )
    assert (
        answers["What is the compatibility window?"].answer
        == "add 'window' with 'starts' and 'ends'"
    )
