"""OpenAPI rules, one named pair of documents per rule."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from unlockstep.core.compat._model import ENGINES, Breaks, Level, Mode, Policy, Source, check
from unlockstep.core.openapi._document import to_document
from unlockstep.core.openapi._engine import OpenAPIEngine, path_shape
from unlockstep.errors import ParseError

TODAY = date(2026, 7, 1)


def api(paths: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths, **top}


def op(**fields: Any) -> dict[str, Any]:
    return {"responses": {"200": {"description": "ok"}}, **fields}


def json_response(schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": schema}}, **extra}


SUMMARY = {
    "type": "object",
    "required": ["caseId", "status"],
    "properties": {
        "caseId": {"type": "string"},
        "status": {"type": "string", "enum": ["OPEN", "UNDER_REVIEW"]},
    },
}
BASE = api(
    {
        "/cases/{caseId}": {
            "get": op(
                parameters=[
                    {
                        "name": "caseId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    {"name": "verbose", "in": "query", "schema": {"type": "boolean"}},
                ],
                responses={"200": json_response(SUMMARY), "404": {"description": "missing"}},
            ),
            "delete": op(),
        }
    }
)


def changed(edit: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    edit(doc)
    return doc


def get(doc: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = doc["paths"]["/cases/{caseId}"]["get"]
    return result


def diff(
    old: dict[str, Any],
    new: dict[str, Any],
    policy: Policy = Policy.LENIENT,
    *,
    strict_reader: bool = False,
) -> list[tuple[str, Level, Breaks]]:
    engine = OpenAPIEngine(today=TODAY, strict_reader=strict_reader)
    found = engine.diff(to_document(old, "old.yaml"), to_document(new, "new.yaml"), policy)
    return [(c.rule, c.level, c.breaks) for c in found]


def _rename_path_variable(d: dict[str, Any]) -> None:
    item = d["paths"].pop("/cases/{caseId}")
    item["get"]["parameters"][0]["name"] = "id"
    d["paths"]["/cases/{id}"] = item


def _add(key: str, value: Any) -> Any:
    return lambda d: get(d).__setitem__(key, value)


CASES: dict[str, tuple[Any, tuple[str, Level, Breaks]]] = {
    "removing_an_operation_never_deprecated_is_breaking": (
        lambda d: d["paths"]["/cases/{caseId}"].pop("delete"),
        ("api-removed-without-deprecation", Level.BREAKING, Breaks.BOTH),
    ),
    "removing_a_whole_path_is_breaking": (
        lambda d: d["paths"].pop("/cases/{caseId}"),
        ("api-path-removed-without-deprecation", Level.BREAKING, Breaks.BOTH),
    ),
    "adding_an_operation_is_information": (
        lambda d: d["paths"]["/cases/{caseId}"].__setitem__("put", op()),
        ("endpoint-added", Level.INFO, Breaks.NONE),
    ),
    "a_new_required_query_parameter_breaks_old_clients": (
        lambda d: get(d)["parameters"].append(
            {"name": "tenant", "in": "query", "required": True, "schema": {"type": "string"}}
        ),
        ("new-required-request-parameter", Level.BREAKING, Breaks.WRITERS),
    ),
    "a_new_optional_header_is_information": (
        lambda d: get(d)["parameters"].append({"name": "X-Trace", "in": "header"}),
        ("new-optional-request-parameter", Level.INFO, Breaks.NONE),
    ),
    "a_parameter_that_became_required_breaks_old_clients": (
        lambda d: get(d)["parameters"][1].__setitem__("required", True),
        ("request-parameter-became-required", Level.BREAKING, Breaks.WRITERS),
    ),
    "removing_a_parameter_never_deprecated_is_breaking": (
        lambda d: get(d)["parameters"].pop(1),
        ("request-parameter-removed", Level.BREAKING, Breaks.WRITERS),
    ),
    "a_changed_parameter_style_breaks_old_clients": (
        lambda d: get(d)["parameters"][1].__setitem__("style", "deepObject"),
        ("request-parameter-style-changed", Level.BREAKING, Breaks.WRITERS),
    ),
    "a_changed_parameter_default_changes_what_old_clients_ask_for": (
        lambda d: get(d)["parameters"][1]["schema"].__setitem__("default", True),
        ("request-parameter-default-value-added", Level.BREAKING, Breaks.WRITERS),
    ),
    "removing_a_success_response_is_breaking": (
        lambda d: get(d)["responses"].pop("200"),
        ("response-success-status-removed", Level.BREAKING, Breaks.READERS),
    ),
    "removing_an_error_response_is_information": (
        lambda d: get(d)["responses"].pop("404"),
        ("response-non-success-status-removed", Level.INFO, Breaks.NONE),
    ),
    "removing_a_response_media_type_breaks_old_readers": (
        lambda d: get(d)["responses"]["200"].__setitem__(
            "content", {"application/xml": {"schema": SUMMARY}}
        ),
        ("response-media-type-removed", Level.BREAKING, Breaks.READERS),
    ),
    "a_required_request_body_on_an_operation_that_had_none_breaks_old_clients": (
        _add("requestBody", {"required": True, "content": {"application/json": {}}}),
        ("request-body-added-required", Level.BREAKING, Breaks.WRITERS),
    ),
    "deprecating_an_operation_is_information": (
        _add("deprecated", True),
        ("endpoint-deprecated", Level.INFO, Breaks.NONE),
    ),
    "requiring_authentication_where_none_was_needed_breaks_old_clients": (
        _add("security", [{"oauth": ["cases:read"]}]),
        ("api-security-added", Level.BREAKING, Breaks.WRITERS),
    ),
    "a_new_optional_response_header_is_information": (
        lambda d: get(d)["responses"]["200"].__setitem__(
            "headers", {"ETag": {"schema": {"type": "string"}}}
        ),
        ("response-header-added", Level.INFO, Breaks.NONE),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule(name: str) -> None:
    edit, expected = CASES[name]
    assert expected in diff(BASE, changed(edit))


def test_a_document_is_compatible_with_itself() -> None:
    assert diff(BASE, copy.deepcopy(BASE)) == []


def test_renaming_a_path_variable_changes_nothing() -> None:
    assert path_shape("/cases/{id}") == path_shape("/cases/{caseId}")
    assert diff(BASE, changed(_rename_path_variable)) == []


def _deprecated_delete(sunset: str | None) -> dict[str, Any]:
    def edit(d: dict[str, Any]) -> None:
        delete = d["paths"]["/cases/{caseId}"]["delete"]
        delete["deprecated"] = True
        if sunset is not None:
            delete["x-sunset"] = sunset

    return changed(edit)


def _without_delete(d: dict[str, Any]) -> None:
    d["paths"]["/cases/{caseId}"].pop("delete")


@pytest.mark.parametrize(
    ("sunset", "rule", "level"),
    [
        ("2026-08-05", "api-removed-before-sunset", Level.BREAKING),
        ("2026-06-30", "api-removed-with-deprecation", Level.INFO),
        (None, "api-removed-with-deprecation", Level.INFO),
        ("Wed, 05 Aug 2026 00:00:00 GMT", "api-removed-before-sunset", Level.BREAKING),
        ("next spring", "api-path-sunset-parse", Level.BREAKING),
    ],
)
def test_removing_a_deprecated_operation_is_judged_against_its_sunset(
    sunset: str | None, rule: str, level: Level
) -> None:
    old = _deprecated_delete(sunset)
    found = OpenAPIEngine(today=TODAY).diff(
        to_document(old, "old"), to_document(changed(_without_delete), "new"), Policy.LENIENT
    )
    assert [(c.rule, c.level) for c in found] == [(rule, level)]
    assert found[0].details["deprecation"]["deprecated"] is True


def test_the_sunset_may_come_from_a_documented_sunset_header() -> None:
    def edit(d: dict[str, Any]) -> None:
        delete = d["paths"]["/cases/{caseId}"]["delete"]
        delete["deprecated"] = True
        delete["responses"]["200"]["headers"] = {
            "Sunset": {"description": "Removed after Sat, 01 Aug 2026 00:00:00 GMT"}
        }

    found = diff(changed(edit), changed(_without_delete))
    assert found == [("api-removed-before-sunset", Level.BREAKING, Breaks.BOTH)]


def test_moving_a_sunset_earlier_is_breaking() -> None:
    found = diff(_deprecated_delete("2026-09-01"), _deprecated_delete("2026-08-01"))
    assert ("api-sunset-date-changed-too-small", Level.BREAKING, Breaks.BOTH) in found


def test_a_new_response_enum_value_warns_tolerant_readers_and_breaks_strict_ones() -> None:
    new = changed(
        lambda d: get(d)["responses"]["200"]["content"]["application/json"]["schema"]["properties"][
            "status"
        ]["enum"].append("CLOSED")
    )
    tolerant = [r for r in diff(BASE, new) if "enum" in r[0]]
    strict = [r for r in diff(BASE, new, strict_reader=True) if "enum" in r[0]]
    assert [r[1] for r in tolerant] == [Level.WARNING]
    assert [r[1] for r in strict] == [Level.BREAKING]


def test_an_old_credential_still_accepted_is_not_breaking() -> None:
    old = changed(_add("security", [{"oauth": ["cases:read"]}]))
    new = changed(_add("security", [{"oauth": ["cases:read"]}, {"apiKey": []}]))
    assert diff(old, new) == [("api-security-added", Level.INFO, Breaks.NONE)]


def test_a_new_scope_breaks_old_tokens() -> None:
    old = changed(_add("security", [{"oauth": ["cases:read"]}]))
    new = changed(_add("security", [{"oauth": ["cases:read", "cases:admin"]}]))
    assert diff(old, new) == [("api-security-scope-added", Level.BREAKING, Breaks.WRITERS)]


def test_backward_mode_reports_a_removed_operation_as_incompatible() -> None:
    engine = OpenAPIEngine(today=TODAY)
    old, new = to_document(BASE, "old"), to_document(changed(_without_delete), "new")
    assert not check(engine, new, [("1.0.0", old)], Mode.BACKWARD).compatible
    # the other way round the change only adds an operation
    assert check(engine, old, [("1.0.0", new)], Mode.BACKWARD).compatible


SWAGGER = """
swagger: "2.0"
info: {title: t, version: "1"}
basePath: /v1
paths:
  /cases/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, type: string}
        - {name: limit, in: query, type: integer, maximum: 100}
      responses:
        "200":
          description: ok
          schema: {$ref: "#/definitions/Case"}
