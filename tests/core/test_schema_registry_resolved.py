"""``?format=resolved``: an Avro schema with its references inlined where first used."""

from __future__ import annotations

import json

import pytest

from unlockstep.core.avro import parse_text
from unlockstep.core.schema_registry import resolved_avro
from unlockstep.errors import InvalidInput

ADDRESS = json.dumps(
    {"type": "record", "name": "Address", "namespace": "com.acme",
     "fields": [{"name": "city", "type": "string"}]}
)  # fmt: skip
CUSTOMER = json.dumps(
    {"type": "record", "name": "Customer", "namespace": "com.acme",
     "fields": [{"name": "home", "type": "Address"},
                {"name": "work", "type": ["null", "com.acme.Address"]},
                {"name": "past", "type": {"type": "array", "items": "Address"}}]}
)  # fmt: skip


def test_a_referenced_type_is_written_out_at_its_first_use_and_named_after() -> None:
    out = json.loads(resolved_avro(CUSTOMER, {"com.acme.Address": ADDRESS}))
    fields = {f["name"]: f["type"] for f in out["fields"]}
    assert fields["home"] == json.loads(ADDRESS)
    assert fields["work"] == ["null", "com.acme.Address"]
    assert fields["past"] == {"type": "array", "items": "Address"}
    parse_text(json.dumps(out))  # whole: readable with no references


def test_a_type_in_no_namespace_keeps_none_inside_a_namespaced_record() -> None:
    money = json.dumps({"type": "fixed", "name": "Money", "size": 8})
    order = json.dumps(
        {"type": "record", "name": "Order", "namespace": "com.acme",
         "fields": [{"name": "total", "type": "Money"}]}
    )  # fmt: skip
    out = json.loads(resolved_avro(order, {"Money": money}))
    assert out["fields"][0]["type"] == {
        "type": "fixed",
        "name": "Money",
        "size": 8,
        "namespace": "",
    }


def test_references_that_lead_back_are_refused() -> None:
    a = json.dumps({"type": "record", "name": "A", "fields": [{"name": "b", "type": "B"}]})
    b = json.dumps({"type": "record", "name": "B", "fields": [{"name": "a", "type": "A"}]})
    top = json.dumps({"type": "record", "name": "Top", "fields": [{"name": "a", "type": "A"}]})
    out = json.loads(resolved_avro(top, {"A": a, "B": b}))  # A is defined once B uses it
    assert out["fields"][0]["type"]["fields"][0]["type"]["fields"][0]["type"] == "A"
    with pytest.raises(InvalidInput):
        resolved_avro(json.dumps("A"), {"A": json.dumps("A")})
