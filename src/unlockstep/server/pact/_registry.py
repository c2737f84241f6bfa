"""The index, pacticipants, versions (branches, tags), environments and deployed/released
versions of the Pact Broker API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from unlockstep.errors import InvalidInput, NotFound
from unlockstep.server.deps import PrincipalDep, StoreDep
from unlockstep.server.pact._hal import (
    base,
    environment_body,
    environment_url,
    hal,
    label_body,
    link,
    live_body,
    pacticipant_body,
    seg,
    version_body,
)
from unlockstep.services import broker

router = APIRouter()


class _In(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class PacticipantIn(_In):
    name: str | None = None
    display_name: str | None = Field(None, alias="displayName")
    main_branch: str | None = Field(None, alias="mainBranch")
    repository_url: str | None = Field(None, alias="repositoryUrl")


class VersionIn(_In):
    build_url: str | None = Field(None, alias="buildUrl")
    branch: str | None = None
    tags: list[str] = []


class EnvironmentIn(_In):
    name: str
    display_name: str | None = Field(None, alias="displayName")
    production: bool = False


class RecordIn(_In):
    application_instance: str | None = Field(None, alias="applicationInstance")
    target: str | None = None


class DeployedPatch(_In):
    currently_deployed: bool | None = Field(None, alias="currentlyDeployed")


class ReleasedPatch(_In):
    currently_supported: bool | None = Field(None, alias="currentlySupported")


@router.get("/")
def index(request: Request) -> JSONResponse:
    root = base(request)
    rels = {
        "pb:publish-contracts": ("/contracts/publish", "Publish contracts"),
        "pb:publish-pact": (
            "/pacts/provider/{provider}/consumer/{consumer}/version/{consumerApplicationVersion}",
            "Publish a pact",
        ),
        "pb:latest-pact-versions": ("/pacts/latest", "Latest pact versions"),
        "pb:pacticipants": ("/pacticipants", "Pacticipants"),
        "pb:pacticipant": ("/pacticipants/{pacticipant}", "Fetch pacticipant by name"),
        "pb:pacticipants-with-label": ("/pacticipants/label/{label}", "Pacticipants by label"),
        "pb:pacticipant-label": (
            "/pacticipants/{pacticipant}/labels/{label}",
            "Get, create or delete a pacticipant label",
        ),
        "pb:latest-version": (
            "/pacticipants/{pacticipant}/latest-version",
            "Latest pacticipant version",
        ),
        "pb:pacticipant-version": (
            "/pacticipants/{pacticipant}/versions/{version}",
            "Get, create or delete a pacticipant version",
        ),
        "pb:pacticipant-version-tag": (
            "/pacticipants/{pacticipant}/versions/{version}/tags/{tag}",
            "Get, create or delete a tag for a pacticipant version",
        ),
        "pb:pacticipant-branch-version": (
            "/pacticipants/{pacticipant}/branches/{branch}/versions/{version}",
            "Get or add/create a pacticipant version for a branch",
        ),
        "pb:pacticipant-branch": (
            "/pacticipants/{pacticipant}/branches/{branch}",
            "Get or delete a pacticipant branch",
        ),
        "pb:environments": ("/environments", "Environments"),
        "pb:environment": ("/environments/{uuid}", "Environment"),
        "pb:latest-provider-pacts": (
            "/pacts/provider/{provider}/latest",
            "Latest pacts by provider",
        ),
        "pb:provider-pacts-for-verification": (
            "/pacts/provider/{provider}/for-verification",
            "Pact versions to be verified for the specified provider",
        ),
        "pb:matrix": ("/matrix", "The matrix (answered by can-i-deploy)"),
        "pb:webhooks": ("/webhooks", "Webhooks"),
        "pb:webhook": ("/webhooks/{uuid}", "Webhook"),
    }
    links: dict[str, Any] = {"self": link(root, title="Index")}
    for rel, (path, title) in rels.items():
        links[rel] = link(root + path, title=title, templated=True if "{" in path else None)
    links["curies"] = [{"name": "pb", "href": root + "/doc/{rel}?context=index", "templated": True}]
    return hal({"_links": links})


# -- pacticipants --------------------------------------------------------------------------


def _pacticipants(request: Request, store: StoreDep, label: str | None) -> JSONResponse:
    root = base(request)
    items = [pacticipant_body(root, p) for p in broker.list_pacticipants(store, label)]
    return hal(
        {
            "_embedded": {"pacticipants": items},
            "pacticipants": items,
            "_links": {"self": link(str(request.url))},
        }
    )


@router.get("/pacticipants")
def list_pacticipants(request: Request, store: StoreDep) -> JSONResponse:
    return _pacticipants(request, store, None)


@router.get("/pacticipants/label/{label}")
def labelled_pacticipants(label: str, request: Request, store: StoreDep) -> JSONResponse:
    return _pacticipants(request, store, label)


@router.get("/pacticipants/{name}")
def show_pacticipant(name: str, request: Request, store: StoreDep) -> JSONResponse:
    return hal(pacticipant_body(base(request), broker.show_pacticipant(store, name)))


def _put_pacticipant(
    name: str | None,
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    body: PacticipantIn | None = None,
) -> JSONResponse:
    body = body or PacticipantIn.model_validate({})
    name = name or body.name
    if not name:
        raise InvalidInput("name the pacticipant", where="name")
    found, created = broker.put_pacticipant(
        store,
        principal,
        name,
        display_name=body.display_name,
        main_branch=body.main_branch,
        repository_url=body.repository_url,
    )
    return hal(pacticipant_body(base(request), found), 201 if created else 200)


@router.post("/pacticipants")
def create_pacticipant(
    request: Request, store: StoreDep, principal: PrincipalDep, body: PacticipantIn | None = None
) -> JSONResponse:
    return _put_pacticipant(None, request, store, principal, body)


@router.patch("/pacticipants/{name}")
def patch_pacticipant(
    name: str,
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    body: PacticipantIn | None = None,
) -> JSONResponse:
    return _put_pacticipant(name, request, store, principal, body)


@router.put("/pacticipants/{name}")
def put_pacticipant(
    name: str,
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    body: PacticipantIn | None = None,
) -> JSONResponse:
    return _put_pacticipant(name, request, store, principal, body)


# -- labels ----------------------------------------------------------------------------------


@router.get("/pacticipants/{name}/labels/{label}")
def show_label(name: str, label: str, request: Request, store: StoreDep) -> JSONResponse:
    if label not in broker.show_pacticipant(store, name).labels:
        raise NotFound(f"{name} has no label {label!r}", where="label")
    return hal(label_body(base(request), name, label))


@router.put("/pacticipants/{name}/labels/{label}")
def put_label(
    name: str, label: str, request: Request, store: StoreDep, principal: PrincipalDep
) -> JSONResponse:
    added = broker.put_label(store, principal, name, label)
    return hal(label_body(base(request), name, label), 201 if added else 200)


@router.delete("/pacticipants/{name}/labels/{label}")
def delete_label(name: str, label: str, store: StoreDep, principal: PrincipalDep) -> Response:
    broker.delete_label(store, principal, name, label)
    return Response(status_code=204)


# -- versions --------------------------------------------------------------------------------


def _version(request: Request, store: StoreDep, view: broker.VersionView) -> JSONResponse:
    return hal(version_body(base(request), view, broker.list_environments(store)))


@router.get("/pacticipants/{name}/versions/{number}")
def show_version(name: str, number: str, request: Request, store: StoreDep) -> JSONResponse:
    return _version(request, store, broker.show_version(store, name, number))


@router.put("/pacticipants/{name}/versions/{number}")
def put_version(
    name: str,
    number: str,
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    body: VersionIn | None = None,
) -> JSONResponse:
    body = body or VersionIn.model_validate({})
    view, created = broker.put_version(
        store, principal, name, number, branch=body.branch, tags=body.tags,
        build_url=body.build_url,
    )  # fmt: skip
    response = _version(request, store, view)
    response.status_code = 201 if created else 200
    return response


@router.put("/pacticipants/{name}/branches/{branch}/versions/{number}")
def put_branch_version(
    name: str,
    branch: str,
    number: str,
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
) -> JSONResponse:
    view, created = broker.put_version(store, principal, name, number, branch=branch)
    root = base(request)
    url = f"{root}/pacticipants/{seg(name)}/branches/{seg(branch)}/versions/{seg(number)}"
    body = {
        "name": branch,
        "_embedded": {"version": version_body(root, view)},
        "_links": {
            "self": link(url),
            "pb:version": link(version_body(root, view)["_links"]["self"]["href"]),
        },
    }
    return hal(body, 201 if created else 200)


@router.put("/pacticipants/{name}/versions/{number}/tags/{tag}")
def put_tag(
    name: str, number: str, tag: str, request: Request, store: StoreDep, principal: PrincipalDep
) -> JSONResponse:
    view, _ = broker.put_version(store, principal, name, number, tags=[tag])
    root = base(request)
    url = f"{root}/pacticipants/{seg(name)}/versions/{seg(number)}/tags/{seg(tag)}"
    return hal(
        {
            "name": tag,
            "_embedded": {"version": version_body(root, view)},
            "_links": {"self": link(url)},
        },
        201,
    )


@router.delete("/pacticipants/{name}/versions/{number}/tags/{tag}")
def delete_tag(
    name: str, number: str, tag: str, store: StoreDep, principal: PrincipalDep
) -> Response:
    broker.delete_tag(store, principal, name, number, tag)
    return Response(status_code=204)


@router.delete("/pacticipants/{name}/branches/{branch}")
def delete_branch(name: str, branch: str, store: StoreDep, principal: PrincipalDep) -> Response:
    broker.delete_branch(store, principal, name, branch)
    return Response(status_code=204)


@router.get("/pacticipants/{name}/latest-version")
def latest_version(name: str, request: Request, store: StoreDep) -> JSONResponse:
    return _version(request, store, broker.latest_version(store, name))


@router.get("/pacticipants/{name}/latest-version/{tag}")
def latest_tagged_version(name: str, tag: str, request: Request, store: StoreDep) -> JSONResponse:
    return _version(request, store, broker.latest_version(store, name, tag=tag))


@router.get("/pacticipants/{name}/branches/{branch}/latest-version")
def latest_branch_version(
    name: str, branch: str, request: Request, store: StoreDep
) -> JSONResponse:
    return _version(request, store, broker.latest_version(store, name, branch=branch))


# -- environments ----------------------------------------------------------------------------


@router.get("/environments")
def list_environments(request: Request, store: StoreDep, name: str | None = None) -> JSONResponse:
    root = base(request)
    envs = broker.list_environments(store, name)
    return hal(
        {
            "_embedded": {"environments": [environment_body(root, e) for e in envs]},
            "_links": {
                "self": link(f"{root}/environments"),
                "pb:environments": [
                    link(environment_url(root, e.uuid), title="Environment", name=e.name)
                    for e in envs
                ],
            },
        }
    )


@router.post("/environments")
def create_environment(
    request: Request, store: StoreDep, principal: PrincipalDep, body: EnvironmentIn | None = None
) -> JSONResponse:
    body = body or EnvironmentIn.model_validate({})
    env, created = broker.put_environment(
        store, principal, body.name, display_name=body.display_name, production=body.production
    )
    return hal(environment_body(base(request), env), 201 if created else 200)


@router.get("/environments/{uuid}")
def show_environment(uuid: str, request: Request, store: StoreDep) -> JSONResponse:
    return hal(environment_body(base(request), broker.show_environment(store, uuid)))


@router.delete("/environments/{uuid}")
def delete_environment(uuid: str, store: StoreDep, principal: PrincipalDep) -> Response:
    broker.delete_environment(store, principal, uuid)
    return Response(status_code=204)


@router.put("/environments/{uuid}")
def update_environment(
    uuid: str,
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    body: EnvironmentIn | None = None,
) -> JSONResponse:
    body = body or EnvironmentIn.model_validate({})
    env, _ = broker.put_environment(
        store,
        principal,
        body.name,
        display_name=body.display_name,
        production=body.production,
        uuid=uuid,
    )
    return hal(environment_body(base(request), env))


# -- deployed and released versions -----------------------------------------------------------


def _record(
    name: str,
    number: str,
    uuid: str,
    kind: str,
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    body: RecordIn | None = None,
) -> JSONResponse:
    body = body or RecordIn.model_validate({})
    instance = body.application_instance or body.target
    live = broker.record(store, principal, name, number, uuid, kind=kind, instance=instance)
    env = broker.show_environment(store, uuid)
    return hal(live_body(base(request), live, env), 201)


@router.post("/pacticipants/{name}/versions/{number}/deployed-versions/environment/{uuid}")
def record_deployment(
    name: str,
    number: str,
    uuid: str,
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    body: RecordIn | None = None,
) -> JSONResponse:
    return _record(name, number, uuid, "deployment", request, store, principal, body)


@router.post("/pacticipants/{name}/versions/{number}/released-versions/environment/{uuid}")
def record_release(
    name: str,
    number: str,
    uuid: str,
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    body: RecordIn | None = None,
) -> JSONResponse:
    return _record(name, number, uuid, "release", request, store, principal, body)


def _currently(
    uuid: str,
    kind: str,
    request: Request,
    store: StoreDep,
    pacticipant: str | None,
    instance: str | None,
    version: str | None,
) -> JSONResponse:
    env, live = broker.currently_live(store, uuid, kind, pacticipant=pacticipant, instance=instance)
    live = [item for item in live if version is None or item.version == version]
    root = base(request)
    key = "deployedVersions" if kind == "deployment" else "releasedVersions"
    return hal(
        {
            "_embedded": {key: [live_body(root, item, env) for item in live]},
            "_links": {"self": link(str(request.url))},
        }
    )


@router.get("/environments/{uuid}/deployed-versions/currently-deployed")
def currently_deployed(
    uuid: str,
    request: Request,
    store: StoreDep,
    pacticipant: str | None = None,
    instance: Annotated[str | None, Query(alias="applicationInstance")] = None,
    version: str | None = None,
) -> JSONResponse:
    return _currently(uuid, "deployment", request, store, pacticipant, instance, version)


@router.get("/environments/{uuid}/released-versions/currently-supported")
def currently_supported(
    uuid: str,
    request: Request,
    store: StoreDep,
    pacticipant: str | None = None,
    version: str | None = None,
) -> JSONResponse:
    return _currently(uuid, "release", request, store, pacticipant, None, version)


@router.get("/deployed-versions/{uuid}")
def show_deployed(uuid: str, request: Request, store: StoreDep) -> JSONResponse:
    return hal(live_body(base(request), broker.show_live(store, uuid, "deployment")))


@router.get("/released-versions/{uuid}")
def show_released(uuid: str, request: Request, store: StoreDep) -> JSONResponse:
    return hal(live_body(base(request), broker.show_live(store, uuid, "release")))


@router.patch("/deployed-versions/{uuid}")
def patch_deployed(
    uuid: str,
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    body: DeployedPatch | None = None,
) -> JSONResponse:
    body = body or DeployedPatch.model_validate({})
    if body.currently_deployed is False:
        live = broker.end_live(store, principal, uuid, "deployment")
    else:
        live = broker.show_live(store, uuid, "deployment")
    return hal(live_body(base(request), live))


@router.patch("/released-versions/{uuid}")
def patch_released(
    uuid: str,
    request: Request,
    store: StoreDep,
    principal: PrincipalDep,
    body: ReleasedPatch | None = None,
) -> JSONResponse:
    body = body or ReleasedPatch.model_validate({})
    if body.currently_supported is False:
        live = broker.end_live(store, principal, uuid, "release")
    else:
        live = broker.show_live(store, uuid, "release")
    return hal(live_body(base(request), live))
