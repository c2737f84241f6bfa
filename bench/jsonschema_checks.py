"""JSON Schema compatibility checks per second on typical event schemas.

Generates event schemas of 20-50 properties (strings with formats and lengths, enums,
numbers with bounds, a nested object, an array of objects, a shared ``$ref`` definition) and
for each a next version with one to three typical edits (optional property added, enum value
added, a bound changed, a property removed or made required). Prints:

- checks/s for ``compare_schemas`` on parsed documents (the registry's hot path),
- checks/s for a full BACKWARD ``check`` of parsed documents through the engine,
- documents parsed + checked per second from JSON text.

Each figure is given per wall-clock second and per CPU second of this process (the latter
is what the code costs when the machine is shared). Run:
``python bench/jsonschema_checks.py [pairs]``. Target: at least 20,000 checks/s.
"""

from __future__ import annotations

import copy
import json
import random
import sys
import time
from typing import Any

from unlockstep.core import jsonschema
from unlockstep.core.compat import Mode, Policy, Source, check
from unlockstep.core.documents import Resolver, load_document
from unlockstep.core.jsonschema import SchemaDocument, compare_schemas


def _now() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _rate(label: str, count: int, start: tuple[float, float], extra: str = "") -> None:
    wall, cpu = (a - b for a, b in zip(_now(), start, strict=True))
    print(f"{label:<24} {count / wall:10,.0f} checks/s wall, {count / cpu:10,.0f} per CPU s{extra}")


def event_schema(rng: random.Random) -> dict[str, Any]:
    props: dict[str, Any] = {
        "eventId": {"type": "string", "format": "uuid"},
        "occurredAt": {"type": "string", "format": "date-time"},
        "actor": {"$ref": "#/$defs/Actor"},
    }
    for i in range(rng.randint(17, 45)):
        kind = rng.choice(["string", "enum", "integer", "number", "boolean", "array", "object"])
        name = f"field{i}"
        if kind == "string":
            props[name] = {"type": "string", "maxLength": rng.choice([20, 64, 255])}
        elif kind == "enum":
            props[name] = {"type": "string", "enum": [f"v{j}" for j in range(rng.randint(2, 6))]}
        elif kind in ("integer", "number"):
            props[name] = {"type": kind, "minimum": 0, "maximum": rng.choice([10, 100, 10_000])}
        elif kind == "boolean":
            props[name] = {"type": "boolean", "default": False}
        elif kind == "array":
            props[name] = {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"id": {"type": "string"}, "qty": {"type": "integer"}},
                    "required": ["id"],
                },
            }
        else:
            props[name] = {
                "type": "object",
                "properties": {"street": {"type": "string"}, "city": {"type": "string"}},
                "additionalProperties": False,
            }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "CaseEscalated",
        "type": "object",
        "properties": props,
        "required": [n for n in props if rng.random() < 0.4],
        "additionalProperties": False,
        "$defs": {
            "Actor": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "role": {"enum": ["agent", "system"]}},
                "required": ["id"],
            }
        },
    }


def next_version(schema: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    new = copy.deepcopy(schema)
    props = new["properties"]
    for _ in range(rng.randint(1, 3)):
        edit = rng.randrange(5)
        name = rng.choice(sorted(props))
        if edit == 0:
            props[f"added{rng.randrange(1000)}"] = {"type": "string"}
        elif edit == 1 and "enum" in props[name]:
            props[name]["enum"].append("new")
        elif edit == 2 and "maximum" in props[name]:
            props[name]["maximum"] *= 2
        elif edit == 3:
            del props[name]
            new["required"] = [r for r in new["required"] if r != name]
        elif name not in new["required"]:
            new["required"].append(name)
    return new


def main() -> None:
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    rng = random.Random(7)
    texts = []
    for _ in range(pairs):
        old = event_schema(rng)
        texts.append((json.dumps(old), json.dumps(next_version(old, rng))))
    engine = jsonschema.ENGINE
    parsed = [
        (engine.parse(Source(a, "old.json")), engine.parse(Source(b, "new.json"))) for a, b in texts
    ]
    sizes = [len(json.loads(a)["properties"]) for a, _ in texts]
    print(f"{pairs} schema pairs, {min(sizes)}-{max(sizes)} properties each")

    rounds = 10
    start = _now()
    for _ in range(rounds):
        for old, new in parsed:
            compare_schemas(
                old.document.data,
                new.document.data,
                old_resolver=Resolver(old.document),
                new_resolver=Resolver(new.document),
            )
    _rate("compare_schemas:", rounds * pairs, start)

    start = _now()
    breaking = 0
    for _ in range(rounds):
        for old, new in parsed:
            # fresh resolvers: no comparison context cached from an earlier round
            report = check(
                engine,
                SchemaDocument(new.document, Resolver(new.document)),
                [("1", SchemaDocument(old.document, Resolver(old.document)))],
                Mode.BACKWARD,
                Policy.LENIENT,
            )
            breaking += not report.compatible
    _rate("check (BACKWARD):", rounds * pairs, start, f"  ({breaking // rounds}/{pairs} breaking)")

    start = _now()
    for a, b in texts:
        old_doc = load_document(Source(a, "old.json"))
        new_doc = load_document(Source(b, "new.json"))
        compare_schemas(
            old_doc.data,
            new_doc.data,
            old_resolver=Resolver(old_doc),
            new_resolver=Resolver(new_doc),
        )
    _rate("parse both + compare:", pairs, start)


if __name__ == "__main__":
    main()
