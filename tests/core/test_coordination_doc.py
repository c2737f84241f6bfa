from __future__ import annotations

import json
import re
from datetime import date

import pytest
from hypothesis import given, settings

from unlockstep.core.plans._check import analyse, load_engines
from unlockstep.core.plans._coordination_doc import render_json, render_markdown
from unlockstep.core.plans._file import parse
from unlockstep.core.plans._plan import Plan

from .plan_fixtures import example, read
from .test_planner import plans

TODAY = date(2026, 7, 20)
load_engines()
EXAMPLES = ["risk-explanation", "escalation-basis", "escalation-basis-lockstep"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_same_plan_gives_the_same_document_byte_for_byte(name: str) -> None:
    one = render_markdown(analyse(parse(*example(name)), today=TODAY, read=read))
    two = render_markdown(analyse(parse(*example(name)), today=TODAY, read=read))
    assert one.encode() == two.encode()
    assert render_json(analyse(parse(*example(name)), today=TODAY, read=read)) == render_json(
        analyse(parse(*example(name)), today=TODAY, read=read)
    )


def test_the_document_has_the_seeds_sections_in_order() -> None:
    doc = render_markdown(analyse(parse(*example("risk-explanation")), today=TODAY, read=read))
    headings = [line for line in doc.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Goal",
        "## Services Involved",
        "## Contracts Changed",
        "## Risk",
        "## Rollout Strategy",
        "## Compatibility Window",
        "## Flags",
        "## Observability",
        "## Rollback / Roll-forward",
        "## Cleanup",
        "## Checklist",
    ]
    assert doc.startswith("# Release Coordination: Risk Explanation in Case Escalation\n")
    assert "2026-07-05 to 2026-08-05 (open, 16 day(s) left)" in doc


def test_the_document_draws_the_step_graph_in_mermaid_by_stage() -> None:
    doc = render_markdown(analyse(parse(*example("risk-explanation")), today=TODAY, read=read))
    block = doc.split("```mermaid\n", 1)[1].split("```", 1)[0].splitlines()
    assert block[0] == "flowchart TD"
    assert block[1] == '  subgraph L1["stage 1"]'
    assert block[2] == (
        '    s0["case-service: add optional riskExplanation to GET /cases/{id}/summary"]'
    )
    assert "  s0 --> s1" in block


def test_a_lockstep_plan_documents_the_cycles_marked_in_the_diagram() -> None:
    doc = render_markdown(analyse(parse(*example("escalation-basis-lockstep")), today=TODAY))
    assert "## Lockstep" in doc
    assert "### Lockstep 3: case-service → decision-service → case-service" in doc
    assert "  s6 -.->|lockstep| s7" in doc
    assert "### Cannot be ordered (lockstep)" in doc


def test_the_json_twin_carries_steps_order_lockstep_and_checklist() -> None:
    data = json.loads(
        render_json(analyse(parse(*example("escalation-basis-lockstep")), today=TODAY))
    )
    assert data["ok"] is False
    assert data["risk"]["level"] == "high"
    assert len(data["lockstep"]) == 3
    assert data["lockstep"][2]["cycle"] == [
        "escalate-case.case-service",
        "escalate-case.decision-service",
    ]
    assert len(data["checklist"]) == 16
    assert data["order"]["levels"] == []


@settings(max_examples=40, deadline=None)
@given(plans(allow_in_place=True))
def test_any_plan_renders_the_same_bytes_twice_with_every_diagram_edge_declared(
    plan: Plan,
) -> None:
    first = render_markdown(analyse(plan, today=TODAY))
    assert first == render_markdown(analyse(plan, today=TODAY))
    block = first.split("```mermaid\n", 1)[1].split("```", 1)[0]
    declared = set(re.findall(r"^\s+(s\d+)\[", block, flags=re.M))
    for before, after in re.findall(r"^\s+(s\d+) \S+ (s\d+)$", block, flags=re.M):
        assert before in declared and after in declared
