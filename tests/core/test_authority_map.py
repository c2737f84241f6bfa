"""The authority map of a strangler migration: exactly one system writes each business
concept in each phase."""

from __future__ import annotations

from datetime import date

import pytest

from unlockstep.core.plans._check import analyse
from unlockstep.core.plans._file import parse
from unlockstep.errors import ParseError

from .plan_fixtures import one_change

BASE = one_change("events", "add-optional-event-field")


def report(authority: str):  # type: ignore[no-untyped-def]
    return analyse(parse(BASE + authority, "plan.yaml"), today=date(2026, 7, 6))


def test_one_writer_per_concept_and_phase_passes_and_is_reported() -> None:
    found = report(
        "authority:\n"
        "  case:\n"
        "    expand: legacy-case-store\n"
        "    migrate: legacy-case-store\n"
        "    contract: case-service\n"
    )
    assert not [e for e in found.errors if e.startswith("authority")]
    assert found.to_dict()["authority"] == {
        "case": {
            "expand": ["legacy-case-store"],
            "migrate": ["legacy-case-store"],
            "contract": ["case-service"],
        }
    }


def test_two_writers_of_one_concept_in_a_phase_fail_the_check() -> None:
    found = report(
        "authority:\n"
        "  case:\n"
        "    expand: legacy-case-store\n"
        "    migrate: [legacy-case-store, case-service]\n"
        "    contract: case-service\n"
    )
    assert not found.ok
    [problem] = [e for e in found.errors if e.startswith("authority")]
    assert "legacy-case-store, case-service all write case in phase migrate (line" in problem


def test_a_strangler_phase_without_a_source_of_truth_fails_the_check() -> None:
    found = report("authority:\n  case:\n    expand: legacy-case-store\n")
    assert "authority: no source of truth for case in phase migrate, contract" in found.errors


def test_an_unknown_phase_is_bad_input_with_its_line() -> None:
    with pytest.raises(ParseError) as bad:
        parse(BASE + "authority:\n  case:\n    sometime: x\n", "plan.yaml")
    assert "/authority/case/sometime: unknown phase 'sometime'" in str(bad.value.details)
