"""Loading the demo estate (``examples/estate/``) into a running server, through its API —
the same path a user's CI takes. Each area adds a step to ``STEPS``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from unlockstep.cli.client import Client
from unlockstep.files import read_document, read_text

Step = Callable[[Path, Client], str | None]


def _catalog(estate: Path, client: Client) -> str | None:
    from unlockstep.cli.catalog import read_descriptor

    files = sorted((estate / "catalog").glob("*.yaml"))
    locations, entities = [], []
    for path in files:
        location, found, _, _ = read_descriptor(path)
        locations.append(location)
        entities.extend(found)
    result: dict[str, Any] = client.post(
        "/api/v1/catalog/import", {"locations": locations, "entities": entities}
    )
    services = sum(1 for e in entities if e["kind"] == "service")
    teams = sum(1 for e in entities if e["kind"] == "team")
    return (
        f"catalog: {services} services, {teams} teams ({len(result['created'])} entities created)"
    )


def _deployments(estate: Path, client: Client) -> str | None:
    path = estate / "deployments.yaml"
    if not path.exists():
        return None
    data = read_document(path).data or {}
    for env in data.get("environments", []):
        client.put(
            f"/api/v1/environments/{env['name']}",
            {"production": env.get("production", False), "description": env.get("description")},
        )
    count = 0
    for item in data.get("deployments", []):
        client.post("/api/v1/deployments", item)
        count += 1
    for item in data.get("releases", []):
        client.post("/api/v1/releases", item)
        count += 1
    return f"environments: {len(data.get('environments', []))}, live versions: {count}"


def _flags(estate: Path, client: Client) -> str | None:
    files = sorted((estate / "flags").glob("*.flagd.json"))
    environments = [e["name"] for e in client.get("/api/v1/environments")["items"]]
    count = 0
    for path in files:
        document = read_document(path).data
        for env in environments:
            client.put(
                f"/api/v1/environments/{env}/flagset",
                {"document": document, "reason": "demo estate"},
            )
        count += len(document.get("flags", {}))
    return f"flags: {count} in {len(environments)} environments" if files else None


def _expectations(estate: Path, client: Client) -> str | None:
    """case-service's contracts as 1.4.0 serves them (unless already published), then what
    each live consumer version uses of them."""
    folder = estate / "expectations"
    index = folder / "index.yaml"
    if not index.exists():
        return None
    data = read_document(index).data or {}
    for item in data.get("contracts", []):
        path = (folder / item["file"]).resolve()
        client.request(
            "PUT",
            f"/api/v1/services/{item['service']}/contracts/{item['name']}/versions/"
            f"{item['version']}",
            json={"content": read_text(path), "filename": path.name},
            ok=(409,),  # already published by the contracts step with its own content
        )
    failed = 0
    for item in data.get("expectations", []):
        document = read_document(folder / item["file"]).data
        body = {k: item[k] for k in ("consumer", "version", "provider", "contract")}
        result = client.post("/api/v1/expectations", {**body, "document": document})
        failed += sum(1 for v in result["verifications"] if v["status"] != "verified")
    count = len(data.get("expectations", []))
    return f"expectations: {count} published ({failed} failing verification)"


def _plans(estate: Path, client: Client) -> str | None:
    """The seed's release plans, submitted as a team's CI would (the lockstepped one too)."""
    from unlockstep.cli.plans import submission

    files = sorted((estate / "plans").glob("*.yaml"))
    failing = []
    for path in files:
        result = client.post("/api/v1/plans", submission(str(path)))
        if not result["check"]["ok"]:
            failing.append(result["plan"]["change"])
    rejected = f" ({len(failing)} fail their check today: {', '.join(failing)})" if failing else ""
    return f"release plans: {len(files)} submitted{rejected}"


STEPS: list[Step] = [_catalog, _deployments, _flags, _expectations, _plans]


def load_estate(
    estate: Path,
    url: str,
    *,
    http: httpx.Client | None = None,
    steps: Sequence[Step] = STEPS,
) -> str:
    client = Client(url, http=http)
    lines = [line for step in steps if (line := step(estate, client))]
    return "loaded " + "; ".join(lines)
