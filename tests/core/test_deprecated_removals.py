"""Removing a deprecated element is judged the same way wherever it sits (issue 20).

Before its sunset the removal is a finding; after its sunset (or with none announced) it is
information (``…-removed-with-deprecation``): whether anyone still reads it is can-i-deploy's
question and the usage data's, not the rule's. Paths and parameters were judged so; response
and request properties, response headers and message payload properties were breaking.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
import yaml

from unlockstep.core.compat import Breaks, Change, Level, Policy, Source
from unlockstep.core.openapi import AsyncAPIEngine, OpenAPIEngine

TODAY = date(2026, 7, 1)
PAST, FUTURE = "2026-01-01", "2027-01-01"


def _gone(sunset: str) -> dict[str, Any]:
    return {"type": "string", "deprecated": True, "x-sunset": sunset}


def _body(extra: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "object", "properties": {"id": {"type": "string"}, **extra}}
    return {"content": {"application/json": {"schema": schema}}}


def _api(sunset: str | None, *, version: str = "3.1.0") -> dict[str, Any]:
    """A document with one deprecated element of every kind (``None``: without them)."""
    gone = {} if sunset is None else {"old": _gone(sunset)}
    headers = {} if sunset is None else {"X-Old": {"deprecated": True, "x-sunset": sunset}}
    ref = {} if sunset is None else {"ref": {"$ref": "#/components/schemas/Id", "deprecated": True}}
    get: dict[str, Any] = {
        "responses": {"200": {"description": "ok", "headers": headers, **_body({**gone, **ref})}}
    }
    if sunset is not None:
        get["parameters"] = [
            {"name": "q", "in": "query", "deprecated": True, "x-sunset": sunset, "schema": {}}
        ]
    paths: dict[str, Any] = {
        "/a": {"get": get, "post": {"requestBody": _body(gone), "responses": {"200": {}}}}
    }
    if sunset is not None:
        paths["/b"] = {"get": {"deprecated": True, "x-sunset": sunset, "responses": {"200": {}}}}
    return {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "paths": paths,
        "components": {"schemas": {"Id": {"type": "string"}}},
    }


def _openapi(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    engine = OpenAPIEngine(today=TODAY)
    parsed = [
        engine.parse(Source(yaml.safe_dump(d), f"{n}.yaml")) for n, d in (("o", old), ("n", new))
    ]
    return engine.diff(parsed[0], parsed[1], Policy.LENIENT)


OPENAPI_REMOVALS = {
    "path": "api-path-removed-with-deprecation",
    "parameter": "request-parameter-removed-with-deprecation",
    "response property": "response-property-removed-with-deprecation",
    "request property": "request-property-removed-with-deprecation",
    "response header": "response-header-removed-with-deprecation",
}


@pytest.mark.parametrize("element", sorted(OPENAPI_REMOVALS))
def test_removing_a_deprecated_element_after_its_sunset_is_information(element: str) -> None:
    found = _openapi(_api(PAST), _api(None))
    rule = OPENAPI_REMOVALS[element]
    hits = [c for c in found if c.rule == rule]
    assert hits, f"{rule} not reported: {[c.rule for c in found]}"
    assert all(c.level is Level.INFO and c.breaks is Breaks.NONE for c in hits)
    assert "breaks" not in " ".join(c.message for c in hits)


def test_after_the_sunset_nothing_deprecated_is_left_breaking_or_warned() -> None:
    found = _openapi(_api(PAST), _api(None))
    assert [c.rule for c in found if c.level is not Level.INFO] == []


def test_a_deprecation_beside_a_ref_counts_for_the_removal() -> None:
    found = _openapi(_api(PAST), _api(None))
    (ref,) = [c for c in found if c.location.pointer.endswith("/properties/ref")]
    assert ref.rule == "response-property-removed-with-deprecation"


def test_before_the_sunset_a_removed_property_is_still_breaking_and_says_until_when() -> None:
    future = copy.deepcopy(_api(FUTURE))
    found = _openapi(future, _api(None))
    (prop,) = [
        c
        for c in found
        if c.rule == "response-optional-property-removed"
        and c.location.pointer.endswith("/properties/old")
    ]
    assert prop.level is Level.BREAKING
    assert f"before its sunset date {FUTURE}" in prop.message
    assert FUTURE in prop.suggestion
    early = [c for c in found if c.rule.endswith("-with-deprecation")]
    # only the property deprecated without a sunset date may go at once
    assert [c.location.pointer.rsplit("/", 1)[-1] for c in early] == ["ref"]


def test_an_undeprecated_property_is_judged_as_before() -> None:
    old = _api(None)
    response = {"description": "ok", **_body({"x": {"type": "string"}})}
    old["paths"]["/a"]["get"]["responses"]["200"] = response
    (change,) = _openapi(old, _api(None))
    assert (change.rule, change.level) == ("response-optional-property-removed", Level.BREAKING)


def _event(reason: dict[str, Any] | None) -> str:
    props: dict[str, Any] = {"id": {"type": "string"}}
    if reason is not None:
        props["reason"] = reason
    message = {"payload": {"type": "object", "properties": props}}
    return yaml.safe_dump(
        {
            "asyncapi": "3.0.0",
            "info": {"title": "t", "version": "1"},
            "channels": {"c": {"address": "cases", "messages": {"Evt": message}}},
            "operations": {
                "op": {
                    "action": "send",
                    "channel": {"$ref": "#/channels/c"},
                    "messages": [{"$ref": "#/channels/c/messages/Evt"}],
                }
            },
        }
    )


@pytest.mark.parametrize(
    ("sunset", "rule", "level"),
    [
        (PAST, "message-payload-property-removed-with-deprecation", Level.INFO),
        (FUTURE, "message-payload-property-removed", Level.BREAKING),
    ],
)
def test_a_sent_events_deprecated_property_follows_the_same_rule(
    sunset: str, rule: str, level: Level
) -> None:
    engine = AsyncAPIEngine(today=TODAY)
    old, new = engine.parse(Source(_event(_gone(sunset)))), engine.parse(Source(_event(None)))
    (change,) = engine.diff(old, new, Policy.LENIENT)
    assert (change.rule, change.level) == (rule, level)
