"""Avro and Protobuf compatibility checks per second on typical event schemas.

Run: ``python bench/avro_protobuf.py``. Generates 200 schema pairs per format (20–30 fields,
a nested record/message, an enum, a union/oneof, arrays/maps; the new side adds, promotes,
removes and renames a few things), parses every document once, then times ``diff`` over the
pairs repeatedly. Prints pairs/s for each format and the parse cost separately.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

from unlockstep.core.avro import _engine as avro
from unlockstep.core.avro._schema import parse_text as parse_avro
from unlockstep.core.compat._model import Policy
from unlockstep.core.protobuf import _engine as protobuf
from unlockstep.core.protobuf._parser import parse_text as parse_proto

PAIRS = 200
TARGET_SECONDS = 2.0


def avro_pair(rng: random.Random) -> tuple[str, str]:
    prims = ["int", "long", "string", "double", "boolean", "bytes"]
    fields: list[dict[str, Any]] = [
        {"name": f"f{i}", "type": rng.choice(prims)} for i in range(rng.randint(20, 30))
    ]
    fields.append(
        {
            "name": "status",
            "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "OPEN", "CLOSED"]},
        }
    )
    fields.append(
        {
            "name": "address",
            "type": {
                "type": "record",
                "name": "Address",
                "fields": [
                    {"name": "street", "type": "string"},
                    {"name": "zip", "type": ["null", "string"], "default": None},
                ],
            },
        }
    )
    fields.append({"name": "tags", "type": {"type": "array", "items": "string"}})
    fields.append({"name": "attrs", "type": {"type": "map", "values": "long"}})
    fields.append({"name": "note", "type": ["null", "string"], "default": None})
    old = {"type": "record", "name": "OrderPlaced", "namespace": "shop.events", "fields": fields}
    new = json.loads(json.dumps(old))
    ints = [f for f in new["fields"] if f["type"] == "int"]
    if ints:
        rng.choice(ints)["type"] = "long"
    new["fields"].append({"name": "channel", "type": ["null", "string"], "default": None})
    new["fields"][-3]["type"]["values"] = "double"
    if rng.random() < 0.5:
        new["fields"].append({"name": "risk", "type": "string"})
    if rng.random() < 0.5:
        new["fields"][-6 if len(new["fields"]) > 6 else 0]["type"]["symbols"] = ["NEW", "OPEN"]
    del new["fields"][rng.randrange(5)]
    return json.dumps(old), json.dumps(new)


def proto_pair(rng: random.Random) -> tuple[str, str]:
    scalars = ["int32", "int64", "string", "bool", "double", "bytes", "uint32", "fixed64"]
    n = rng.randint(20, 30)
    types = [rng.choice(scalars) for _ in range(n)]

    def render(types: list[str], extra: str, status: str, removed: int | None) -> str:
        lines = [
            f"  {'repeated ' if i % 7 == 0 else ''}{t} field_{i} = {i + 1};"
            for i, t in enumerate(types)
            if i != removed
        ]
        return (
            'syntax = "proto3";\npackage shop.events.v1;\n'
            f"enum Status {{ STATUS_UNSPECIFIED = 0; {status} }}\n"
            "message Address { string street = 1; optional string zip = 2; }\n"
            "message OrderPlaced {\n" + "\n".join(lines) + "\n"
            f"  Address address = 100;\n  Status status = 101;\n"
            f"  map<string, int64> attrs = 102;\n"
            f"  oneof payment {{ string card = 103; string iban = 104; }}\n{extra}}}\n"
            "service Orders { rpc Place(OrderPlaced) returns (Address); }\n"
        )

    old = render(types, "", "STATUS_OPEN = 1; STATUS_CLOSED = 2;", None)
    new_types = list(types)
    new_types[rng.randrange(n)] = "int64"
    removed = rng.randrange(n) if rng.random() < 0.5 else None
    new = render(new_types, "  string channel = 105;\n", "STATUS_OPEN = 1;", removed)
    return old, new


def measure(label: str, run: Callable[[], int]) -> float:
    """Items per second of CPU time (one core); wall-clock in brackets, which other load on
    the machine inflates."""
    run()  # warm up
    count, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.process_time() - cpu < TARGET_SECONDS:
        count += run()
    cpu_rate = count / (time.process_time() - cpu)
    wall_rate = count / (time.perf_counter() - start)
    each = 1e6 / cpu_rate
    print(f"  {label:<42} {cpu_rate:>9,.0f} /s  ({each:,.1f} µs each; wall {wall_rate:,.0f} /s)")
    return cpu_rate


def main() -> None:
    rng = random.Random(4)
    avro_texts = [avro_pair(rng) for _ in range(PAIRS)]
    proto_texts = [proto_pair(rng) for _ in range(PAIRS)]

    print(f"Avro: {PAIRS} pairs of ~{len(avro_texts[0][0]):,}-byte schemas")
    measure(
        "parse (documents)", lambda: sum(len([parse_avro(a), parse_avro(b)]) for a, b in avro_texts)
    )
    avro_docs = [(parse_avro(a), parse_avro(b)) for a, b in avro_texts]
    measure(
        "diff (pairs, full change list)",
        lambda: sum(1 for old, new in avro_docs if avro.diff(old, new, Policy.LENIENT) is not None),
    )
    measure(
        "verdict only (pairs, avro.compatible)",
        lambda: sum(1 for old, new in avro_docs if avro.compatible(new, old) in (True, False)),
    )

    print(f"Protobuf: {PAIRS} pairs of ~{len(proto_texts[0][0]):,}-byte files")
    measure(
        "parse (documents)",
        lambda: sum(
            len([parse_proto(a, "a.proto"), parse_proto(b, "a.proto")]) for a, b in proto_texts
        ),
    )
    proto_docs = [(parse_proto(a, "a.proto"), parse_proto(b, "a.proto")) for a, b in proto_texts]
    measure(
        "diff (pairs, WIRE_JSON)",
        lambda: sum(
            1
            for old, new in proto_docs
            if protobuf.diff(old, new, protobuf.Category.WIRE_JSON) is not None
        ),
    )


if __name__ == "__main__":
    main()
