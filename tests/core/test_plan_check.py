from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from unlockstep.core.compat._model import Breaks, Change, Level, Location, Policy, Source
from unlockstep.core.plans._check import analyse, load_engines
from unlockstep.core.plans._file import parse
from unlockstep.errors import InvalidInput

from .plan_fixtures import example, read

TODAY = date(2026, 7, 20)

COMPUTED = """\
change: c
services:
  case-service: {role: provider}
  dashboard-service: {role: consumer}
contracts:
  api:
    - id: summary
      name: GET /cases/{id}/summary
      provider: case-service
      consumers: [dashboard-service]
      old: contracts/summary.v1.fake
      new: contracts/summary.v2.fake
"""


@dataclass
class FakeEngine:
    """Diffs "field lists": a field gone is a removed response property."""

    kind: str = "fake"

    def sniff(self, source: Source) -> bool:
        return source.filename.endswith(".fake")

    def parse(self, source: Source) -> Any:
        return set(source.text.split())

    def diff(self, old: Any, new: Any, policy: Policy) -> list[Change]:
        out = [
            Change(
                "response-property-removed",
                Level.BREAKING,
                Breaks.READERS,
                Location(pointer=f"/{f}"),
                f"{f} removed",
            )
            for f in sorted(old - new)
        ]
        out += [
            Change(
                "response-property-added",
                Level.INFO,
                Breaks.NONE,
                Location(pointer=f"/{f}"),
                f"{f} added",
            )
            for f in sorted(new - old)
        ]
        return out


FILES = {
    "contracts/summary.v1.fake": "caseId status legacyScore",
    "contracts/summary.v2.fake": "caseId status riskExplanation",
}


def test_a_change_pointing_at_contract_files_is_computed_by_the_engine() -> None:
    report = analyse(
        parse(COMPUTED), today=TODAY, read=FILES.__getitem__, engines={"fake": FakeEngine()}
    )
    result = report.contracts[0]
    assert result.row is not None and result.row.kind == "remove-response-field"
    assert result.reason == ("computed by fake: response-property-added, response-property-removed")
    assert result.computed is not None and len(result.computed) == 2
    assert result.unchecked is None
    # consumers stop reading before the provider removes the field
    assert report.schedule.levels[0] == ("summary.1",)
    assert report.schedule.levels[-1] == ("summary.3",)


def test_without_an_engine_for_the_kind_the_plan_says_what_could_not_be_checked() -> None:
    report = analyse(parse(COMPUTED), today=TODAY, read=FILES.__getitem__, engines={})
    result = report.contracts[0]
    assert result.row is None
    assert result.unchecked == (
        "summary: no compatibility engine for contracts/summary.v2.fake "
        "is installed (have: none); could not be checked"
    )
    assert result.unchecked in report.warnings
    assert report.ok  # degraded, not failed


def test_without_an_engine_a_described_change_is_used_as_the_fallback() -> None:
    text = COMPUTED + "      change: add-optional-response-field\n"
    report = analyse(parse(text), today=TODAY, read=FILES.__getitem__, engines={})
    assert report.contracts[0].row is not None
    assert report.contracts[0].reason == "described as add-optional-response-field (not computed)"


def test_a_computed_kind_wins_over_a_described_one_and_says_so() -> None:
    text = COMPUTED + "      change: add-optional-response-field\n"
    report = analyse(
        parse(text), today=TODAY, read=FILES.__getitem__, engines={"fake": FakeEngine()}
    )
    assert report.contracts[0].reason.endswith(
        "(described as add-optional-response-field; the computed kind is used)"
    )


def test_a_missing_contract_file_is_bad_input() -> None:
    def read(name: str) -> str:
        raise InvalidInput(f"contract file {name!r} does not exist")

    with pytest.raises(InvalidInput):
        analyse(parse(COMPUTED), today=TODAY, read=read, engines={"fake": FakeEngine()})


def test_the_seed_plan_is_computed_by_the_real_engines_from_the_demo_contracts() -> None:
    load_engines()
    report = analyse(parse(*example("risk-explanation")), today=TODAY, read=read)
    assert [(r.contract.id, r.row.kind if r.row else None, r.reason) for r in report.contracts] == [
        (
            "case-summary",
            "add-optional-response-field",
            "computed by openapi: new-optional-request-property, response-optional-property-added",
        ),
        (
            "case-escalated",
            "add-optional-event-field",
            "computed by asyncapi: message-payload-property-added-to-open-model",
        ),
    ]
    assert report.warnings == ()


def test_a_breaking_proposal_is_computed_as_the_riskier_kind() -> None:
    load_engines()
    text = example("risk-explanation")[0].replace("v2-proposed", "v2-breaking")
    report = analyse(parse(text, "risk-explanation.yaml"), today=TODAY, read=read)
    assert [r.row.kind if r.row else None for r in report.contracts] == [
        "add-required-request-field",
        "change-event-meaning",
    ]
    assert report.risk.level.label == "high"


def test_a_table_change_is_computed_from_the_migrations_before_and_after() -> None:
    load_engines()
    report = analyse(parse(*example("escalation-basis")), today=TODAY, read=read)
    table = report.contracts[0]
    assert table.row is not None and table.row.kind == "add-required-column"
    assert table.reason == "computed by table: check-added, required-column-added"
