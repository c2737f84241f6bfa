"""JSON Schema findings inside OpenAPI carry oasdiff's ids: body or property, parameter or
header, required or optional, exclusive or inclusive bound."""

from __future__ import annotations

import json
from typing import Any

import pytest

from unlockstep.core.compat._model import Level, Policy, Source
from unlockstep.core.compat._render import lookup
from unlockstep.core.compat._rules import RULES
from unlockstep.core.openapi._engine import OpenAPIEngine
from unlockstep.core.openapi._schema_finding import refine
from unlockstep.core.openapi._schema_rules import openapi_id

NAMES = {
    "bound at the top of a request body": (
        ("request-", "minimum-increased", True, {}, False),
        "request-body-min-increased",
    ),
    "bound on a request property": (
        ("request-", "minimum-increased", False, {}, False),
        "request-property-min-increased",
    ),
    "exclusive bound of OpenAPI 3.1": (
        ("request-", "minimum-added", False, {"exclusiveMinimum": 3}, False),
        "request-property-exclusive-min-set",
    ),
    "exclusive flag of OpenAPI 3.0": (
        ("response-", "maximum-increased", True, {"maximum": 3, "exclusiveMaximum": True}, False),
        "response-body-exclusive-max-increased",
    ),
    "an inclusive bound tighter than the exclusive one": (
        ("response-", "minimum-decreased", True, {"minimum": 10, "exclusiveMinimum": 5}, False),
        "response-body-min-decreased",
    ),
    "new required request property": (
        ("request-", "property-added", False, None, True),
        "new-required-request-property",
    ),
    "new optional property in an open request model": (
        ("request-", "property-added-to-open-model", False, None, False),
        "new-optional-request-property",
    ),
    "required response property removed": (
        ("response-", "property-removed", False, None, True),
        "response-required-property-removed",
    ),
    "optional response property removed": (
        ("response-", "property-removed", False, None, False),
        "response-optional-property-removed",
    ),
    "enum value removed from a whole response body": (
        ("response-", "enum-value-removed", True, None, False),
        "response-mediatype-enum-value-removed",
    ),
    "enum value added to a response property": (
        ("response-", "enum-value-added", False, None, False),
        "response-property-enum-value-added",
    ),
    "pattern has no body form": (
        ("request-", "pattern-added", True, None, False),
        "request-property-pattern-added",
    ),
    "parameter became an enum": (
        ("request-parameter-", "enum-constraint-added", True, None, False),
        "request-parameter-became-enum",
    ),
    "type of a property inside an object parameter": (
        ("request-parameter-", "type-changed", False, None, False),
        "request-parameter-property-type-changed",
    ),
    "max length set on a parameter": (
        ("request-parameter-", "max-length-added", True, None, False),
        "request-parameter-max-length-set",
    ),
    "response header type": (
        ("response-header-", "type-changed", True, None, False),
        "response-header-type-changed",
    ),
    "property of a header parameter became an enum": (
        ("request-parameter-", "enum-constraint-added", False, None, False),
        "request-header-property-became-enum",
    ),
    "request property with a default became required": (
        ("request-", "property-became-required-with-default", False, None, False),
        "request-property-became-required-with-default",
    ),
    "response property with a default became required": (
        ("response-", "property-became-required-with-default", False, None, False),
        "response-property-became-required",
    ),
    "a required response property no longer write-only": (
        ("response-", "write-only-removed", False, None, True),
        "response-required-property-became-not-write-only",
    ),
    "an optional request property now read-only": (
        ("request-", "read-only-added", False, None, False),
        "request-optional-property-became-read-only",
    ),
    "a property no longer deprecated": (
        ("response-", "deprecation-removed", False, None, False),
        "response-property-reactivated",
    ),
    "a contentSchema added to a request body": (
        ("request-", "content-schema-added", True, None, False),
        "request-body-content-schema-added",
    ),
    "an allOf branch with annotations only": (
        ("response-", "all-of-added-annotation-only", True, None, False),
        "response-body-all-of-added-annotation-only",
    ),
    "no OpenAPI name keeps the engine id": (
        ("response-", "not-added", False, None, False),
        "response-not-added",
    ),
}


@pytest.mark.parametrize(("given", "expected"), NAMES.values(), ids=NAMES.keys())
def test_a_schema_finding_gets_the_openapi_id_of_where_it_sits(
    given: tuple[str, str, bool, Any, bool], expected: str
) -> None:
    prefix, rule, at_root, schema, required = given
    header = "header" in expected
    found = openapi_id(
        prefix, rule, at_root=at_root, schema=schema, required=required, header=header
    )
    assert found == expected


