"""Properties of static verification."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from unlockstep.core.contracts import _expectations as expectations
from unlockstep.core.contracts import _verification as verification
from unlockstep.core.contracts._schema_walk import Resolver, leaf_pointers

NAMES = st.text(alphabet="abcdefgh", min_size=1, max_size=4)
LEAVES = st.sampled_from(
    [{"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"}]
)
SCHEMAS = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.builds(
            lambda props: {"type": "object", "properties": props},
            st.dictionaries(NAMES, inner, min_size=1, max_size=4),
        ),
        st.builds(lambda item: {"type": "array", "items": item}, inner),
    ),
    max_leaves=12,
)


def document(schema: Any) -> dict[str, Any]:
    response = {"description": "ok", "content": {"application/json": {"schema": schema}}}
    return {
        "openapi": "3.1.0",
        "paths": {"/things/{id}": {"get": {"responses": {"200": response}}}},
    }


@settings(max_examples=60, deadline=None)
@given(SCHEMAS, st.sampled_from(["tolerant", "strict"]))
def test_a_reader_of_every_declared_field_verifies_against_the_same_contract(
    schema: Any, reader: str
) -> None:
    doc = document(schema)
    fields = leaf_pointers(Resolver(doc), schema)
    exp = expectations.parse(
        {
            "expectation": 1,
            "kind": "http",
            "reader": reader,
            "operations": [{"method": "GET", "path": "/things/1", "responses": {"200": fields}}],
        }
    )
    assert verification.verify(exp, doc).ok


@settings(max_examples=60, deadline=None)
@given(SCHEMAS, st.data())
def test_removing_a_field_a_consumer_reads_fails_its_verification(
    schema: Any, data: st.DataObject
) -> None:
    doc = document(schema)
    fields = leaf_pointers(Resolver(doc), schema)
    assume(fields)
    read = data.draw(st.sampled_from(fields))
    exp = expectations.parse(
        {
            "expectation": 1,
            "kind": "http",
            "operations": [{"method": "GET", "path": "/things/1", "responses": {"200": [read]}}],
        }
    )
    parts = expectations.pointer_parts(read)
    target: Any = schema
    for part in parts[:-1]:
        target = target["items"] if part == "*" else target["properties"][part]
    assume(parts[-1] != "*")
    del target["properties"][parts[-1]]
    assert not verification.verify(exp, doc).ok
