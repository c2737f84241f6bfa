"""What the typed wire costs on the hot answer: a can-i-deploy decision turned into its JSON
body, as a plain ``to_dict`` + ``json.dumps`` (before the typed wire) and through the
``Decision`` model (validated once, dumped by Pydantic).

    python bench/wire.py [--integrations 25] [--repeats 2000]

Each integration carries three counterpart versions with one piece of evidence each (a
service consumed by and consuming a few others, every live version).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from unlockstep.core.contracts import Counterpart, Evidence, Integration, Subject, decide
from unlockstep.server.wire_expectations import Decision


def decision(integrations: int) -> dict[str, object]:
    evidence = (Evidence("verified", "static", "2026-07-01T10:00:00+00:00"),)
    subject = Subject(
        "case-service",
        "1.5.0",
        tuple(
            Integration(
                "provider" if i % 2 else "consumer",
                f"consumer-{i}" if i % 2 else "case-service",
                "case-service" if i % 2 else f"provider-{i}",
                f"contract-{i}",
                tuple(
                    Counterpart(f"1.{n}.0", "deployed in production", evidence) for n in range(3)
                ),
            )
            for i in range(integrations)
        ),
    )
    body = decide([subject], "production").to_dict()
    body["subjects"] = [{"service": "case-service", "version": "1.5.0"}]
    return body


def timed(run: Callable[[], object], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--integrations", type=int, default=25)
    parser.add_argument("--repeats", type=int, default=2000)
    args = parser.parse_args()
    body = decision(args.integrations)
    plain = timed(lambda: json.dumps(body).encode(), args.repeats)
    typed = timed(lambda: Decision.model_validate(body).model_dump_json(), args.repeats)
    size = len(json.dumps(body))
    print(
        f"can-i-deploy body, {args.integrations} integrations ({size:,} bytes): "
        f"plain dict + json.dumps {plain:7.1f} µs; Decision model validate + dump "
        f"{typed:7.1f} µs (+{typed - plain:.1f} µs per answer)"
    )


if __name__ == "__main__":
    main()