definitions:
  Case:
    type: object
    properties: {caseId: {type: string}}
"""


def test_swagger_2_is_read_as_openapi_3() -> None:
    engine = ENGINES["openapi"]
    source = Source(SWAGGER, "swagger.yaml")
    assert engine.sniff(source)
    doc = engine.parse(source)
    assert doc.source_version == "2.0"
    response = doc.root["paths"]["/cases/{id}"]["get"]["responses"]["200"]
    assert response["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Case"
    }
    assert engine.diff(doc, doc, Policy.LENIENT) == []


def test_a_swagger_2_and_an_openapi_3_description_of_the_same_api_compare_equal() -> None:
    engine = ENGINES["openapi"]
    old = engine.parse(Source(SWAGGER, "swagger.yaml"))
    new = engine.parse(Source(SWAGGER.replace("maximum: 100", "maximum: 50"), "swagger.yaml"))
    rules = [c.rule for c in engine.diff(old, new, Policy.LENIENT)]
    assert rules == ["request-parameter-max-decreased"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("openapi: 3.0.0\npaths: [\n", "invalid YAML"),
        ('{"openapi": "3.0.0", ', "invalid JSON"),
        ("- 1\n- 2\n", "must be an object"),
        ("info: {}\n", "no `openapi: 3.x`"),
    ],
)
def test_bad_documents_get_a_message_saying_where(text: str, message: str) -> None:
    with pytest.raises(ParseError) as raised:
        OpenAPIEngine().parse(Source(text, "api.json" if text.startswith("{") else "api.yaml"))
    assert message in raised.value.message
    assert raised.value.where is not None and "api." in raised.value.where


def test_a_dangling_reference_is_reported_as_bad_input() -> None:
    old = api({"/a": {"get": op(responses={"200": {"$ref": "#/components/responses/Nope"}})}})
    with pytest.raises(ParseError, match="points at nothing"):
        diff(old, old)


def test_every_rule_the_engine_reports_is_in_the_catalogue() -> None:
    from unlockstep.core.compat._rules import RULES

    for name in CASES:
        assert CASES[name][1][0] in RULES, name


def test_a_reference_cycle_between_path_items_is_bad_input() -> None:
    looped = api(
        {"/a": {"$ref": "#/paths/~1b"}, "/b": {"$ref": "#/paths/~1a"}},
    )
    with pytest.raises(ParseError, match="refers to itself"):
        diff(looped, looped)


def test_a_recursive_schema_compares_without_end() -> None:
    node = {
        "type": "object",
        "properties": {"children": {"type": "array", "items": {"$ref": "#/components/schemas/N"}}},
    }
    old = api(
        {"/n": {"get": op(responses={"200": json_response({"$ref": "#/components/schemas/N"})})}},
        components={"schemas": {"N": node}},
    )
    new = copy.deepcopy(old)
    new["components"]["schemas"]["N"]["properties"]["name"] = {"type": "string"}
    assert all(level is not Level.BREAKING for _, level, _ in diff(old, new))
    assert diff(old, copy.deepcopy(old)) == []


def _one_of_response(*branches: Any) -> Any:
    def edit(d: dict[str, Any]) -> None:
        get(d)["responses"]["200"] = json_response({"oneOf": list(branches)})

    return edit


def test_a_branch_list_change_that_hurts_nobody_is_information() -> None:
    anything = {"type": "object"}
    narrow = {"type": "object", "properties": {"a": {"type": "string"}}}
    old = changed(_one_of_response(anything))
    new = changed(_one_of_response(anything, narrow))
    assert diff(old, new) == [("response-body-one-of-added", Level.INFO, Breaks.NONE)]


def test_a_branch_list_change_the_engine_judges_is_reported_once_with_its_judgement() -> None:
    old = changed(_one_of_response({"type": "string"}))
    new = changed(_one_of_response({"type": "string"}, {"type": "integer"}))
    found = [rule for rule, _, _ in diff(old, new)]
    assert found.count("response-body-one-of-added") == 1
    assert ("response-body-one-of-added", Level.INFO, Breaks.NONE) not in diff(old, new)
