from __future__ import annotations

from datetime import date

import pytest

from unlockstep.core.compat._model import Breaks, Change, Level, Location
from unlockstep.core.plans._check import analyse
from unlockstep.core.plans._file import parse
from unlockstep.core.plans._risk import MATRIX_KINDS, ROW_BY_KIND, Coordination, row_for_change

from .plan_fixtures import one_change

#: The seed's §33 release risk matrix, row by row: kind -> (group, coordination, safe default)
SEED_MATRIX = {
    "internal-refactor": ("service", "low", "normal deploy"),
    "add-optional-response-field": ("api", "low/medium", "provider first"),
    "add-endpoint": ("api", "low", "deploy provider anytime"),
    "remove-endpoint": ("api", "high", "deprecate + telemetry + deadline"),
    "add-optional-event-field": ("events", "medium", "compatibility check"),
    "change-event-meaning": ("events", "high", "new event type"),
    "add-nullable-column": ("tables", "low/medium", "expand"),
    "drop-column": ("tables", "high", "contract after telemetry"),
    "change-workflow-rule": ("workflows", "high", "version workflow"),
    "change-auth-policy": ("api", "high", "staged rollout + audit"),
    "change-audit-event": ("events", "high", "consumer review + evidence"),
    "change-timeout-retry": ("service", "medium/high", "canary and dependency monitor"),
}


def test_the_matrix_has_every_row_of_the_seed_and_nothing_else() -> None:
    assert set(MATRIX_KINDS) == set(SEED_MATRIX)


@pytest.mark.parametrize("kind", sorted(SEED_MATRIX))
def test_a_described_change_gets_the_seeds_coordination_need_and_safe_default(kind: str) -> None:
    group, coordination, safe_default = SEED_MATRIX[kind]
    report = analyse(parse(one_change(group, kind)), today=date(2026, 7, 1))
    result = report.contracts[0]
    assert result.row is not None
    assert (result.row.coordination.label, result.row.safe_default) == (coordination, safe_default)
    assert report.risk.level.label == coordination


def test_the_plans_risk_is_its_riskiest_change_and_says_why() -> None:
    text = one_change("api", "add-endpoint") + (
        "    - id: y\n      name: Y\n      provider: provider-svc\n      change: remove-endpoint\n"
    )
    report = analyse(parse(text), today=date(2026, 7, 1))
    assert report.risk.level is Coordination.HIGH
    assert report.risk.why == (
        "Y: remove endpoint needs high coordination (safe default: deprecate + telemetry + "
        "deadline)",
    )


def test_a_lockstep_cycle_raises_the_plans_risk_to_high_and_leads_the_why() -> None:
    report = analyse(
        parse(one_change("api", "add-required-request-field", strategy="in-place")),
        today=date(2026, 7, 1),
    )
    assert report.risk.level is Coordination.HIGH
    assert report.risk.why[0] == "1 lockstep cycle(s): services must ship together"


def _change(
    rule: str, level: Level = Level.INFO, breaks: Breaks = Breaks.NONE, message: str = ""
) -> Change:
    return Change(rule=rule, level=level, breaks=breaks, location=Location(), message=message)


ENGINE_CHANGES = [
    ("api", _change("response-property-added"), "add-optional-response-field"),
    ("api", _change("path-added"), "add-endpoint"),
    ("api", _change("operation-removed", Level.BREAKING, Breaks.BOTH), "remove-endpoint"),
    (
        "api",
        _change("request-property-became-required", Level.BREAKING, Breaks.WRITERS),
        "add-required-request-field",
    ),
    (
        "api",
        _change("response-property-removed", Level.BREAKING, Breaks.READERS),
        "remove-response-field",
    ),
    ("api", _change("security-scope-added", Level.BREAKING, Breaks.WRITERS), "change-auth-policy"),
    ("event", _change("field_added_with_default"), "add-optional-event-field"),
    ("event", _change("field-removed", Level.BREAKING, Breaks.READERS), "remove-event-field"),
    (
        "event",
        _change("required-property-added", Level.BREAKING, Breaks.WRITERS),
        "add-required-event-field",
    ),
    ("event", _change("type-changed", Level.BREAKING, Breaks.BOTH), "change-event-meaning"),
    ("table", _change("column-added"), "add-nullable-column"),
    (
        "table",
        _change("column-added", Level.BREAKING, message="NOT NULL without default"),
        "add-required-column",
    ),
    ("table", _change("column-dropped", Level.BREAKING, Breaks.READERS), "drop-column"),
    ("table", _change("column-renamed", Level.BREAKING, Breaks.BOTH), "rename-column"),
    ("workflow", _change("state-changed", Level.BREAKING), "change-workflow-rule"),
]


@pytest.mark.parametrize(
    ("group", "change", "kind"), ENGINE_CHANGES, ids=[f"{g}:{c.rule}" for g, c, _ in ENGINE_CHANGES]
)
def test_a_computed_engine_change_maps_onto_a_matrix_row(
    group: str, change: Change, kind: str
) -> None:
    assert row_for_change(group, change) is ROW_BY_KIND[kind]


@pytest.mark.parametrize("kind", sorted(ROW_BY_KIND))
def test_every_kind_that_breaks_both_ways_names_a_compatibility_first_fix(kind: str) -> None:
    row = ROW_BY_KIND[kind]
    assert row.fix
    assert row.safe_default


def test_the_docs_show_the_current_matrix() -> None:
    from pathlib import Path

    from unlockstep.core.plans._risk import matrix_markdown

    page = (Path(__file__).resolve().parents[2] / "docs" / "plans.md").read_text()
    embedded = page.split("-->\n", 1)[1].split("\n<!-- risk-matrix:end -->", 1)[0]
    assert "risk-matrix:start" in page
    assert embedded == matrix_markdown(), "regenerate the table in docs/plans.md"
