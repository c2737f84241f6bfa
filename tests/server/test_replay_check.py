"""The replay check: a consumer version must read every event schema version still inside the
topic's retention — the old events a new version meets when it deploys or rewinds — as the
registry knows they were published in the environment, and since when."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.server.test_expectations_demo import content
from unlockstep.core.contracts import parse as parse_expectation
from unlockstep.core.safety import Published, judge_replay, retention_of

SQLITE_ONLY = pytest.mark.parametrize("store", ["sqlite"], indirect=True)

#: A new notification-service version that needs the escalation basis, which only
#: case-service 1.5.0's schema has: it cannot read the events 1.4.0 left in the topic.
NEEDS_BASIS = {
    "expectation": 1,
    "kind": "event",
    "reader": "tolerant",
    "events": [
        {"type": "CaseEscalated", "versions": [1], "fields": ["eventId", "payload.escalationBasis"]}
    ],
}


def check(api: TestClient, **params: Any) -> Any:
    response = api.get("/api/v1/replay-check", params=params)
    assert response.status_code == 200, response.text
    return response.json()


@SQLITE_ONLY
def test_a_tolerant_reader_of_both_versions_reads_every_retained_event(
    estate: TestClient,
) -> None:
    found = check(estate, consumer="notification-service", version="3.0.2", retention="7d")
    assert found["ok"] is True
    [events] = found["contracts"]
    assert (events["provider"], events["contract"], events["status"]) == (
        "case-service",
        "case-events",
        "readable",
    )
    [schema] = events["versions"]
    assert schema["providerVersions"] == ["1.4.0"] and schema["until"] is None


@SQLITE_ONLY
def test_a_version_that_needs_a_new_field_cannot_deploy_while_old_events_are_retained(
    estate: TestClient,
) -> None:
    ok = estate.put(
        "/api/v1/services/case-service/contracts/case-events/versions/1.5.0",
        json={"content": content("case-events.v2-proposed.yaml")},
    )
    assert ok.status_code in (200, 201), ok.text
    body = {"version": "1.5.0", "service": "case-service", "environment": "production"}
    assert estate.post("/api/v1/deployments", json=body).status_code == 201
    published = estate.post(
        "/api/v1/expectations",
        json={"consumer": "notification-service", "version": "3.1.0",
              "provider": "case-service", "contract": "case-events", "document": NEEDS_BASIS},
    )  # fmt: skip
    assert published.status_code in (200, 201), published.text
    found = check(estate, consumer="notification-service", version="3.1.0", retention="7d")
    assert found["ok"] is False
    [events] = found["contracts"]
    by_version = {tuple(v["providerVersions"]): v for v in events["versions"]}
    assert by_version[("1.4.0",)]["status"] == "unreadable"
    assert by_version[("1.4.0",)]["until"] is not None  # replaced by 1.5.0, still retained
    assert by_version[("1.5.0",)]["status"] == "readable"
    # the consumer version that reads both still can
    assert check(estate, consumer="notification-service", version="3.0.2", retention="7d")["ok"]


@SQLITE_ONLY
def test_without_a_retention_the_answer_is_unknown_not_ok(estate: TestClient) -> None:
    found = check(estate, consumer="notification-service", version="3.0.2")
    assert found["ok"] is False
    assert found["contracts"][0]["status"] == "unknown"
    assert "retention" in found["contracts"][0]["note"]


def test_the_retention_declared_in_a_kafka_binding_is_used() -> None:
    document = {
        "asyncapi": "3.0.0",
        "channels": {
            "c": {"bindings": {"kafka": {"topicConfiguration": {"retention.ms": 604800000}}}}
        },
    }
    assert retention_of(document) == 7 * 86400
    assert retention_of({"asyncapi": "3.0.0"}) is None


def test_schemas_published_by_several_versions_are_judged_once_since_the_earliest() -> None:
    expectation = parse_expectation(NEEDS_BASIS)
    now = datetime.now(UTC)
    doc: dict[str, Any] = {"asyncapi": "3.0.0", "channels": {}}
    replay = judge_replay(
        expectation,
        "case-events",
        "case-service",
        [
            Published("1.4.0", doc, now - timedelta(days=3), now - timedelta(days=1)),
            Published("1.4.1", doc, now - timedelta(days=1), None),
        ],
        86400 * 7,
        now - timedelta(days=7),
    )
    [schema] = replay.versions
    assert schema.provider_versions == ("1.4.0", "1.4.1")
    assert schema.since == now - timedelta(days=3) and schema.until is None


def _avro(*extra: dict[str, Any]) -> str:
    fields = [{"name": "caseId", "type": "string"}, *extra]
    return json.dumps({"type": "record", "name": "CaseEscalated", "namespace": "cases",
                       "fields": fields})  # fmt: skip


def _reader_expectation(api: TestClient, version: str, reader: str, **extra: str) -> None:
    document = {"expectation": 1, "kind": "event", "events": [{"type": "CaseEscalated"}],
                "readerSchema": reader, **extra}  # fmt: skip
    published = api.post(
        "/api/v1/expectations",
        json={"consumer": "notification-service", "version": version,
              "provider": "case-service", "contract": "case-escalated", "document": document},
    )  # fmt: skip
    assert published.status_code in (200, 201), published.text


def _publish(api: TestClient, version: str, content: str) -> None:
    for name in ("case-service", "notification-service"):
        assert api.put(f"/api/v1/services/{name}", json={}).status_code == 200
    assert api.put("/api/v1/environments/production", json={}).status_code < 300
    put = api.put(
        f"/api/v1/services/case-service/contracts/case-escalated/versions/{version}",
        json={"content": content},
    )
    assert put.status_code in (200, 201), put.text


def test_an_avro_consumer_is_resolved_against_every_retained_writer_schema(
    api: TestClient,
) -> None:
    _publish(api, "1.0.0", _avro())
    _publish(api, "1.1.0", _avro({"name": "basis", "type": "string", "default": ""}))
    needs_basis = _avro({"name": "basis", "type": "string"})
    _reader_expectation(api, "4.0.0", needs_basis)
    found = check(api, consumer="notification-service", version="4.0.0", retention="7d")
    assert found["ok"] is False
    [events] = found["contracts"]
    by_version = {tuple(v["providerVersions"]): v for v in events["versions"]}
    assert by_version[("1.0.0",)]["status"] == "unreadable"
    assert by_version[("1.0.0",)]["problems"][0]["rule"] == "field-added-without-default"
    assert by_version[("1.1.0",)]["status"] == "readable"
    tolerant = _avro({"name": "basis", "type": "string", "default": "unknown"})
    _reader_expectation(api, "4.0.1", tolerant)
    assert check(api, consumer="notification-service", version="4.0.1", retention="7d")["ok"]


def test_a_protobuf_consumer_is_checked_for_wire_compatibility(api: TestClient) -> None:
    writer = 'syntax = "proto3";\npackage cases.v1;\nmessage Escalated { string case_id = 1; }\n'
    _publish(api, "1.0.0", writer)
    reads_bytes_as_int = writer.replace("string case_id", "int64 case_id")
    _reader_expectation(api, "5.0.0", reads_bytes_as_int)
    found = check(api, consumer="notification-service", version="5.0.0", retention="7d")
    assert found["ok"] is False
    [schema] = found["contracts"][0]["versions"]
    assert schema["problems"][0]["rule"] == "FIELD_WIRE_COMPATIBLE_TYPE"
    _reader_expectation(api, "5.0.1", writer, readerMessage="cases.v1.Escalated")
    assert check(api, consumer="notification-service", version="5.0.1", retention="7d")["ok"]
