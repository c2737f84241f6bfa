"""API tokens (admin scope): create (the secret in the answer, once), list, revoke."""

from __future__ import annotations

from fastapi import APIRouter

from unlockstep.server import wire_tokens as wire
from unlockstep.server.deps import PrincipalDep, SettingsDep, StoreDep
from unlockstep.server.wire import Page, errors
from unlockstep.services import authz, tokens

router = APIRouter(tags=["tokens"])


@router.post(
    "/tokens", status_code=201, response_model=wire.TokenCreated, responses=errors(401, 404, 409)
)
def create_token(
    body: wire.TokenIn, store: StoreDep, settings: SettingsDep, principal: PrincipalDep
) -> wire.TokenCreated:
    authz.require_admin(principal, what="create tokens")
    created = tokens.create_token(
        store, settings, principal.name, body.name,
        team=body.team, scopes=body.scopes, expires_at=body.expires_at,
    )  # fmt: skip
    return wire.TokenCreated(token=wire.Token.model_validate(created.token), secret=created.secret)


@router.get("/tokens", response_model=Page[wire.Token], responses=errors(401))
def list_tokens(store: StoreDep, principal: PrincipalDep) -> Page[wire.Token]:
    authz.require_admin(principal, what="list tokens")
    items = [wire.Token.model_validate(t) for t in tokens.list_tokens(store)]
    return Page[wire.Token](items=items, total=len(items))


@router.delete("/tokens/{name}", response_model=wire.Token, responses=errors(401, 404))
def revoke_token(name: str, store: StoreDep, principal: PrincipalDep) -> wire.Token:
    authz.require_admin(principal, what="revoke tokens")
    return wire.Token.model_validate(tokens.revoke_token(store, principal.name, name))