def test_every_openapi_schema_id_is_in_the_catalogue_with_a_suggestion_when_it_hurts() -> None:
    named = [r for r in RULES.values() if r.kind == "openapi-schema"]
    assert {"request-body-min-increased", "response-optional-property-removed"} <= {
        r.id for r in named
    }
    for rule in named:
        assert lookup(rule.id) is rule
        assert rule.summary.startswith("in a ")


def _api(request_schema: dict[str, Any], response_schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/cases": {
                "post": {
                    "requestBody": {"content": {"application/json": {"schema": request_schema}}},
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": response_schema}},
                        }
                    },
                }
            }
        },
    }


def _diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Level]:
    engine = OpenAPIEngine()
    before = engine.parse(Source(json.dumps(old), "old.json"))
    after = engine.parse(Source(json.dumps(new), "new.json"))
    return {c.rule: c.level for c in engine.diff(before, after, Policy.LENIENT)}


CASE = {
    "type": "object",
    "required": ["id"],
    "properties": {"id": {"type": "string"}, "note": {"type": "string"}},
}
WITHOUT_NOTE = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
WITHOUT_ID = {"type": "object", "properties": {"note": {"type": "string"}}}


def test_a_property_removed_from_a_request_is_a_warning_old_clients_still_send_it() -> None:
    changes = _diff(_api(CASE, {"type": "object"}), _api(WITHOUT_NOTE, {"type": "object"}))
    assert changes == {"request-property-removed": Level.WARNING}


def test_a_removed_response_property_is_named_by_whether_it_was_required() -> None:
    optional = _diff(_api({"type": "object"}, CASE), _api({"type": "object"}, WITHOUT_NOTE))
    required = _diff(_api({"type": "object"}, CASE), _api({"type": "object"}, WITHOUT_ID))
    assert optional == {"response-optional-property-removed": Level.BREAKING}
    assert "response-required-property-removed" in required


def test_a_bound_on_a_body_reached_by_ref_is_a_body_finding() -> None:
    old = _api({"$ref": "#/components/schemas/N"}, {"type": "object"})
    old["components"] = {"schemas": {"N": {"type": "integer", "minimum": 1}}}
    new = _api({"$ref": "#/components/schemas/N"}, {"type": "object"})
    new["components"] = {"schemas": {"N": {"type": "integer", "minimum": 5}}}
    assert _diff(old, new) == {"request-body-min-increased": Level.BREAKING}


REFINED = {
    "null added to the types": (
        ("type-widened", "/s", {"type": "string"}, {"type": ["string", "null"]}),
        {"old": ["string"], "new": ["null", "string"]},
        ("became-nullable",),
    ),
    "null removed from the types": (
        ("type-narrowed", "/s", {"type": ["string", "null"]}, {"type": "string"}),
        {"old": ["null", "string"], "new": ["string"]},
        ("became-not-nullable",),
    ),
    "another type added": (
        ("type-widened", "/s", {"type": "string"}, {"type": ["string", "integer"]}),
        {"old": ["string"], "new": ["integer", "string"]},
        ("list-of-types-widened",),
    ),
    "const replaced": (
        ("enum-value-removed", "/s", {"const": "a"}, {"const": "b"}),
        {},
        ("const-changed",),
    ),
    "default added": (
        ("default-changed", "/s/default", {}, {"default": 1}),
        {},
        ("default-value-added",),
    ),
    "if, then and else added": (
        ("condition-changed", "/s/if", {}, {"if": {}, "then": {}, "else": {}}),
        {},
        ("if-added", "then-added", "else-added"),
    ),
    "unevaluatedProperties removed": (
        (
            "type-widened",
            "/s/additionalProperties",
            {"unevaluatedProperties": False},
            {},
        ),
        {},
        ("unevaluated-properties-removed",),
    ),
    "a dependentRequired entry changed": (
        (
            "dependent-required-added",
            "/s",
            {"dependentRequired": {"a": ["b"]}},
            {"dependentRequired": {"a": ["b", "c"]}},
        ),
        {},
        ("dependent-required-changed",),
    ),
    "deprecated with a sunset": (
        ("deprecated", "/s", {}, {"deprecated": True, "x-sunset": "2099-01-01"}),
        {},
        ("deprecated-with-sunset",),
    ),
    "nullable: true added (no type lists in the finding)": (
        ("type-widened", "/s", {"type": "string"}, {"type": "string", "nullable": True}),
        {},
        ("became-nullable",),
    ),
    "an anyOf null branch wrapped around a type": (
        (
            "type-widened",
            "/s",
            {"type": "string"},
            {"anyOf": [{"type": "string"}, {"type": "null"}]},
        ),
        {},
        ("became-nullable",),
    ),
    "deprecated with a sunset that is not a date": (
        ("deprecated", "/s", {}, {"deprecated": True, "x-sunset": "soon"}),
        {},
        ("deprecated-sunset-invalid",),
    ),
    "an empty pattern is no pattern": (
        ("pattern-changed", "/s/pattern", {"pattern": ""}, {"pattern": "^a"}),
        {},
        ("pattern-added",),
    ),
    "anything else keeps its name": (
        ("max-length-decreased", "/s/maxLength", {"maxLength": 3}, {"maxLength": 2}),
        {},
        ("max-length-decreased",),
    ),
}


