"""Replay for Avro and Protobuf events: the consumer's reader schema against each retained
writer schema. Every Avro verdict is checked against the real thing: fastavro writes a record
with the writer schema and reads it back with the reader schema (schema resolution)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import fastavro
import pytest

from unlockstep.core.contracts import parse as parse_expectation
from unlockstep.core.safety import Published, judge_replay

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def record(*fields: dict[str, Any]) -> dict[str, Any]:
    return {"type": "record", "name": "CaseEscalated", "namespace": "cases", "fields": list(fields)}


CASE_ID = {"name": "caseId", "type": "string"}
LEVEL_INT = {"name": "level", "type": "int"}

#: (name, writer schema, reader schema, a record the writer wrote, readable?)
AVRO_CASES = [
    ("same schema", record(CASE_ID), record(CASE_ID), {"caseId": "c1"}, True),
    (
        "int promoted to long",
        record(LEVEL_INT),
        record({"name": "level", "type": "long"}),
        {"level": 3},
        True,
    ),
    (
        "new reader field with a default",
        record(CASE_ID),
        record(CASE_ID, {"name": "basis", "type": "string", "default": "manual"}),
        {"caseId": "c1"},
        True,
    ),
    (
        "new reader field without a default",
        record(CASE_ID),
        record(CASE_ID, {"name": "basis", "type": "string"}),
        {"caseId": "c1"},
        False,
    ),
    (
        "long read as int",
        record({"name": "level", "type": "long"}),
        record(LEVEL_INT),
        {"level": 3},
        False,
    ),
    (
        "writer field the reader dropped",
        record(CASE_ID, LEVEL_INT),
        record(CASE_ID),
        {"caseId": "c1", "level": 2},
        True,
    ),
    (
        "enum symbol the reader lacks",
        record({"name": "s", "type": {"type": "enum", "name": "S", "symbols": ["A", "B"]}}),
        record({"name": "s", "type": {"type": "enum", "name": "S", "symbols": ["A"]}}),
        {"s": "B"},
        False,
    ),
    (
        "renamed field with an alias",
        record(CASE_ID),
        record({"name": "id", "type": "string", "aliases": ["caseId"]}),
        {"caseId": "c1"},
        True,
    ),
]


def expectation(reader: Any, message: str | None = None) -> Any:
    body: dict[str, Any] = {
        "expectation": 1,
        "kind": "event",
        "events": [{"type": "CaseEscalated"}],
        "readerSchema": reader,
    }
    if message:
        body["readerMessage"] = message
    return parse_expectation(body)


def replay(expected: Any, kind: str, *documents: Any) -> Any:
    published = [
        Published(f"1.{i}.0", doc, NOW - timedelta(days=5 - i), None, kind)
        for i, doc in enumerate(documents)
    ]
    return judge_replay(expected, "case-events", "case-service", published, 7 * 86400, NOW)


def fastavro_reads(writer: Any, reader: Any, datum: Any) -> bool:
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, fastavro.parse_schema(writer), datum)
    buffer.seek(0)
    try:
        fastavro.schemaless_reader(
            buffer, fastavro.parse_schema(writer), fastavro.parse_schema(reader)
        )
    except Exception:  # fastavro raises SchemaResolutionError and others
        return False
    return True


@pytest.mark.parametrize(
    ("writer", "reader", "datum", "readable"),
    [case[1:] for case in AVRO_CASES],
    ids=[case[0] for case in AVRO_CASES],
)
def test_an_avro_verdict_agrees_with_decoding_a_written_record(
    writer: Any, reader: Any, datum: Any, readable: bool
) -> None:
    assert fastavro_reads(writer, reader, datum) is readable  # the fixture itself is right
    [schema] = replay(expectation(json.dumps(reader)), "avro", writer).versions
    assert schema.status == ("readable" if readable else "unreadable"), schema.problems


def test_every_retained_avro_version_is_resolved_and_the_unreadable_one_named() -> None:
    v1 = record(CASE_ID)
    v2 = record(CASE_ID, {"name": "basis", "type": "string", "default": ""})
    reader = record(CASE_ID, {"name": "basis", "type": "string"})  # needs what v1 lacks
    found = replay(expectation(reader), "avro", v1, v2)  # inline YAML reader schema
    assert found.status == "unreadable"
    by_version = {v.provider_versions: v for v in found.versions}
    assert by_version[("1.0.0",)].status == "unreadable"
    [problem] = by_version[("1.0.0",)].problems
    assert problem["rule"] == "field-added-without-default" and "basis" in problem["element"]
    assert by_version[("1.1.0",)].status == "readable"


def test_without_a_reader_schema_avro_events_are_unknown_and_say_what_to_publish() -> None:
    plain = parse_expectation(
        {"expectation": 1, "kind": "event", "events": [{"type": "CaseEscalated"}]}
    )
    found = replay(plain, "avro", record(CASE_ID))
    assert found.status == "unknown"
    assert "readerSchema" in found.versions[0].problems[0]["reason"]


def test_a_reader_schema_that_does_not_parse_is_unknown_with_the_parse_error() -> None:
    found = replay(expectation('{"type": "record"}'), "avro", record(CASE_ID))
    assert found.status == "unknown"
    assert found.versions[0].problems[0]["reason"]


PROTO_V1 = """syntax = "proto3";
package cases.v1;
message CaseEscalated { string case_id = 1; int32 level = 2; Basis basis = 3; }
message Basis { string kind = 1; }
message Unrelated { string x = 1; }
"""


def proto(body: str) -> str:
    return f'syntax = "proto3";\npackage cases.v1;\n{body}\n'


#: (name, reader .proto, readable?) against the writer PROTO_V1
PROTO_CASES = [
    ("same schema", PROTO_V1, True),
    ("int32 read as int64 (same varint)", PROTO_V1.replace("int32 level", "int64 level"), True),
    (
        "a field dropped by the reader",
        proto("message CaseEscalated { string case_id = 1; }"),
        True,
    ),
    (
        "a new reader field",
        PROTO_V1.replace("Basis basis = 3;", "Basis basis = 3; bool x = 9;"),
        True,
    ),
    ("an int read as a string", PROTO_V1.replace("int32 level", "string level"), False),
    (
        "a nested message's field changes wire type",
        PROTO_V1.replace("string kind = 1", "double kind = 1"),
        False,
    ),
    (
        "a message the reader does not reach changes",
        PROTO_V1.replace("message Unrelated { string x", "message Unrelated { double x"),
        True,
    ),
    (
        "a scalar becomes repeated",
        PROTO_V1.replace("string case_id", "repeated int64 case_id"),
        False,
    ),
]


@pytest.mark.parametrize(
    ("reader", "readable"), [c[1:] for c in PROTO_CASES], ids=[c[0] for c in PROTO_CASES]
)
def test_a_protobuf_reader_is_judged_by_wire_compatibility_of_the_message_it_reads(
    reader: str, readable: bool
) -> None:
    [schema] = replay(expectation(reader, "CaseEscalated"), "protobuf", PROTO_V1).versions
    assert schema.status == ("readable" if readable else "unreadable"), schema.problems


def test_a_protobuf_reader_must_name_its_message_when_it_has_several() -> None:
    [schema] = replay(expectation(PROTO_V1), "protobuf", PROTO_V1).versions
    assert schema.status == "unknown"
    assert "readerMessage" in schema.problems[0]["reason"]


def test_a_message_the_writer_does_not_have_is_unknown_not_readable() -> None:
    reader = proto("message Renamed { string case_id = 1; }")
    [schema] = replay(expectation(reader), "protobuf", PROTO_V1).versions
    assert schema.status == "unknown"
    assert "cases.v1.Renamed" in schema.problems[0]["reason"]


def test_a_reader_schema_belongs_to_event_expectations_only() -> None:
    from unlockstep.errors import InvalidInput

    with pytest.raises(InvalidInput, match="readerSchema"):
        parse_expectation(
            {
                "expectation": 1,
                "kind": "http",
                "readerSchema": "x",
                "operations": [{"method": "GET", "path": "/x"}],
            }
        )
