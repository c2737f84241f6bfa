"""JSON Schema compatibility checks per second on typical event schemas.

Generates event schemas of 20-50 properties (strings with formats and lengths, enums,
numbers with bounds, a nested object, an array of objects, a shared ``$ref`` definition) and
for each a next version with one to three typical edits (optional property added, enum value
added, a bound changed, a property removed or made required). Prints:

- **check, just-loaded documents** (the figure the target is about): a full BACKWARD
  ``check`` through the engine, as the registry runs one: both documents freshly loaded (no
  per-document memo from an earlier check; the young generation the copy filled is
  collected before the clock starts, as that cost is the loader's), timed from the call to
  the verdict; each pair's best of nine rounds, summed (the best whole round is printed
  too);
- the same for ``compare_schemas`` alone (what OpenAPI and AsyncAPI embed);
- round-robin: every pair checked again and again from memory, ten rounds with fresh
  resolvers (per-document memos warm, but most data no longer in the CPU's cache);
- documents parsed from JSON text + checked, end to end.

Each timed figure is a best of several rounds (the machine is shared: its load average is
printed). Run: ``python bench/jsonschema_checks.py [pairs]``. Target: at least 20,000
checks/s.
"""

from __future__ import annotations

import copy
import gc
import json
import os
import random
import sys
import time
from typing import Any

from unlockstep.core.compat._model import Mode, Policy, Source, check
from unlockstep.core.documents._load import Document, Resolver, load_document
from unlockstep.core.jsonschema import _engine as jsonschema
from unlockstep.core.jsonschema._engine import SchemaDocument, compare_schemas


def _now() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _rate(label: str, count: int, start: tuple[float, float]) -> None:
    wall, cpu = (a - b for a, b in zip(_now(), start, strict=True))
    print(
        f"{label:<32} {count / wall:10,.0f} checks/s wall ({wall / count * 1e6:5.1f} µs),"
        f" {count / cpu:10,.0f} per CPU s"
    )


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


def fresh(document: Document) -> Document:
    """The same document as if just loaded: a new copy of its data, no memo from a check."""
    return Document(
        data=copy.deepcopy(document.data),
        source=document.source,
        syntax=document.syntax,
        refs=document.refs,
    )


def just_loaded(label: str, pairs: list[tuple[Document, Document]], run: Any) -> None:
    """``run(old, new)`` on fresh copies of every pair, nine rounds, timing the calls only.

    Prints the sum over the pairs of each pair's best time (as ``timeit`` advises: on a shared
    machine, noise only ever adds time), and the best whole round beside it."""
    rounds = 9
    best = [float("inf")] * len(pairs)
    best_cpu = [float("inf")] * len(pairs)
    best_round = float("inf")
    for _ in range(rounds):
        this_round = 0.0
        for i, (old, new) in enumerate(pairs):
            a, b = fresh(old), fresh(new)
            gc.collect(0)  # the copy's garbage-collection debt is the loader's, not the check's
            w, c = _now()
            run(a, b)
            w2, c2 = _now()
            best[i], best_cpu[i] = min(best[i], w2 - w), min(best_cpu[i], c2 - c)
            this_round += w2 - w
        best_round = min(best_round, this_round)
    n, wall, cpu = len(pairs), sum(best), sum(best_cpu)
    print(
        f"{label:<32} {n / wall:10,.0f} checks/s wall ({wall / n * 1e6:5.1f} µs),"
        f" {n / cpu:10,.0f} per CPU s; best whole round {n / best_round:,.0f}/s"
    )


def _check(engine: Any, old: Document, new: Document) -> bool:
    report = check(
        engine,
        SchemaDocument(new, Resolver(new)),
        [("1", SchemaDocument(old, Resolver(old)))],
        Mode.BACKWARD,
        Policy.LENIENT,
    )
    return report.compatible


def main() -> None:
    pairs = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    rng = random.Random(7)
    texts = []
    for _ in range(pairs):
        old = event_schema(rng)
        texts.append((json.dumps(old), json.dumps(next_version(old, rng))))
    engine = jsonschema.ENGINE
    loaded = [
        (load_document(Source(a, "old.json")), load_document(Source(b, "new.json")))
        for a, b in texts
    ]
    sizes = [len(json.loads(a)["properties"]) for a, _ in texts]
    breaking = sum(not _check(engine, fresh(a), fresh(b)) for a, b in loaded)  # also warms up
    print(f"{pairs} schema pairs, {min(sizes)}-{max(sizes)} properties each, {breaking} breaking")
    with open("/proc/loadavg", encoding="ascii") as f:
        print(f"load average {f.read().split()[0]} on {os.cpu_count()} CPUs")

    just_loaded("check, just-loaded documents:", loaded, lambda a, b: _check(engine, a, b))
    just_loaded(
        "compare_schemas, just-loaded:",
        loaded,
        lambda a, b: compare_schemas(
            a.data, b.data, old_resolver=Resolver(a), new_resolver=Resolver(b)
        ),
    )

    rounds = 10
    start = _now()
    for _ in range(rounds):
        for old, new in loaded:
            _check(engine, old, new)  # fresh resolvers: no comparison context kept
    _rate("check, round-robin:", rounds * pairs, start)

    start = _now()
    for a, b in texts:
        _check(engine, load_document(Source(a, "old.json")), load_document(Source(b, "new.json")))
    _rate("parse both + check:", pairs, start)


if __name__ == "__main__":
    main()