@pytest.mark.parametrize(("given", "details", "expected"), REFINED.values(), ids=REFINED.keys())
def test_a_finding_is_named_after_what_changed_in_the_schema_around_it(
    given: tuple[str, str, dict[str, Any], dict[str, Any]],
    details: dict[str, Any],
    expected: tuple[str, ...],
) -> None:
    rule, pointer, old, new = given
    found = refine(rule, pointer, {"s": old}, {"s": new}, details)
    assert found.names == expected
    assert found.pointer == "/s"


def test_a_change_inside_a_new_keyword_is_the_keyword_added() -> None:
    old: dict[str, Any] = {"s": {"type": "object"}}
    new = {"s": {"type": "object", "propertyNames": {"pattern": "^x"}}}
    found = refine("pattern-added", "/s/propertyNames/pattern", old, new, {})
    assert (found.names, found.pointer) == (("property-names-added",), "/s")


def test_a_required_request_property_with_a_default_is_named_so() -> None:
    old: dict[str, Any] = {"s": {"type": "object", "properties": {}}}
    new = {"s": {"type": "object", "required": ["a"], "properties": {"a": {"default": 1}}}}
    found = refine("property-added", "/s/properties/a", old, new, {})
    assert found.names == ("required-property-added-with-default",)
    assert openapi_id("request-", found.names[0], at_root=False, required=found.required) == (
        "new-required-request-property-with-default"
    )
    assert openapi_id("response-", found.names[0], at_root=False, required=found.required) == (
        "response-required-property-added"
    )


def test_a_read_only_property_required_in_a_request_is_information() -> None:
    body = {"type": "object", "properties": {"id": {"type": "string", "readOnly": True}}}
    required = {**body, "required": ["id"]}
    assert _diff(_api(body, body), _api(required, required)) == {
        "request-property-became-required": Level.INFO,
        "response-property-became-required": Level.INFO,
    }


def test_a_write_only_property_removed_from_a_response_is_information() -> None:
    body = {"type": "object", "properties": {"pin": {"type": "string", "writeOnly": True}}}
    empty: dict[str, Any] = {"type": "object", "properties": {}}
    changes = _diff(_api({"type": "object"}, body), _api({"type": "object"}, empty))
    assert changes == {"response-optional-property-removed": Level.INFO}


def test_a_property_declared_in_an_all_of_branch_is_found_for_its_sunset() -> None:
    root = {
        "c": {
            "Base": {"type": "object", "properties": {"id": {}}},
            "R": {
                "allOf": [
                    {"$ref": "#/c/Base"},
                    {"properties": {"old": {"deprecated": True, "x-sunset": "2099-12-31"}}},
                ]
            },
        }
    }
    found = refine("deprecated", "/c/R/properties/old", {}, root, {})
    assert found.names == ("deprecated-with-sunset",)


def test_a_property_required_in_an_all_of_branch_is_removed_as_required() -> None:
    root = {
        "c": {
            "Base": {"type": "object", "properties": {"id": {}}, "required": ["id"]},
            "R": {"allOf": [{"$ref": "#/c/Base"}, {"properties": {"note": {}}}]},
        }
    }
    assert refine("property-removed", "/c/R/properties/id", root, {}, {}).required
    assert not refine("property-removed", "/c/R/properties/note", root, {}, {}).required
