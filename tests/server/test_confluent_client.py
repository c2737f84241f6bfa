"""Confluent's own Python client and serializers (PyPI ``confluent-kafka``) against a live
unlockstep: register, fetch by id, serialize and deserialize bytes, compatibility levels,
409 on an incompatible schema, references. On SQLite, and PostgreSQL when configured."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.server.schema_registry_server import live_server
from unlockstep.settings import Settings
from unlockstep.store import Store

sr = pytest.importorskip("confluent_kafka.schema_registry")
from confluent_kafka.schema_registry import (  # noqa: E402
    Schema,
    SchemaReference,
    SchemaRegistryClient,
    SchemaRegistryError,
)
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer  # noqa: E402
from confluent_kafka.serialization import MessageField, SerializationContext  # noqa: E402
from fastavro import parse_schema  # noqa: E402

ORDER_V1 = """{"type": "record", "name": "Order", "namespace": "com.acme",
 "fields": [{"name": "id", "type": "string"}, {"name": "total", "type": "long"}]}"""
ORDER_V2 = """{"type": "record", "name": "Order", "namespace": "com.acme",
 "fields": [{"name": "id", "type": "string"}, {"name": "total", "type": "long"},
            {"name": "note", "type": "string", "default": ""}]}"""
ORDER_BAD = """{"type": "record", "name": "Order", "namespace": "com.acme",
 "fields": [{"name": "id", "type": "string"}, {"name": "total", "type": "long"},
            {"name": "currency", "type": "string"}]}"""


@pytest.fixture
def url(store: Store, settings: Settings) -> Iterator[str]:
    with live_server(store, settings) as base:
        yield base


@pytest.fixture
def client(url: str) -> SchemaRegistryClient:
    return SchemaRegistryClient({"url": url})


def _ctx(topic: str = "orders") -> SerializationContext:
    return SerializationContext(topic, MessageField.VALUE)


def test_avro_serializer_registers_and_the_deserializer_reads_back_by_id(
    client: SchemaRegistryClient,
) -> None:
    serializer = AvroSerializer(client, ORDER_V1)
    data = serializer({"id": "o-1", "total": 42}, _ctx())
    assert data is not None and data[0] == 0  # magic byte, then the schema id
    schema_id = int.from_bytes(data[1:5], "big")
    fresh = SchemaRegistryClient({"url": client._rest_client.base_urls[0]})
    back: Any = AvroDeserializer(fresh)(data, _ctx())
    assert back == {"id": "o-1", "total": 42}
    assert fresh.get_schema(schema_id).schema_type == "AVRO"
    latest = fresh.get_latest_version("orders-value")
    assert (latest.version, latest.schema_id) == (1, schema_id)
    assert fresh.get_subjects() == ["orders-value"]


def test_the_same_schema_gets_the_same_global_id_under_every_subject(
    client: SchemaRegistryClient,
) -> None:
    first = client.register_schema("orders-value", Schema(ORDER_V1, "AVRO"))
    again = client.register_schema("orders-value", Schema(ORDER_V1, "AVRO"))
    other = client.register_schema("archive-value", Schema(ORDER_V1, "AVRO"))
    assert first == again == other
    assert client.get_versions("orders-value") == [1]
    assert sorted(client.get_subjects_by_schema_id(first)) == ["archive-value", "orders-value"]


def test_an_incompatible_schema_is_refused_with_409_and_a_compatible_one_is_a_new_version(
    client: SchemaRegistryClient,
) -> None:
    client.register_schema("orders-value", Schema(ORDER_V1, "AVRO"))
    assert client.test_compatibility("orders-value", Schema(ORDER_V2, "AVRO")) is True
    assert client.test_compatibility("orders-value", Schema(ORDER_BAD, "AVRO")) is False
    with pytest.raises(SchemaRegistryError) as refused:
        client.register_schema("orders-value", Schema(ORDER_BAD, "AVRO"))
    assert refused.value.http_status_code == 409
    assert refused.value.error_code == 409
    assert "currency" in refused.value.error_message
    client.register_schema("orders-value", Schema(ORDER_V2, "AVRO"))
    assert client.get_versions("orders-value") == [1, 2]


def test_setting_compatibility_none_lets_a_breaking_schema_in(
    client: SchemaRegistryClient,
) -> None:
    client.register_schema("orders-value", Schema(ORDER_V1, "AVRO"))
    assert client.get_compatibility() == "BACKWARD"
    assert client.set_compatibility("orders-value", "NONE") == {"compatibility": "NONE"}
    assert client.get_compatibility("orders-value") == "NONE"
    client.register_schema("orders-value", Schema(ORDER_BAD, "AVRO"))
    assert client.get_versions("orders-value") == [1, 2]


def test_not_found_answers_carry_the_protocol_error_codes(client: SchemaRegistryClient) -> None:
    with pytest.raises(SchemaRegistryError) as subject:
        client.get_latest_version("nobody-value")
    assert (subject.value.http_status_code, subject.value.error_code) == (404, 40401)
    client.register_schema("orders-value", Schema(ORDER_V1, "AVRO"))
    with pytest.raises(SchemaRegistryError) as version:
        client.get_version("orders-value", 7)
    assert version.value.error_code == 40402
    with pytest.raises(SchemaRegistryError) as schema:
        client.get_schema(999)
    assert schema.value.error_code == 40403


def test_avro_references_resolve_named_types_from_another_subject(
    client: SchemaRegistryClient,
) -> None:
    address = """{"type": "record", "name": "Address", "namespace": "com.acme",
      "fields": [{"name": "city", "type": "string"}]}"""
    customer = """{"type": "record", "name": "Customer", "namespace": "com.acme",
      "fields": [{"name": "name", "type": "string"},
                 {"name": "home", "type": "com.acme.Address"}]}"""
    client.register_schema("com.acme.Address", Schema(address, "AVRO"))
    ref = SchemaReference("com.acme.Address", "com.acme.Address", 1)
    schema_id = client.register_schema("customers-value", Schema(customer, "AVRO", [ref]))
    fetched = client.get_schema(schema_id)
    assert [r.name for r in fetched.references] == ["com.acme.Address"]
    assert client.get_referenced_by("com.acme.Address", 1) == [schema_id]
    serializer = AvroSerializer(client, customer_schema := Schema(customer, "AVRO", [ref]))
    data = serializer({"name": "Ada", "home": {"city": "Paris"}}, _ctx("customers"))
    back: Any = AvroDeserializer(client)(data, _ctx("customers"))
    assert back == {"name": "Ada", "home": {"city": "Paris"}}
    assert customer_schema.references


PERSON = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Person",
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name"],
}


def test_json_serializer_registers_a_json_schema_and_the_deserializer_reads_it_back(
    client: SchemaRegistryClient,
) -> None:
    import json

    from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer

    serializer = JSONSerializer(json.dumps(PERSON), client)
    data = serializer({"name": "Ada", "age": 36}, _ctx("people"))
    assert data is not None
    schema_id = int.from_bytes(data[1:5], "big")
    assert client.get_schema(schema_id).schema_type == "JSON"
    back: Any = JSONDeserializer(None, schema_registry_client=client)(data, _ctx("people"))
    assert back == {"name": "Ada", "age": 36}
    assert client.get_latest_version("people-value").schema.schema_type == "JSON"


def test_json_schema_references_resolve_a_ref_to_another_subject(
    client: SchemaRegistryClient,
) -> None:
    import json

    address = {"type": "object", "properties": {"city": {"type": "string"}}}
    client.register_schema("address.json", Schema(json.dumps(address), "JSON"))
    person = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "home": {"$ref": "address.json"}},
    }
    ref = SchemaReference("address.json", "address.json", 1)
    schema_id = client.register_schema("people-value", Schema(json.dumps(person), "JSON", [ref]))
    assert client.get_referenced_by("address.json", 1) == [schema_id]
    with pytest.raises(SchemaRegistryError) as refused:
        client.delete_version("address.json", 1)
    assert refused.value.error_code == 42206


def _proto_classes() -> tuple[Any, Any]:
    """Two generated-style message classes: ``acme.Customer`` in one file importing
    ``acme.Address`` from another (what protoc would make, built without protoc)."""
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    pool = descriptor_pool.DescriptorPool()
    address = descriptor_pb2.FileDescriptorProto(
        name="acme/address.proto", package="acme", syntax="proto3"
    )
    msg = address.message_type.add(name="Address")
    msg.field.add(name="city", number=1, type=9, label=1)
    pool.Add(address)
    customer = descriptor_pb2.FileDescriptorProto(
        name="acme/customer.proto", package="acme", syntax="proto3",
        dependency=["acme/address.proto"],
    )  # fmt: skip
    msg = customer.message_type.add(name="Customer")
    msg.field.add(name="name", number=1, type=9, label=1)
    msg.field.add(name="home", number=2, type=11, label=1, type_name=".acme.Address")
    msg.field.add(name="tags", number=3, type=9, label=3)
    pool.Add(customer)
    cls = message_factory.GetMessageClass(pool.FindMessageTypeByName("acme.Customer"))
    addr = message_factory.GetMessageClass(pool.FindMessageTypeByName("acme.Address"))
    return cls, addr


def test_protobuf_serializer_registers_the_file_and_its_import_as_references(
    client: SchemaRegistryClient,
) -> None:
    from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer

    customer_cls, address_cls = _proto_classes()
    serializer = ProtobufSerializer(customer_cls, client, {"use.deprecated.format": False})
    message = customer_cls(name="Ada", home=address_cls(city="Paris"), tags=["a", "b"])
    data = serializer(message, _ctx("customers"))
    assert data is not None
    back = ProtobufDeserializer(customer_cls, {"use.deprecated.format": False})(
        data, _ctx("customers")
    )
    assert back == message
    latest = client.get_latest_version("customers-value")
    assert latest.schema.schema_type == "PROTOBUF"
    assert [(r.name, r.subject, r.version) for r in latest.schema.references] == [
        ("acme/address.proto", "acme/address.proto", 1)
    ]
    assert "message Customer" in latest.schema.schema_str
    assert client.get_referenced_by("acme/address.proto", 1) == [latest.schema_id]
    again = client.lookup_schema("customers-value", latest.schema)
    assert again.version == 1


def test_a_hard_deleted_schema_id_is_40403_for_a_client_that_never_read_it(
    client: SchemaRegistryClient, url: str
) -> None:
    schema_id = client.register_schema("orders-value", Schema(ORDER_V1, "AVRO"))
    assert client.get_schema(schema_id).schema_type == "AVRO"  # the server caches it too
    client.delete_subject("orders-value")
    assert SchemaRegistryClient({"url": url}).get_schema(schema_id).schema_type == "AVRO"
    assert client.delete_subject("orders-value", permanent=True) == [1]
    with pytest.raises(SchemaRegistryError) as gone:
        SchemaRegistryClient({"url": url}).get_schema(schema_id)
    assert (gone.value.http_status_code, gone.value.error_code) == (404, 40403)


def test_a_subjects_import_mode_is_set_before_the_subject_exists(
    client: SchemaRegistryClient,
) -> None:
    assert client.update_mode("orders-value", "IMPORT") == "IMPORT"
    assert client.get_mode("orders-value") == "IMPORT"
    assert client.get_global_mode() == "READWRITE"
    assert client.get_subjects() == []


def test_a_schema_fetched_resolved_has_its_avro_references_inlined(
    client: SchemaRegistryClient,
) -> None:
    address = """{"type": "record", "name": "Address", "namespace": "com.acme",
      "fields": [{"name": "city", "type": "string"}]}"""
    customer = """{"type": "record", "name": "Customer", "namespace": "com.acme",
      "fields": [{"name": "home", "type": "com.acme.Address"}]}"""
    client.register_schema("com.acme.Address", Schema(address, "AVRO"))
    ref = SchemaReference("com.acme.Address", "com.acme.Address", 1)
    schema_id = client.register_schema("customers-value", Schema(customer, "AVRO", [ref]))
    whole = client.get_schema(schema_id, fmt="resolved")
    assert whole.references == [] and '"city"' in whole.schema_str
    parse_schema(json.loads(whole.schema_str))  # fastavro reads it with no registry
