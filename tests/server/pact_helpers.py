"""Pact files and requests shared by the Pact Broker API tests."""

from __future__ import annotations

import base64
import json
from typing import Any


def http_pact(consumer: str, provider: str, fields: list[str], spec: str = "3.0.0") -> Any:
    """A Pact (spec ``spec``) whose consumer reads ``fields`` of ``GET /cases/1``."""
    return {
        "consumer": {"name": consumer},
        "provider": {"name": provider},
        "interactions": [
            {
                "description": "a case",
                "providerStates": [{"name": "case 1 exists"}],
                "request": {"method": "GET", "path": "/cases/1"},
                "response": {
                    "status": 200,
                    "headers": {"Content-Type": "application/json"},
                    "body": {field: "x" for field in fields},
                },
            }
        ],
        "metadata": {"pactSpecification": {"version": spec}},
    }


def publish_body(
    consumer: str,
    version: str,
    pacts: list[Any],
    branch: str | None = "main",
    tags: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "pacticipantName": consumer,
        "pacticipantVersionNumber": version,
        "branch": branch,
        "tags": tags or [],
        "contracts": [
            {
                "consumerName": consumer,
                "providerName": pact["provider"]["name"],
                "specification": "pact",
                "contentType": "application/json",
                "content": base64.b64encode(json.dumps(pact).encode()).decode(),
            }
            for pact in pacts
        ],
    }
