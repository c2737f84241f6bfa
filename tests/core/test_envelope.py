"""A change of meaning needs a new event type or an ADR."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from unlockstep.core.compat._model import Level
from unlockstep.core.envelope import RULE, Envelope, semantic_change

V1 = Envelope("CaseEscalated", "1")


def test_an_undeclared_change_is_not_judged_here() -> None:
    assert semantic_change(V1, Envelope("CaseEscalated", "2"), declared=False) == []


def test_a_semantic_change_under_the_same_event_type_is_breaking() -> None:
    (change,) = semantic_change(V1, Envelope("CaseEscalated", "2"), declared=True)
    assert change.rule == RULE
    assert change.level is Level.BREAKING
    assert "CaseEscalated.v2" in change.suggestion


def test_a_semantic_change_with_a_new_event_type_is_accepted() -> None:
    assert semantic_change(V1, Envelope("CaseEscalatedForReview", "1"), declared=True) == []


@pytest.mark.parametrize(
    "adr", ["https://example.org/adr/0042", "docs/adr/0042-escalation-basis.md", "ADR-42"]
)
def test_a_semantic_change_with_an_adr_link_is_recorded_as_information(adr: str) -> None:
    (change,) = semantic_change(V1, V1, declared=True, adr=adr)
    assert change.level is Level.INFO
    assert change.details["adr"] == adr


def test_an_adr_that_is_not_a_link_does_not_count() -> None:
    (change,) = semantic_change(V1, V1, declared=True, adr="we talked about it")
    assert change.level is Level.BREAKING
    assert "not a link" in change.message


def test_a_missing_event_type_needs_one() -> None:
    (change,) = semantic_change(Envelope(), Envelope(), declared=True)
    assert change.level is Level.BREAKING


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"eventType": "A", "eventVersion": 2}, Envelope("A", "2")),
        ({"x-event": {"eventType": "B"}}, Envelope("B", None)),
        ({"metadata": {"eventType": "C", "eventVersion": "1"}}, Envelope("C", "1")),
        ({"type": "object"}, Envelope()),
        ("not a mapping", Envelope()),
    ],
)
def test_envelope_is_read_from_the_document(document: object, expected: Envelope) -> None:
    assert Envelope.from_document(document) == expected


_PINNED = {"type": "object", "properties": {"eventType": {"type": "string", "const": "A"}}}


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (_PINNED, Envelope("A", None)),
        (
            {"properties": {"eventType": {"enum": ["A"]}, "eventVersion": {"const": 1}}},
            Envelope("A", "1"),
        ),
        ({"properties": {"eventType": {"type": "string", "default": "A"}}}, Envelope("A", None)),
        ({"properties": {"eventType": {"enum": ["A", "B"]}}}, Envelope()),
        (
            {"$ref": "#/$defs/E", "$defs": {"E": {"properties": {"eventType": {"const": "A"}}}}},
            Envelope("A", None),
        ),
    ],
)
def test_an_event_type_a_schema_pins_is_the_envelope(document: object, expected: Envelope) -> None:
    assert Envelope.from_document(document) == expected


def test_the_demo_asyncapi_message_names_its_event_type_by_const() -> None:
    """Issue 20: ``publish --semantic-change`` said "(no eventType)" for the demo's own
    AsyncAPI message whose payload declares ``eventType`` as a ``const``."""
    demo = Path(__file__).resolve().parents[2] / "examples/estate/contracts/case-events.v1.yaml"
    envelope = Envelope.from_document(yaml.safe_load(demo.read_text()))
    assert envelope == Envelope("CaseEscalated", "1")
    (change,) = semantic_change(envelope, envelope, declared=True)
    assert "'CaseEscalated'" in change.message
    assert "no eventType" not in change.message


def test_asyncapi_2_messages_with_different_types_are_named_together() -> None:
    message = {"payload": {"properties": {"eventType": {"const": "B"}}}}
    document = {
        "asyncapi": "2.6.0",
        "channels": {
            "a": {"publish": {"message": {"oneOf": [{"$ref": "#/components/messages/A"}]}}},
            "b": {"subscribe": {"message": message}},
        },
        "components": {"messages": {"A": {"payload": _PINNED}}},
    }
    assert Envelope.from_document(document) == Envelope("A, B", None)
