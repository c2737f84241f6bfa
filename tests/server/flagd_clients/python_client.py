"""A real flagd in-process provider (PyPI ``openfeature-provider-flagd``), driven by a test.

    python python_client.py HOST PORT SELECTOR

Prints ``{"ready": true}`` once the provider has its first configuration, then answers each
line of stdin (``{"cases": [[key, kind, default, targetingKey, attributes], …]}``) with one
line: every evaluation's value, variant, reason and error code, and the provider events seen.

It runs in its own process: the provider registers flagd's sync descriptor under the same
message names as unlockstep's server module, which one process's descriptor pool refuses.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from openfeature import api
from openfeature.contrib.provider.flagd import FlagdProvider
from openfeature.contrib.provider.flagd.config import ResolverType
from openfeature.evaluation_context import EvaluationContext
from openfeature.event import EventDetails, ProviderEvent

KINDS = {
    "boolean": "get_boolean_details",
    "string": "get_string_details",
    "integer": "get_integer_details",
    "float": "get_float_details",
    "object": "get_object_details",
}


def main() -> None:
    host, port, selector = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    events: list[str] = []
    for event in (
        ProviderEvent.PROVIDER_READY,
        ProviderEvent.PROVIDER_CONFIGURATION_CHANGED,
        ProviderEvent.PROVIDER_STALE,
        ProviderEvent.PROVIDER_ERROR,
    ):

        def note(_: EventDetails, name: str = event.value) -> None:
            events.append(name)

        api.add_handler(event, note)
    provider = FlagdProvider(
        resolver_type=ResolverType.IN_PROCESS,
        host=host,
        port=port,
        selector=selector,
        provider_id="python-flagd-test",
        deadline_ms=10_000,
        retry_backoff_ms=100,
        retry_backoff_max_ms=500,
        retry_grace_period=30,
    )
    api.set_provider_and_wait(provider)
    client = api.get_client()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        results: list[dict[str, Any]] = []
        for key, kind, default, targeting_key, attributes in command["cases"]:
            context = EvaluationContext(targeting_key, attributes)
            details = getattr(client, KINDS[kind])(key, default, context)
            results.append(
                {
                    "value": details.value,
                    "variant": details.variant,
                    "reason": str(details.reason) if details.reason else None,
                    "error": details.error_code.value if details.error_code else None,
                }
            )
        print(json.dumps({"results": results, "events": events}), flush=True)
    api.shutdown()


if __name__ == "__main__":
    main()
