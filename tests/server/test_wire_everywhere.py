"""The typed wire over the whole API: every operation in ``/openapi.json`` declares the body it
answers with, and every property on the wire is camelCase (the per-area tests check details)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _declares_a_body(op: dict[str, Any]) -> bool:
    for code, response in op.get("responses", {}).items():
        if code == "204" or code == "304":
            return True
        if code.startswith("2") and any(
            media.get("schema") not in (None, {}) for media in response.get("content", {}).values()
        ):
            return True
    return False


def test_every_operation_declares_the_body_it_answers_with(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    operations = _operations(spec)
    assert len(operations) > 40
    untyped = [f"{method} {path}" for method, path, op in operations if not _declares_a_body(op)]
    assert not untyped, "operations without a response model:\n" + "\n".join(untyped)


def test_every_property_on_the_wire_is_camel_case(api: TestClient) -> None:
    schemas = api.get("/openapi.json").json()["components"]["schemas"]
    assert schemas
    snake = sorted(
        f"{name}.{prop}"
        for name, schema in schemas.items()
        if not name.startswith("Confluent")  # the schema-registry protocol spells its own names
        for prop in schema.get("properties") or {}
        if "_" in prop.strip("_")
    )
    assert not snake, "snake_case on the wire: " + ", ".join(snake)
