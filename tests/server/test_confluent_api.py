"""The schema-registry API (``/confluent``) in-process: the protocol's error codes and body,
deletes, levels and modes, auth, and subjects as contracts of the registry's services."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from unlockstep.server.app import create_app
from unlockstep.services import tokens
from unlockstep.settings import Settings
from unlockstep.store import Store

SR = "/confluent"
MEDIA = "application/vnd.schemaregistry.v1+json"


def record(*fields: tuple[str, Any], name: str = "Order") -> str:
    """An Avro record schema: ``(name, type)`` or ``(name, type, default)`` per field."""
    out = []
    for f in fields:
        item: dict[str, Any] = {"name": f[0], "type": f[1]}
        if len(f) > 2:
            item["default"] = f[2]
        out.append(item)
    return json.dumps({"type": "record", "name": name, "namespace": "com.acme", "fields": out})


V1 = record(("id", "string"))
V2 = record(("id", "string"), ("note", "string", ""))
V3 = record(("id", "string"), ("note", "string", ""), ("size", "int", 0))
BAD = record(("id", "string"), ("currency", "string"))


def register(api: TestClient, subject: str, schema: str, **extra: Any) -> Any:
    return api.post(f"{SR}/subjects/{subject}/versions", json={"schema": schema, **extra})


def test_errors_use_the_protocol_body_and_content_type(api: TestClient) -> None:
    response = api.get(f"{SR}/subjects/nobody/versions")
    assert response.status_code == 404
    assert response.headers["content-type"] == MEDIA
    assert response.json() == {"error_code": 40401, "message": "Subject 'nobody' not found."}


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("POST", "/subjects/s/versions", {"schema": "{not json"}, 42201),
        ("POST", "/subjects/s/versions", {"schema": V1, "schemaType": "XML"}, 42201),
        ("POST", "/subjects/s/versions", {}, 42201),
        ("GET", "/subjects/s/versions/zero", None, 42202),
        ("PUT", "/config", {"compatibility": "SOMETIMES"}, 42203),
        ("PUT", "/mode", {"mode": "WRITEONLY"}, 42204),
        ("POST", "/subjects/s/versions", {"schema": V2, "id": 77}, 42205),
    ],
)
def test_invalid_input_gets_the_protocols_422_codes(
    api: TestClient, method: str, path: str, body: Any, code: int
) -> None:
    assert register(api, "s", V1).status_code == 200
    response = api.request(method, SR + path, json=body)
    assert (response.status_code, response.json()["error_code"]) == (422, code), response.text


def test_registering_answers_the_id_and_the_same_schema_is_not_a_new_version(
    api: TestClient,
) -> None:
    first = register(api, "orders-value", V1).json()
    assert (first["subject"], first["version"]) == ("orders-value", 1)
    spaced = json.dumps(json.loads(V1), indent=4)
    assert register(api, "orders-value", spaced).json()["id"] == first["id"]
    assert api.get(f"{SR}/subjects/orders-value/versions").json() == [1]
    found = api.post(f"{SR}/subjects/orders-value", json={"schema": spaced}).json()
    assert (found["version"], found["id"]) == (1, first["id"])
    missing = api.post(f"{SR}/subjects/orders-value", json={"schema": V2})
    assert (missing.status_code, missing.json()["error_code"]) == (404, 40403)
    raw = api.get(f"{SR}/schemas/ids/{first['id']}/schema")
    assert json.loads(raw.text) == json.loads(V1)
    assert api.get(f"{SR}/schemas/types").json() == ["AVRO", "JSON", "PROTOBUF"]


def test_an_incompatible_schema_is_409_with_the_breaking_change_named(api: TestClient) -> None:
    register(api, "orders-value", V1)
    response = register(api, "orders-value", BAD)
    assert response.status_code == 409
    body = response.json()
    assert body["error_code"] == 409
    assert "incompatible with an earlier schema" in body["message"]
    assert "currency" in body["message"]
    verdict = api.post(
        f"{SR}/compatibility/subjects/orders-value/versions/latest?verbose=true",
        json={"schema": BAD},
    ).json()
    assert verdict["is_compatible"] is False
    assert any("currency" in m for m in verdict["messages"])
    quiet = api.post(f"{SR}/compatibility/subjects/orders-value/versions/1", json={"schema": V2})
    assert quiet.json() == {"is_compatible": True}


def test_another_schema_type_under_a_subject_is_incompatible(api: TestClient) -> None:
    register(api, "orders-value", V1)
    response = register(api, "orders-value", '{"type": "object"}', schemaType="JSON")
    assert response.status_code == 409
    assert "AVRO" in response.json()["message"]


def test_transitive_levels_check_every_live_version(api: TestClient) -> None:
    register(api, "orders-value", V1)
    register(api, "orders-value", V2)
    # dropping the default of 'note' is fine against v2 (it has 'note') but v1 data lacks it
    no_default = record(("id", "string"), ("note", "string"))
    assert api.put(f"{SR}/config/orders-value", json={"compatibility": "BACKWARD"}).json() == {
        "compatibility": "BACKWARD"
    }
    check = f"{SR}/compatibility/subjects/orders-value/versions/latest"
    assert api.post(check, json={"schema": no_default}).json()["is_compatible"] is True
    every = f"{SR}/compatibility/subjects/orders-value/versions"
    assert api.post(every, json={"schema": no_default}).json()["is_compatible"] is False
    api.put(f"{SR}/config/orders-value", json={"compatibility": "BACKWARD_TRANSITIVE"})
    assert register(api, "orders-value", no_default).status_code == 409
    api.put(f"{SR}/config/orders-value", json={"compatibility": "BACKWARD"})
    assert register(api, "orders-value", no_default).status_code == 200


def test_levels_are_global_until_a_subject_sets_its_own(api: TestClient) -> None:
    register(api, "orders-value", V1)
    assert api.get(f"{SR}/config").json() == {"compatibilityLevel": "BACKWARD"}
    own = api.get(f"{SR}/config/orders-value")
    assert (own.status_code, own.json()["error_code"]) == (404, 40408)
    fallback = api.get(f"{SR}/config/orders-value?defaultToGlobal=true").json()
    assert fallback == {"compatibilityLevel": "BACKWARD"}
    assert api.put(f"{SR}/config", json={"compatibility": "NONE"}).status_code == 200
    assert register(api, "orders-value", BAD).status_code == 200
    api.put(f"{SR}/config/orders-value", json={"compatibility": "FULL"})
    assert api.get(f"{SR}/config/orders-value").json() == {"compatibilityLevel": "FULL"}
    assert register(api, "orders-value", V1).status_code == 200  # v1 is already version 1
    assert register(api, "orders-value", record(("id", "long"))).status_code == 409
    deleted = api.delete(f"{SR}/config/orders-value").json()
    assert deleted == {"compatibilityLevel": "FULL"}
    assert api.get(f"{SR}/config/orders-value").status_code == 404


def test_read_only_mode_refuses_registrations(api: TestClient) -> None:
    assert api.get(f"{SR}/mode").json() == {"mode": "READWRITE"}
    assert api.put(f"{SR}/mode", json={"mode": "READONLY"}).json() == {"mode": "READONLY"}
    refused = register(api, "orders-value", V1)
    assert (refused.status_code, refused.json()["error_code"]) == (422, 42205)
    api.put(f"{SR}/mode", json={"mode": "READWRITE"})
    assert register(api, "orders-value", V1).status_code == 200
    api.put(f"{SR}/mode/orders-value", json={"mode": "READONLY"})
    assert api.get(f"{SR}/mode/orders-value").json() == {"mode": "READONLY"}
    assert register(api, "orders-value", V2).json()["error_code"] == 42205
    assert register(api, "other-value", V2).status_code == 200


def test_soft_delete_hides_versions_and_a_hard_delete_needs_one_first(api: TestClient) -> None:
    schema_id = register(api, "orders-value", V1).json()["id"]
    register(api, "orders-value", V2)
    hard = api.delete(f"{SR}/subjects/orders-value/versions/1?permanent=true")
    assert hard.json()["error_code"] == 40407
    assert api.delete(f"{SR}/subjects/orders-value/versions/1").json() == 1
    assert api.get(f"{SR}/subjects/orders-value/versions").json() == [2]
    assert api.get(f"{SR}/subjects/orders-value/versions?deleted=true").json() == [1, 2]
    gone = api.get(f"{SR}/subjects/orders-value/versions/1")
    assert gone.json()["error_code"] == 40402
    assert api.get(f"{SR}/subjects/orders-value/versions/1?deleted=true").status_code == 200
    assert api.get(f"{SR}/schemas/ids/{schema_id}").status_code == 200
    assert api.delete(f"{SR}/subjects/orders-value?permanent=true").json()["error_code"] == 40405
    assert api.delete(f"{SR}/subjects/orders-value").json() == [2]
    assert api.get(f"{SR}/subjects").json() == []
    assert api.get(f"{SR}/subjects?deleted=true").json() == ["orders-value"]
    assert api.delete(f"{SR}/subjects/orders-value").json()["error_code"] == 40404
    assert api.delete(f"{SR}/subjects/orders-value?permanent=true").json() == [1, 2]
    assert api.get(f"{SR}/subjects?deleted=true").json() == []
    contract = api.get("/api/v1/services/schema-registry/contracts/orders-value")
    assert contract.status_code == 404


def test_a_registered_schema_is_a_contract_version_of_the_owning_service(
    api: TestClient,
) -> None:
    register(api, "orders-value", V1)
    register(api, "orders-value", V2)
    contract = api.get("/api/v1/services/schema-registry/contracts/orders-value").json()
    assert contract["kind"] == "avro"
    assert [v["version"] for v in contract["versions"]] == ["orders-value.1", "orders-value.2"]
    audit = api.get("/api/v1/audit", params={"entity_type": "subject"}).json()
    assert any(e["action"] == "schema.registered" for e in audit["items"])


def test_a_contract_published_the_unlockstep_way_is_readable_as_a_subject(
    api: TestClient,
) -> None:
    api.put("/api/v1/services/orders", json={})
    published = api.put(
        "/api/v1/services/orders/contracts/orders-value/versions/1.4.0",
        json={"content": V1, "kind": "avro"},
    )
    assert published.status_code == 200, published.text
    assert api.get(f"{SR}/subjects").json() == ["orders-value"]
    found = api.get(f"{SR}/subjects/orders-value/versions/latest").json()
    assert (found["version"], json.loads(found["schema"])) == (1, json.loads(V1))
    assert api.get(f"{SR}/config/orders-value").json() == {"compatibilityLevel": "BACKWARD"}
    assert register(api, "orders-value", BAD).status_code == 409
    assert register(api, "orders-value", V2).json()["version"] == 2
    contract = api.get("/api/v1/services/orders/contracts/orders-value").json()
    assert [v["version"] for v in contract["versions"]] == ["1.4.0", "orders-value.2"]


def test_a_subject_pattern_names_the_owning_service(store: Store, settings: Settings) -> None:
    mapped = settings.model_copy(update={"schema_registry_subjects": {"billing-*": "billing"}})
    with TestClient(create_app(mapped, store)) as api:
        api.put("/api/v1/services/billing", json={})
        assert register(api, "billing-invoices-value", V1).status_code == 200
        assert register(api, "orders-value", V1).status_code == 200
        billing = api.get("/api/v1/services/billing/contracts").json()["items"]
        assert [c["name"] for c in billing] == ["billing-invoices-value"]
        default = api.get("/api/v1/services/schema-registry/contracts").json()["items"]
        assert [c["name"] for c in default] == ["orders-value"]


def test_subject_pattern_setting_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("UNLOCKSTEP_SCHEMA_REGISTRY_SUBJECTS", "billing-*=billing, orders-*=orders")
    assert Settings().schema_registry_subjects == {"billing-*": "billing", "orders-*": "orders"}


def _basic(secret: str, user: str = "anyone") -> dict[str, str]:
    token = base64.b64encode(f"{user}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def test_auth_takes_a_bearer_token_or_basic_with_the_token_as_password(
    store: Store, settings: Settings
) -> None:
    guarded = settings.model_copy(
        update={"api_tokens": {"root": SecretStr("s3cret")}, "require_token_for_reads": True}
    )
    with TestClient(create_app(guarded, store)) as api:
        refused = register(api, "orders-value", V1)
        assert refused.status_code == 401
        assert refused.json()["error_code"] == 40101
        wrong = api.get(f"{SR}/subjects", headers=_basic("nope"))
        assert (wrong.status_code, wrong.json()["error_code"]) == (401, 40101)
        ok = api.post(
            f"{SR}/subjects/orders-value/versions", json={"schema": V1}, headers=_basic("s3cret")
        )
        assert ok.status_code == 200, ok.text
        bearer = {"Authorization": "Bearer s3cret"}
        assert api.get(f"{SR}/subjects", headers=bearer).json() == ["orders-value"]
        assert api.get(f"{SR}/subjects").status_code == 401
        schema_id = ok.json()["id"]  # read once with the token: cached, still gated
        assert api.get(f"{SR}/schemas/ids/{schema_id}", headers=bearer).status_code == 200
        assert api.get(f"{SR}/schemas/ids/{schema_id}").status_code == 401
        audit = api.get("/api/v1/audit", params={"entity_type": "subject"}, headers=bearer)
        assert {e["actor"] for e in audit.json()["items"]} == {"root"}


def test_the_registrys_impact_view_compares_with_the_latest_registered_version(
    api: TestClient,
) -> None:
    register(api, "orders-value", V1)
    register(api, "orders-value", V2)
    body = {"provider": "schema-registry", "contract": "orders-value", "document": json.loads(BAD)}
    impact = api.post("/api/v1/impact", json=body)
    assert impact.status_code == 200, impact.text
    assert impact.json()["comparedWith"] == "orders-value.2"


def test_a_schema_by_id_is_served_ahead_of_the_framework_with_the_protocols_answers(
    api: TestClient,
) -> None:
    schema_id = register(api, "orders-value", V1).json()["id"]
    for _ in range(2):  # read from the database, then from the process's cache
        found = api.get(f"{SR}/schemas/ids/{schema_id}")
        assert found.headers["content-type"] == MEDIA
        assert list(found.json()) == ["schema"]
        assert json.loads(found.json()["schema"]) == json.loads(V1)
    missing = api.get(f"{SR}/schemas/ids/{schema_id + 100}")
    assert (missing.status_code, missing.headers["content-type"]) == (404, MEDIA)
    assert missing.json() == {"error_code": 40403, "message": f"Schema {schema_id + 100} not found"}
    assert api.get(f"{SR}/schemas/ids/abc").json()["error_code"] == 42200


def test_import_mode_keeps_another_registrys_ids_and_versions_without_checks(
    api: TestClient,
) -> None:
    assert api.put(f"{SR}/mode", json={"mode": "IMPORT"}).json() == {"mode": "IMPORT"}
    first = register(api, "orders-value", V1, id=1000, version=3)
    assert first.json()["id"] == 1000 and first.json()["version"] == 3, first.text
    assert register(api, "orders-value", V1, id=1000, version=3).json()["version"] == 3
    # no compatibility check: the breaking schema goes in under its own id and version
    breaking = register(api, "orders-value", BAD, id=1001, version=4).json()
    assert (breaking["id"], breaking["version"]) == (1001, 4)
    # the same schema again at a later version, as the source registry had it
    assert register(api, "orders-value", V1, id=1000, version=5).json()["version"] == 5
    assert api.get(f"{SR}/subjects/orders-value/versions").json() == [3, 4, 5]
    assert json.loads(api.get(f"{SR}/schemas/ids/1001").json()["schema"]) == json.loads(BAD)
    # an id must keep meaning one schema
    other_id = register(api, "orders-value", V1, id=2000, version=6)
    assert (other_id.status_code, other_id.json()["error_code"]) == (422, 42207)
    taken = register(api, "orders-value", V2, id=1001, version=6)
    assert (taken.status_code, taken.json()["error_code"]) == (422, 42207)
    clash = register(api, "orders-value", V2, id=1002, version=4)
    assert (clash.status_code, clash.json()["error_code"]) == (422, 42205)
    # back to READWRITE: ids are the registry's again, past the imported ones
    assert api.put(f"{SR}/mode", json={"mode": "READWRITE"}).status_code == 200
    fresh = register(api, "payments-value", V3).json()
    assert fresh["id"] > 1001 and fresh["version"] == 1
    refused = register(api, "payments-value", V2, id=5000)
    assert (refused.status_code, refused.json()["error_code"]) == (422, 42205)


def test_import_mode_is_refused_over_existing_subjects_unless_forced(api: TestClient) -> None:
    register(api, "orders-value", V1)
    refused = api.put(f"{SR}/mode", json={"mode": "IMPORT"})
    assert (refused.status_code, refused.json()["error_code"]) == (422, 42205)
    assert "Cannot import since found existing subjects" in refused.json()["message"]
    assert api.put(f"{SR}/mode/orders-value", json={"mode": "IMPORT"}).status_code == 422
    forced = api.put(f"{SR}/mode/orders-value?force=true", json={"mode": "IMPORT"})
    assert forced.json() == {"mode": "IMPORT"}
    assert register(api, "orders-value", V2, id=500, version=7).json()["version"] == 7
    assert api.put(f"{SR}/mode?force=true", json={"mode": "IMPORT"}).json() == {"mode": "IMPORT"}


def test_normalize_finds_a_schema_written_another_way_as_schemas_are_always_canonical(
    api: TestClient,
) -> None:
    first = api.post(f"{SR}/subjects/orders-value/versions?normalize=true", json={"schema": V2})
    reordered = json.dumps(dict(reversed(list(json.loads(V2).items()))), indent=2)
    found = api.post(f"{SR}/subjects/orders-value?normalize=true", json={"schema": reordered})
    assert found.json()["id"] == first.json()["id"]
    check = api.post(
        f"{SR}/compatibility/subjects/orders-value/versions/latest?normalize=true",
        json={"schema": reordered},
    )
    assert check.json() == {"is_compatible": True}


def test_a_hard_delete_of_every_version_using_an_id_makes_the_id_unreadable(
    api: TestClient,
) -> None:
    schema_id = register(api, "orders-value", V1).json()["id"]
    assert register(api, "audit-value", V1).json()["id"] == schema_id
    assert api.get(f"{SR}/schemas/ids/{schema_id}").status_code == 200  # now in the cache
    api.delete(f"{SR}/subjects/orders-value")
    assert api.delete(f"{SR}/subjects/orders-value?permanent=true").json() == [1]
    # still used by audit-value, soft deleted or not
    assert api.get(f"{SR}/schemas/ids/{schema_id}").status_code == 200
    assert api.delete(f"{SR}/subjects/audit-value/versions/1").json() == 1
    assert api.get(f"{SR}/schemas/ids/{schema_id}").status_code == 200
    assert api.delete(f"{SR}/subjects/audit-value/versions/1?permanent=true").json() == 1
    for path in ("", "/schema", "/versions", "/subjects"):
        gone = api.get(f"{SR}/schemas/ids/{schema_id}{path}")
        assert (gone.status_code, gone.json()["error_code"]) == (404, 40403), path
    # the same schema registered again gets its id back
    assert register(api, "orders-value", V1).json()["id"] == schema_id
    assert api.get(f"{SR}/schemas/ids/{schema_id}").status_code == 200


def test_a_subjects_mode_may_be_set_before_the_subject_exists(api: TestClient) -> None:
    assert api.get(f"{SR}/mode/orders-value").json()["error_code"] == 40409
    assert api.put(f"{SR}/mode/orders-value", json={"mode": "IMPORT"}).json() == {"mode": "IMPORT"}
    assert api.get(f"{SR}/mode/orders-value").json() == {"mode": "IMPORT"}
    assert api.get(f"{SR}/mode").json() == {"mode": "READWRITE"}
    assert api.get(f"{SR}/subjects").json() == []  # a mode alone makes no subject
    imported = register(api, "orders-value", V1, id=900, version=5).json()
    assert (imported["id"], imported["version"]) == (900, 5)
    assert register(api, "orders-value", BAD, id=901, version=6).json()["version"] == 6
    assert api.get(f"{SR}/mode/orders-value").json() == {"mode": "IMPORT"}  # now the subject's
    # the mode is that subject's only: another new subject is not importing
    assert register(api, "audit-value", V2, id=902).json()["error_code"] == 42205


def test_a_mode_set_before_the_subject_exists_applies_to_it_and_can_be_deleted(
    api: TestClient,
) -> None:
    api.put(f"{SR}/mode/orders-value", json={"mode": "READONLY"})
    assert register(api, "orders-value", V1).json()["error_code"] == 42205
    assert api.delete(f"{SR}/mode/orders-value").json() == {"mode": "READONLY"}
    assert api.get(f"{SR}/mode/orders-value").json()["error_code"] == 40409
    assert api.delete(f"{SR}/mode/orders-value").json()["error_code"] == 40401
    assert register(api, "orders-value", V1).status_code == 200
    assert api.put(f"{SR}/mode/x", json={"mode": "SOMETIMES"}).json()["error_code"] == 42204


def test_only_who_may_register_a_new_subject_may_set_its_mode(
    store: Store, settings: Settings
) -> None:
    guarded = settings.model_copy(update={"api_tokens": {"root": SecretStr("s3cret")}})
    made = tokens.create_token(store, guarded, "root", "reader", team=None, scopes=["read"])
    with TestClient(create_app(guarded, store)) as api:
        refused = api.put(
            f"{SR}/mode/orders-value", json={"mode": "IMPORT"}, headers=_basic(made.secret)
        )
        assert (refused.status_code, refused.json()["error_code"]) == (403, 40301)
        root = _basic("s3cret")
        assert api.get(f"{SR}/mode/orders-value", headers=root).json()["error_code"] == 40409


def test_format_resolved_inlines_an_avro_schemas_references(api: TestClient) -> None:
    address = record(("city", "string"), name="Address")
    customer = record(("home", "Address"), ("work", ["null", "Address"], None), name="Customer")
    register(api, "com.acme.Address", address)
    ref = {"name": "com.acme.Address", "subject": "com.acme.Address", "version": 1}
    schema_id = register(api, "customers-value", customer, references=[ref]).json()["id"]
    stored = api.get(f"{SR}/schemas/ids/{schema_id}").json()
    assert stored["references"] == [ref] and "city" not in stored["schema"]
    by_id = api.get(f"{SR}/schemas/ids/{schema_id}?format=resolved").json()
    by_version = api.get(f"{SR}/subjects/customers-value/versions/1?format=resolved").json()
    assert by_id["schema"] == by_version["schema"]
    assert "references" not in by_id and "references" not in by_version
    fields = json.loads(by_id["schema"])["fields"]
    assert fields[0]["type"] == json.loads(address)
    assert fields[1]["type"] == ["null", "Address"]
    address_id = api.get(f"{SR}/subjects/com.acme.Address/versions/1").json()["id"]
    plain = api.get(f"{SR}/schemas/ids/{address_id}?format=resolved").json()
    assert json.loads(plain["schema"]) == json.loads(address)  # no references: as stored
    assert api.get(f"{SR}/schemas/ids/{schema_id}").json() == stored  # the cache is untouched
