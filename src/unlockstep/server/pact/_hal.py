"""HAL+JSON for the Pact Broker API: absolute links from the request's own host, the
resource shapes several routes share, and request bodies read whatever JSON media type the
client names (``application/json``, ``application/merge-patch+json``…).

Shapes follow what the official clients read (``docs/pact-broker.md``): fields that may be
empty are left out rather than sent as ``null`` where a client would choke on ``null``.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from unlockstep.core import broker as handles
from unlockstep.errors import InvalidInput
from unlockstep.services.broker import EnvironmentView, Pacticipant, VersionView
from unlockstep.store.broker import LiveRecord

HAL = "application/hal+json"
M = TypeVar("M", bound=BaseModel)


def base(request: Request) -> str:
    """The API's absolute base URL (``…/pact``) as the client reached it."""
    return str(request.base_url).rstrip("/") + "/pact"


@lru_cache(maxsize=8192)
def seg(value: str) -> str:
    """One path segment, escaped (remembered: the same names and numbers come back in
    every link of an answer, and in answer after answer)."""
    return quote(value, safe="")


def link(href: str, **extra: Any) -> dict[str, Any]:
    return {"href": href, **{k: v for k, v in extra.items() if v is not None}}


def hal(body: dict[str, Any], status_code: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status_code, media_type=HAL)


def when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


async def read_body(request: Request, model: type[M]) -> M:
    """The request's JSON body as ``model`` (422 with where and why when it is not)."""
    raw = await request.body()
    try:
        data = json.loads(raw or b"{}")
    except ValueError as exc:
        raise InvalidInput(f"the body is not JSON: {exc}", where="body") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(str(p) for p in first.get("loc", ())) or "body"
        raise InvalidInput(f"{where}: {first.get('msg')}", where=where) from None


# -- shared resources --------------------------------------------------------------------


def pacticipant_url(root: str, name: str) -> str:
    return f"{root}/pacticipants/{seg(name)}"


def version_url(root: str, name: str, number: str) -> str:
    return f"{pacticipant_url(root, name)}/versions/{seg(number)}"


def environment_url(root: str, uuid: str) -> str:
    return f"{root}/environments/{uuid}"


def pacticipant_body(root: str, p: Pacticipant) -> dict[str, Any]:
    url = pacticipant_url(root, p.name)
    body: dict[str, Any] = {
        "name": p.name,
        "displayName": p.display_name or p.name,
        "createdAt": when(p.created_at),
        "updatedAt": when(p.updated_at),
    }
    if p.main_branch:
        body["mainBranch"] = p.main_branch
    if p.repository_url:
        body["repositoryUrl"] = p.repository_url
    if p.owner:
        body["owner"] = p.owner
    body["_embedded"] = {"labels": [label_body(root, p.name, name) for name in p.labels]}
    body["_links"] = {
        "self": link(url),
        "pb:versions": link(f"{url}/versions"),
        "pb:latest-version": link(f"{url}/latest-version"),
        "pb:version": link(f"{url}/versions/{{version}}", templated=True),
        "pb:version-tag": link(f"{url}/versions/{{version}}/tags/{{tag}}", templated=True),
        "pb:label": link(f"{url}/labels/{{label}}", templated=True),
        "pb:branch-version": link(
            f"{url}/branches/{{branch}}/versions/{{version}}", templated=True
        ),
    }
    return body


def label_body(root: str, pacticipant: str, name: str) -> dict[str, Any]:
    url = pacticipant_url(root, pacticipant)
    return {
        "name": name,
        "_links": {
            "self": link(f"{url}/labels/{seg(name)}", title="Label", name=name),
            "pb:pacticipant": link(url, title="Pacticipant", name=pacticipant),
        },
    }


def environment_body(root: str, env: EnvironmentView) -> dict[str, Any]:
    url = environment_url(root, env.uuid)
    return {
        "uuid": env.uuid,
        "name": env.name,
        "displayName": env.display_name or env.name,
        "production": env.production,
        "createdAt": when(env.created_at),
        "_links": {
            "self": link(url, title="Environment", name=env.name),
            "pb:currently-deployed-deployed-versions": link(
                f"{url}/deployed-versions/currently-deployed", title="Currently deployed"
            ),
            "pb:currently-supported-released-versions": link(
                f"{url}/released-versions/currently-supported", title="Currently supported"
            ),
            "pb:environments": link(f"{root}/environments"),
        },
    }


def live_body(root: str, live: LiveRecord, env: EnvironmentView | None = None) -> dict[str, Any]:
    deployed = live.kind == "deployment"
    kind: handles.Kind = "deployed-version" if deployed else "released-version"
    uuid = handles.handle(kind, live.id)
    path = "deployed-versions" if deployed else "released-versions"
    body: dict[str, Any] = {"uuid": uuid, "createdAt": when(live.started_at)}
    if deployed:
        body["currentlyDeployed"] = live.ended_at is None
        body["applicationInstance"] = live.instance
        body["target"] = live.instance
        if live.ended_at:
            body["undeployedAt"] = when(live.ended_at)
    else:
        body["currentlySupported"] = live.ended_at is None
        if live.ended_at:
            body["supportEndedAt"] = when(live.ended_at)
    embedded: dict[str, Any] = {
        "pacticipant": {
            "name": live.service,
            "_links": {"self": link(pacticipant_url(root, live.service))},
        },
        "version": {
            "number": live.version,
            "_links": {"self": link(version_url(root, live.service, live.version))},
        },
    }
    if env is not None:
        embedded["environment"] = environment_body(root, env)
    body["_embedded"] = embedded
    body["_links"] = {"self": link(f"{root}/{path}/{uuid}")}
    return body


def version_body(
    root: str, v: VersionView, environments: list[EnvironmentView] | None = None
) -> dict[str, Any]:
    url = version_url(root, v.pacticipant, v.number)
    p_url = pacticipant_url(root, v.pacticipant)
    body: dict[str, Any] = {"number": v.number, "createdAt": when(v.created_at)}
    if v.build_url:
        body["buildUrl"] = v.build_url
    body["_embedded"] = {
        "branchVersions": [
            {
                "name": b,
                "_links": {"self": link(f"{p_url}/branches/{seg(b)}/versions/{seg(v.number)}")},
            }
            for b in v.branches
        ],
        "tags": [{"name": t, "_links": {"self": link(f"{url}/tags/{seg(t)}")}} for t in v.tags],
    }
    links: dict[str, Any] = {
        "self": link(url, title="Version", name=v.number),
        "pb:pacticipant": link(p_url, title="Pacticipant", name=v.pacticipant),
        "pb:tag": link(f"{url}/tags/{{tag}}", templated=True),
    }
    if environments is not None:
        links["pb:record-deployment"] = [
            link(
                f"{url}/deployed-versions/environment/{env.uuid}",
                title=f"Record deployment to {env.display_name or env.name}",
                name=env.name,
            )
            for env in environments
        ]
        links["pb:record-release"] = [
            link(
                f"{url}/released-versions/environment/{env.uuid}",
                title=f"Record release to {env.display_name or env.name}",
                name=env.name,
            )
            for env in environments
        ]
    body["_links"] = links
    return body
