"""Publishing Avro and Protobuf contracts, and the event-envelope rule on publish."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from unlockstep.server.app import create_app
from unlockstep.settings import Settings
from unlockstep.store import Store

BASE = "/api/v1/services/case-service/contracts"


def avsc(event_type: str, *fields: dict[str, Any]) -> str:
    return json.dumps(
        {
            "type": "record",
            "name": "CaseEscalated",
            "namespace": "cases",
            "eventType": event_type,
            "eventVersion": "1",
            "fields": [{"name": "caseId", "type": "string"}, *fields],
        }
    )


@pytest.fixture
def api(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'test.db'}")
    store = Store(settings.database_url)
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
        assert client.put("/api/v1/services/case-service", json={}).status_code == 200
        yield client


def publish(api: TestClient, name: str, version: str, content: str, **extra: Any) -> Any:
    return api.put(f"{BASE}/{name}/versions/{version}", json={"content": content, **extra})


def test_an_avro_contract_is_detected_and_a_breaking_version_refused(api: TestClient) -> None:
    first = publish(api, "case-escalated", "1", avsc("CaseEscalated"))
    assert first.status_code == 200, first.text
    assert first.json()["contract"]["kind"] == "avro"
    breaking = publish(
        api, "case-escalated", "2", avsc("CaseEscalated", {"name": "why", "type": "string"})
    )
    assert breaking.status_code == 409
    rules = [c["rule"] for c in breaking.json()["error"]["details"]["changes"]]
    assert "field-added-without-default" in rules


def test_a_protobuf_contract_is_detected_and_checked_at_wire_json(api: TestClient) -> None:
    v1 = 'syntax = "proto3";\npackage cases.v1;\nmessage Escalated { string case_id = 1; }\n'
    v2 = 'syntax = "proto3";\npackage cases.v1;\nmessage Escalated { string id = 1; }\n'
    assert publish(api, "escalated-proto", "1", v1).json()["contract"]["kind"] == "protobuf"
    refused = publish(api, "escalated-proto", "2", v2)
    assert refused.status_code == 409
    rules = {
        c["rule"] for c in refused.json()["error"]["details"]["changes"] if c["level"] == "breaking"
    }
    assert rules == {"FIELD_SAME_NAME", "FIELD_SAME_JSON_NAME"}


def test_a_semantic_change_under_the_same_event_type_is_refused(api: TestClient) -> None:
    publish(api, "case-escalated", "1", avsc("CaseEscalated"))
    same_shape = avsc(
        "CaseEscalated", {"name": "basis", "type": ["null", "string"], "default": None}
    )
    refused = publish(api, "case-escalated", "2", same_shape, semantic_change=True)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert "semantic change" in error["message"]
    assert [c["rule"] for c in error["details"]["changes"] if c["level"] == "breaking"] == [
        "semantic-change-requires-new-event-type"
    ]


def test_a_semantic_change_with_an_adr_or_a_new_event_type_is_published(api: TestClient) -> None:
    publish(api, "case-escalated", "1", avsc("CaseEscalated"))
    with_adr = publish(
        api,
        "case-escalated",
        "2",
        avsc("CaseEscalated"),
        semantic_change=True,
        adr="docs/adr/0042-escalation-basis.md",
    )
    assert with_adr.status_code == 200, with_adr.text
    renamed = publish(
        api, "case-escalated", "3", avsc("CaseEscalatedForReview"), semantic_change=True
    )
    assert renamed.status_code == 200, renamed.text


def test_without_the_declaration_the_envelope_is_not_judged(api: TestClient) -> None:
    publish(api, "case-escalated", "1", avsc("CaseEscalated"))
    assert publish(api, "case-escalated", "2", avsc("CaseEscalated")).status_code == 200


DEMO_EVENTS = Path(__file__).resolve().parents[2] / "examples/estate/contracts/case-events.v1.yaml"


def test_the_demo_asyncapi_events_type_is_named_in_a_refused_semantic_change(
    api: TestClient,
) -> None:
    """Issue 20: the refusal said "(no eventType)" for the demo's own AsyncAPI message, whose
    payload declares ``eventType`` as a ``const``."""
    text = DEMO_EVENTS.read_text()
    assert publish(api, "case-events", "1", text).status_code == 200
    refused = publish(api, "case-events", "2", text, semantic_change=True)
    assert refused.status_code == 409
    (change,) = refused.json()["error"]["details"]["changes"]
    assert "'CaseEscalated'" in change["message"]
    assert "no eventType" not in change["message"]
    assert change["details"]["eventVersion"] == "1"
