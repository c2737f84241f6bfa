"""A provider's pacts by consumer branch (``pact-broker get-pacts``) and the provider states
its consumers' pacts name (``pact-broker provider-states list``).

The Rust CLI builds these paths itself from the host, dropping the base path it was given
(``…/pact``), so :func:`install` serves this router at the host's root as well as under
``/pact``; its links point under ``/pact`` all the same. Without ``--branch`` the CLI asks
``…/branch`` (each consumer's main branch), and with ``--latest`` but no branch it asks
``…/branch/latest``: a branch named ``latest`` cannot be asked for that way.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from unlockstep.server.pact._hal import base, hal, link, pacticipant_url, seg
from unlockstep.services import broker_pacts

router = APIRouter()

_LATEST = "latest"


def _pacts(
    request: Request,
    provider: str,
    consumer: str | None,
    branch: str | None,
    latest: bool,
) -> JSONResponse:
    if branch == _LATEST and not latest:  # `--latest` without `--branch`
        branch, latest = None, True
    store = request.app.state.store
    found = broker_pacts.branch_pacts(
        store, provider, branch=branch, consumer=consumer, latest=latest
    )
    root = base(request)
    which = f"branch {branch}" if branch else "the main branch"
    return hal(
        {
            "_links": {
                "self": link(
                    str(request.url),
                    title=f"{'Latest pacts' if latest else 'Pacts'} of {provider} from "
                    f"{which} of {consumer or 'each consumer'}",
                ),
                "pb:provider": link(pacticipant_url(root, provider), name=provider),
                "pb:pacts": [
                    link(
                        f"{root}/pacts/provider/{seg(provider)}/consumer/{seg(p.consumer)}"
                        f"/version/{seg(p.version)}",
                        title=f"Pact between {p.consumer} ({p.version}) and {provider}",
                        name=p.consumer,
                    )
                    for p in found
                ],
            }
        }
    )


@router.get("/pacts/provider/{provider}/branch")
def main_branch_pacts(provider: str, request: Request) -> JSONResponse:
    return _pacts(request, provider, None, None, False)


@router.get("/pacts/provider/{provider}/branch/{branch}")
def branch_pacts(provider: str, branch: str, request: Request) -> JSONResponse:
    return _pacts(request, provider, None, branch, False)


@router.get("/pacts/provider/{provider}/branch/{branch}/latest")
def latest_branch_pacts(provider: str, branch: str, request: Request) -> JSONResponse:
    return _pacts(request, provider, None, branch, True)


@router.get("/pacts/provider/{provider}/consumer/{consumer}/branch")
def consumer_main_branch_pacts(provider: str, consumer: str, request: Request) -> JSONResponse:
    return _pacts(request, provider, consumer, None, False)


@router.get("/pacts/provider/{provider}/consumer/{consumer}/branch/{branch}")
def consumer_branch_pacts(
    provider: str, consumer: str, branch: str, request: Request
) -> JSONResponse:
    return _pacts(request, provider, consumer, branch, False)


@router.get("/pacts/provider/{provider}/consumer/{consumer}/branch/{branch}/latest")
def consumer_latest_branch_pacts(
    provider: str, consumer: str, branch: str, request: Request
) -> JSONResponse:
    return _pacts(request, provider, consumer, branch, True)


def _states(
    request: Request, provider: str, branch: str | None, environment: str | None
) -> JSONResponse:
    found = broker_pacts.provider_states(
        request.app.state.store, provider, branch=branch, environment=environment
    )
    states: list[dict[str, Any]] = []
    for state in found:
        entry: dict[str, Any] = {"name": state.name, "consumers": list(state.consumers)}
        if state.params is not None:
            entry["params"] = state.params
        states.append(entry)
    return hal({"providerStates": states, "_links": {"self": link(str(request.url))}})


@router.get("/pacts/provider/{provider}/provider-states")
def provider_states(provider: str, request: Request) -> JSONResponse:
    return _states(request, provider, None, None)


@router.get("/pacts/provider/{provider}/provider-states/branch/{branch}")
def branch_provider_states(provider: str, branch: str, request: Request) -> JSONResponse:
    return _states(request, provider, branch, None)


@router.get("/pacts/provider/{provider}/provider-states/environment/{environment}")
def environment_provider_states(provider: str, environment: str, request: Request) -> JSONResponse:
    return _states(request, provider, None, environment)
