"""Properties of the OpenAPI engine over generated descriptions."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from unlockstep.core.compat._model import Level, Policy
from unlockstep.core.openapi._document import to_document
from unlockstep.core.openapi._engine import OpenAPIEngine

ENGINE = OpenAPIEngine()
names = st.sampled_from(["id", "limit", "cursor", "tenant", "status", "q"])
scalar = st.sampled_from(
    [{"type": "string"}, {"type": "integer", "maximum": 100}, {"type": "boolean"}]
)
schemas = st.recursive(
    scalar,
    lambda inner: st.builds(
        lambda props, req: {
            "type": "object",
            "properties": props,
            "required": sorted(k for k in props if k in req),
        },
        st.dictionaries(names, inner, max_size=3),
        st.sets(names),
    ),
    max_leaves=6,
)
parameters = st.lists(
    st.builds(
        lambda name, where, required, schema: {
            "name": name,
            "in": where,
            "required": required,
            "schema": schema,
        },
        names,
        st.sampled_from(["query", "header", "cookie"]),
        st.booleans(),
        scalar,
    ),
    max_size=3,
    unique_by=lambda p: (p["in"], p["name"]),
)
operations = st.builds(
    lambda params, body, status: {
        "parameters": params,
        "requestBody": {"content": {"application/json": {"schema": body}}},
        "responses": {
            status: {"description": "ok", "content": {"application/json": {"schema": body}}}
        },
    },
    parameters,
    schemas,
    st.sampled_from(["200", "201", "404"]),
)
paths = st.dictionaries(
    st.sampled_from(["/cases", "/cases/{caseId}", "/cases/{caseId}/summary", "/teams"]),
    st.dictionaries(st.sampled_from(["get", "post", "put", "delete"]), operations, min_size=1),
    min_size=1,
    max_size=3,
)


def document(p: dict[str, Any]) -> dict[str, Any]:
    for path, item in p.items():
        if "{caseId}" in path:
            for op in item.values():
                op["parameters"] = [
                    *op["parameters"],
                    {
                        "name": "caseId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                ]
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": p}


@settings(max_examples=60, deadline=None)
@given(paths)
def test_every_description_is_compatible_with_itself(p: dict[str, Any]) -> None:
    doc = document(p)
    old, new = to_document(doc), to_document(copy.deepcopy(doc))
    assert ENGINE.diff(old, new, Policy.STRICT) == []


@settings(max_examples=60, deadline=None)
@given(paths)
def test_adding_an_operation_never_breaks_anyone(p: dict[str, Any]) -> None:
    doc = document(p)
    grown = copy.deepcopy(doc)
    grown["paths"]["/brand-new"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    found = ENGINE.diff(to_document(doc), to_document(grown), Policy.STRICT)
    assert [c.rule for c in found] == ["endpoint-added"]
    assert all(c.level is Level.INFO for c in found)


@settings(max_examples=60, deadline=None)
@given(paths)
def test_removing_any_operation_is_breaking(p: dict[str, Any]) -> None:
    doc = document(p)
    shrunk = copy.deepcopy(doc)
    path = next(iter(shrunk["paths"]))
    method = next(iter(shrunk["paths"][path]))
    del shrunk["paths"][path][method]
    found = ENGINE.diff(to_document(doc), to_document(shrunk), Policy.LENIENT)
    assert any(c.level is Level.BREAKING and "removed" in c.rule for c in found)
