"""Publishing and reading pacts, verification results, pacts for verification."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from unlockstep.errors import InvalidInput
from unlockstep.server.deps import PrincipalDep, StoreDep
from unlockstep.server.pact._hal import base, hal, link, pacticipant_url, seg, version_url, when
from unlockstep.server.pact._triggered import pact_triggered_url
from unlockstep.services import broker_pacts

router = APIRouter()


class _In(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class ContractPublishIn(_In):
    consumer_name: str = Field(alias="consumerName")
    provider_name: str = Field(alias="providerName")
    specification: str = "pact"
    content_type: str = Field("application/json", alias="contentType")
    content: str


class PublishIn(_In):
    pacticipant_name: str = Field(alias="pacticipantName")
    pacticipant_version_number: str = Field(alias="pacticipantVersionNumber")
    branch: str | None = None
    tags: list[str] = []
    build_url: str | None = Field(None, alias="buildUrl")
    contracts: list[ContractPublishIn] = []


def pact_url(root: str, provider: str, consumer: str, version: str) -> str:
    return f"{root}/pacts/provider/{seg(provider)}/consumer/{seg(consumer)}/version/{seg(version)}"


def _decode(content: str, where: str) -> Any:
    try:
        raw = base64.b64decode(content, validate=True)
        return json.loads(raw)
    except (binascii.Error, ValueError):
        raise InvalidInput("the contract content is not base64-encoded JSON", where=where) from None


def _published_body(root: str, published: broker_pacts.Published) -> dict[str, Any]:
    p_url = pacticipant_url(root, published.pacticipant)
    v_url = version_url(root, published.pacticipant, published.version)
    return {
        "notices": [{"type": n.type, "text": n.text} for n in published.notices],
        "_embedded": {
            "pacticipant": {"name": published.pacticipant, "_links": {"self": link(p_url)}},
            "version": {
                "number": published.version,
                "_links": {"self": link(v_url, title="Version", name=published.version)},
            },
        },
        "logs": [],
        "_links": {
            "pb:pacticipant": link(p_url, title="Pacticipant", name=published.pacticipant),
            "pb:pacticipant-version": link(
                v_url, title="Pacticipant version", name=published.version
            ),
            "pb:pacticipant-version-tags": [
                link(f"{v_url}/tags/{seg(t)}", title="Tag", name=t) for t in published.tags
            ],
            "pb:contracts": [
                link(
                    pact_url(root, c.provider, c.consumer, c.version),
                    title="Pact",
                    name=f"Pact between {c.consumer} ({c.version}) and {c.provider}",
                )
                for c in published.contracts
            ],
        },
    }


@router.post("/contracts/publish")
def publish_contracts(
    body: PublishIn, request: Request, store: StoreDep, principal: PrincipalDep
) -> JSONResponse:
    contracts = [
        broker_pacts.ContractIn(
            c.consumer_name,
            c.provider_name,
            c.specification,
            _decode(c.content, f"contracts/{i}/content"),
        )
        for i, c in enumerate(body.contracts)
    ]
    published = broker_pacts.publish_contracts(
        store,
        principal,
        pacticipant=body.pacticipant_name,
        version=body.pacticipant_version_number,
        branch=body.branch,
        tags=body.tags,
        build_url=body.build_url,
        contracts=contracts,
        links_base=base(request),
    )
    request.app.state.worker.wake()
    return hal(_published_body(base(request), published), 200)


def _pact_body(root: str, pact: broker_pacts.PactView) -> dict[str, Any]:
    url = pact_url(root, pact.provider, pact.consumer, pact.consumer_version)
    sha_url = (
        f"{root}/pacts/provider/{seg(pact.provider)}/consumer/{seg(pact.consumer)}"
        f"/pact-version/{pact.sha}"
    )
    return {
        **pact.content,
        "createdAt": when(pact.created_at),
        "_links": {
            "self": link(
                url, title="Pact", name=f"Pact between {pact.consumer} and {pact.provider}"
            ),
            "pb:consumer": link(pacticipant_url(root, pact.consumer), name=pact.consumer),
            "pb:provider": link(pacticipant_url(root, pact.provider), name=pact.provider),
            "pb:consumer-version": link(
                version_url(root, pact.consumer, pact.consumer_version),
                name=pact.consumer_version,
            ),
            "pb:pact-version": link(sha_url, name=pact.sha),
            "pb:publish-verification-results": link(
                f"{sha_url}/verification-results", title="Publish verification results"
            ),
            "pb:triggered-webhooks": link(
                pact_triggered_url(root, pact.provider, pact.consumer, pact.consumer_version),
                title="Webhooks triggered by the publication of this pact",
            ),
        },
    }


@router.get("/pacts/provider/{provider}/consumer/{consumer}/version/{version}")
def show_pact(
    provider: str, consumer: str, version: str, request: Request, store: StoreDep
) -> JSONResponse:
    return hal(
        _pact_body(base(request), broker_pacts.show_pact(store, provider, consumer, version))
    )


@router.put("/pacts/provider/{provider}/consumer/{consumer}/version/{version}")
def put_pact(
    provider: str,
    consumer: str,
    version: str,
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    document: dict[str, Any] = Body(),  # noqa: B008 (FastAPI's way to take the raw JSON)
) -> JSONResponse:
    published = broker_pacts.publish_contracts(
        store,
        principal,
        pacticipant=consumer,
        version=version,
        branch=None,
        tags=[],
        build_url=None,
        contracts=[broker_pacts.ContractIn(consumer, provider, "pact", document)],
    )
    pact = broker_pacts.show_pact(store, provider, consumer, version)
    changed = any("unchanged" not in n.text for n in published.notices if n.type == "success")
    return hal(_pact_body(base(request), pact), 201 if changed else 200)


@router.get("/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}")
def show_pact_version(
    provider: str, consumer: str, sha: str, request: Request, store: StoreDep
) -> JSONResponse:
    return hal(_pact_body(base(request), broker_pacts.pact_version(store, provider, consumer, sha)))


def _latest_body(request: Request, pacts: list[broker_pacts.PactView]) -> dict[str, Any]:
    root = base(request)
    items = [
        {
            "createdAt": when(p.created_at),
            "_embedded": {
                "consumer": {
                    "name": p.consumer,
                    "_embedded": {"version": {"number": p.consumer_version}},
                },
                "provider": {"name": p.provider},
            },
            "_links": {
                "self": [
                    link(
                        pact_url(root, p.provider, p.consumer, p.consumer_version),
                        title="Latest pact",
                        name=f"Pact between {p.consumer} ({p.consumer_version}) and {p.provider}",
                    )
                ]
            },
        }
        for p in pacts
    ]
    return {"pacts": items, "_links": {"self": link(str(request.url))}}


@router.get("/pacts/latest")
def latest_pacts(request: Request, store: StoreDep) -> JSONResponse:
    return hal(_latest_body(request, broker_pacts.latest_pacts(store)))


@router.get("/pacts/provider/{provider}/latest")
def latest_provider_pacts(provider: str, request: Request, store: StoreDep) -> JSONResponse:
    pacts = broker_pacts.latest_pacts(store, provider)
    root = base(request)
    body = _latest_body(request, pacts)
    body["_links"]["pb:pacts"] = [
        link(
            pact_url(root, p.provider, p.consumer, p.consumer_version),
            title=f"Pact between {p.consumer} ({p.consumer_version}) and {p.provider}",
            name=p.consumer,
        )
        for p in pacts
    ]
    return hal(body)


class VerificationIn(_In):
    success: bool
    provider_application_version: str = Field(alias="providerApplicationVersion")
    build_url: str | None = Field(None, alias="buildUrl")
    provider_version_branch: str | None = Field(None, alias="providerVersionBranch")
    provider_version_tags: list[str] = Field([], alias="providerVersionTags")


@router.post(
    "/pacts/provider/{provider}/consumer/{consumer}/pact-version/{sha}/verification-results"
)
def publish_verification(
    provider: str,
    consumer: str,
    sha: str,
    body: VerificationIn,
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
) -> JSONResponse:
    done = broker_pacts.publish_verification(
        store,
        principal,
        provider,
        consumer,
        sha,
        success=body.success,
        provider_version=body.provider_application_version,
        branch=body.provider_version_branch,
        tags=body.provider_version_tags,
        build_url=body.build_url,
        links_base=base(request),
    )
    request.app.state.worker.wake()
    root = base(request)
    url = (
        f"{root}/pacts/provider/{seg(provider)}/consumer/{seg(consumer)}/pact-version/{sha}"
        f"/verification-results/{seg(done.provider_version)}"
    )
    return hal(
        {
            "success": done.success,
            "providerApplicationVersion": done.provider_version,
            "verifiedAt": when(done.verified_at),
            "consumerVersions": done.consumer_versions,
            "_links": {
                "self": link(url, title="Verification result"),
                "pb:provider-version": link(version_url(root, provider, done.provider_version)),
                "pb:triggered-webhooks": link(
                    f"{url}/triggered-webhooks",
                    title="Webhooks triggered by the publication of this verification result",
                ),
            },
        },
        201,
    )


# -- pacts for verification ------------------------------------------------------------------


class ForVerificationIn(_In):
    consumer_version_selectors: list[dict[str, Any]] = Field([], alias="consumerVersionSelectors")
    provider_version_branch: str | None = Field(None, alias="providerVersionBranch")
    provider_version_tags: list[str] = Field([], alias="providerVersionTags")
    include_pending_status: bool = Field(False, alias="includePendingStatus")
    include_wip_pacts_since: datetime | None = Field(None, alias="includeWipPactsSince")


@router.post("/pacts/provider/{provider}/for-verification")
def pacts_for_verification(
    provider: str, request: Request, store: StoreDep, body: ForVerificationIn | None = None
) -> JSONResponse:
    body = body or ForVerificationIn.model_validate({})
    since = body.include_wip_pacts_since
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    found = broker_pacts.pacts_for_verification(
        store,
        provider,
        selectors=body.consumer_version_selectors,
        provider_branch=body.provider_version_branch,
        include_pending=body.include_pending_status,
        wip_since=since,
    )
    root = base(request)
    pacts = []
    for entry in found:
        url = (
            f"{root}/pacts/provider/{seg(provider)}/consumer/{seg(entry.consumer)}"
            f"/pact-version/{entry.sha}"
        )
        versions = ", ".join(entry.versions)
        notices = [
            {
                "when": "before_verification",
                "text": f"The pact of {entry.consumer} ({versions}) is verified because it is "
                f"the {'; '.join(entry.reasons)}",
            }
        ]
        if entry.pending:
            notices.append(
                {
                    "when": "before_verification",
                    "text": "This pact is pending: no build of the provider has verified it "
                    "yet, so a failure does not fail this build",
                }
            )
        properties: dict[str, Any] = {"pending": entry.pending, "notices": notices}
        if entry.wip:
            properties["wip"] = True
        pacts.append(
            {
                "shortDescription": f"{entry.consumer} ({versions})",
                "verificationProperties": properties,
                "_links": {
                    "self": link(
                        url, name=f"Pact between {entry.consumer} ({versions}) and {provider}"
                    )
                },
            }
        )
    return hal({"_embedded": {"pacts": pacts}, "_links": {"self": link(str(request.url))}})


@router.get("/pacts/provider/{provider}/for-verification")
def for_verification_resource(provider: str, request: Request) -> JSONResponse:
    """What a verifier reads before it posts its selectors (to ``self``)."""
    url = f"{base(request)}/pacts/provider/{seg(provider)}/for-verification"
    return hal(
        {
            "_links": {
                "self": link(url, title="Pacts to be verified"),
                "pb:provider": link(f"{base(request)}/pacticipants/{seg(provider)}"),
            }
        }
    )


@router.get(
    "/pacts/provider/{provider}/consumer/{consumer}/version/{version}"
    "/verification-results/{provider_version}"
)
def show_verification(
    provider: str,
    consumer: str,
    version: str,
    provider_version: str,
    request: Request,
    store: StoreDep,
) -> JSONResponse:
    found = broker_pacts.show_verification(store, provider, consumer, version, provider_version)
    body: dict[str, Any] = {
        "success": found.success,
        "providerApplicationVersion": provider_version,
        "verifiedAt": when(found.verified_at),
        "source": found.source,
        "_links": {
            "self": link(str(request.url)),
            "pb:pact-version": link(pact_url(base(request), provider, consumer, version)),
        },
    }
    if found.build_url:
        body["buildUrl"] = found.build_url
    return hal(body)
