"""The JSON Schema type of a decoded JSON value: the one ``json_type``."""

from __future__ import annotations

from typing import Any


def json_type(value: Any) -> str:
    """The JSON Schema type name of a decoded JSON value, as JSON Schema counts them: a
    number with a zero fractional part is an ``integer`` (``1.0`` is an integer), any other
    number is a ``number``; ``True`` is a ``boolean``, never an integer."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
