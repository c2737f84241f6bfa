"""Multi-file contracts published the unlockstep way: each file the document imports or
``$ref``s is a published contract version, pinned at publish; the whole is compared, and
``referencedby`` says who depends on a version. The schema-registry API pins its references
the same way."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

BASE = "/api/v1/services/people/contracts"


def publish(api: TestClient, name: str, version: str, content: Any, **extra: Any) -> Any:
    text = content if isinstance(content, str) else json.dumps(content)
    return api.put(f"{BASE}/{name}/versions/{version}", json={"content": text, **extra})


ADDRESS_V1 = {"type": "object", "properties": {"city": {"type": "string"}}}
ADDRESS_V2 = {"type": "object", "properties": {"city": {"type": "integer"}}}
PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "home": {"$ref": "address.json"}},
}


def ref(name: str, contract: str, version: str) -> dict[str, str]:
    return {"name": name, "contract": contract, "version": version}


def test_a_json_schema_ref_to_another_file_needs_that_file_as_a_reference(
    api: TestClient,
) -> None:
    api.put("/api/v1/services/people", json={})
    refused = publish(api, "person", "1.0.0", PERSON, kind="jsonschema")
    assert refused.status_code == 422
    assert "cannot be followed" in refused.json()["error"]["message"]
    assert publish(api, "address", "1.0.0", ADDRESS_V1, kind="jsonschema").status_code == 200
    done = publish(
        api, "person", "1.0.0", PERSON, kind="jsonschema",
        references=[ref("address.json", "address", "1.0.0")],
    )  # fmt: skip
    assert done.status_code == 200, done.text
    by = api.get(f"{BASE}/address/versions/1.0.0/referencedby").json()["items"]
    assert by == [
        {"service": "people", "contract": "person", "version": "1.0.0", "name": "address.json"}
    ]


def test_the_whole_is_compared_a_breaking_change_in_a_referenced_file_is_refused(
    api: TestClient,
) -> None:
    api.put("/api/v1/services/people", json={})
    publish(api, "address", "1.0.0", ADDRESS_V1, kind="jsonschema", mode="NONE")
    publish(api, "address", "2.0.0", ADDRESS_V2, kind="jsonschema")
    first = [ref("address.json", "address", "1.0.0")]
    publish(api, "person", "1.0.0", PERSON, kind="jsonschema", references=first)
    moved = [ref("address.json", "address", "2.0.0")]
    refused = publish(api, "person", "1.1.0", PERSON, kind="jsonschema", references=moved)
    assert refused.status_code == 409
    changes = refused.json()["error"]["details"]["changes"]
    assert any("city" in c["location"]["pointer"] + c["message"] for c in changes)
    same = publish(api, "person", "1.1.0", PERSON, kind="jsonschema", references=first)
    assert same.status_code == 200


def test_a_protobuf_import_and_an_avro_named_type_resolve_through_references(
    api: TestClient,
) -> None:
    api.put("/api/v1/services/people", json={})
    address = 'syntax = "proto3";\npackage acme;\nmessage Address { string city = 1; }\n'
    person = (
        'syntax = "proto3";\npackage acme;\nimport "acme/address.proto";\n'
        "message Person { string name = 1; acme.Address home = 2; }\n"
    )
    assert publish(api, "address-proto", "1.0.0", address, kind="protobuf").status_code == 200
    done = publish(
        api, "person-proto", "1.0.0", person, kind="protobuf",
        references=[ref("acme/address.proto", "address-proto", "1.0.0")],
    )  # fmt: skip
    assert done.status_code == 200, done.text
    avro_address = {"type": "record", "name": "Address", "namespace": "acme",
                    "fields": [{"name": "city", "type": "string"}]}  # fmt: skip
    avro_person = {"type": "record", "name": "Person", "namespace": "acme",
                   "fields": [{"name": "home", "type": "acme.Address"}]}  # fmt: skip
    assert publish(api, "address-avro", "1.0.0", avro_address, kind="avro").status_code == 200
    unknown = publish(api, "person-avro", "1.0.0", avro_person, kind="avro")
    assert unknown.status_code == 422
    done = publish(
        api, "person-avro", "1.0.0", avro_person, kind="avro",
        references=[ref("acme.Address", "address-avro", "1.0.0")],
    )  # fmt: skip
    assert done.status_code == 200, done.text


def test_an_unpublished_reference_is_refused_naming_it(api: TestClient) -> None:
    api.put("/api/v1/services/people", json={})
    refused = publish(
        api, "person", "1.0.0", PERSON, kind="jsonschema",
        references=[ref("address.json", "address", "9.9.9")],
    )  # fmt: skip
    assert refused.status_code == 422
    assert "address" in refused.json()["error"]["message"]


def test_schema_registry_references_are_pinned_as_contract_references(api: TestClient) -> None:
    sr = "/confluent/subjects"
    api.post(f"{sr}/address.json/versions", json={"schema": json.dumps(ADDRESS_V1),
                                                   "schemaType": "JSON"})  # fmt: skip
    person = {
        "schema": json.dumps(PERSON),
        "schemaType": "JSON",
        "references": [{"name": "address.json", "subject": "address.json", "version": 1}],
    }
    assert api.post(f"{sr}/people-value/versions", json=person).status_code == 200
    by = api.get("/api/v1/services/schema-registry/contracts/address.json/versions/"
                 "address.json.1/referencedby").json()["items"]  # fmt: skip
    assert [(r["contract"], r["name"]) for r in by] == [("people-value", "address.json")]


def test_a_multi_file_contract_published_the_unlockstep_way_reads_with_its_references(
    api: TestClient,
) -> None:
    api.put("/api/v1/services/people", json={})
    publish(api, "address", "1.0.0", ADDRESS_V1, kind="jsonschema")
    refs = [ref("address.json", "address", "1.0.0")]
    publish(api, "person", "1.0.0", PERSON, kind="jsonschema", references=refs)
    found = api.get("/confluent/subjects/person/versions/1").json()
    assert found["references"] == [{"name": "address.json", "subject": "address", "version": 1}]
    assert api.get("/confluent/subjects/address/versions/1/referencedby").json() == [found["id"]]
