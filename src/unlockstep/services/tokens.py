"""API tokens: create, list, revoke, and find the principal a request's token stands for.

A token's secret is 32 random bytes from :mod:`secrets` (256 bits), shown once when it is
created; the database keeps only its SHA-256. A slow password hash (bcrypt, scrypt,
Argon2) exists to make guessing *low-entropy* human passwords expensive; a 256-bit random
secret cannot be guessed however fast the hash, so a fast hash loses nothing and lets each
request find its token by an indexed lookup. The lookup is by hash, so its timing says
nothing about the secret; the found hash is compared again with :func:`hmac.compare_digest`.
Environment tokens (``UNLOCKSTEP_API_TOKENS``) are compared in constant time too.

Authentication is on once any token exists: an environment token is configured, or a token
was ever created here (revoked and expired ones count, so revoking the last token never
reopens the server). With none, writes are accepted as ``anonymous`` (a warning at start).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from unlockstep.errors import Conflict, InvalidInput, NotFound
from unlockstep.services.authz import SCOPES, Principal
from unlockstep.settings import Settings
from unlockstep.store import Store, audit
from unlockstep.store import registry as rows
from unlockstep.store.tables import utcnow
from unlockstep.store.token_tables import ApiToken

__all__ = [
    "CreatedToken",
    "TokenRecord",
    "auth_required",
    "authenticate",
    "create_token",
    "list_tokens",
    "revoke_token",
]

PREFIX = "ulst_"


@dataclass(frozen=True, slots=True)
class TokenRecord:
    name: str
    team: str | None
    scopes: list[str]
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class CreatedToken:
    token: TokenRecord
    secret: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _record(row: ApiToken) -> TokenRecord:
    return TokenRecord(
        row.name, row.team, list(row.scopes), row.created_at, row.created_by,
        row.expires_at, row.revoked_at,
    )  # fmt: skip


def _snapshot(record: TokenRecord) -> dict[str, object]:
    return rows.snapshot(record)


def create_token(
    store: Store,
    settings: Settings,
    actor: str,
    name: str,
    *,
    team: str | None,
    scopes: Iterable[str],
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> CreatedToken:
    """A new token; the secret is in the result and nowhere else."""
    now = now or utcnow()
    rows.check_name(name, "token")
    wanted = {s.strip().lower() for s in scopes if s.strip()}
    unknown = sorted(wanted - set(SCOPES))
    if unknown or not wanted:
        raise InvalidInput(
            f"unknown scope {unknown[0]!r}" if unknown else "a token needs a scope",
            where="scopes",
            hint="choose from read, write, admin",
        )
    chosen = [s for s in SCOPES if s in wanted]
    if team is None and "admin" not in wanted and "write" in wanted:
        raise InvalidInput(
            "a write token needs a team (it may change only what its team owns)",
            where="team",
        )
    if expires_at is not None and expires_at.tzinfo is None:
        raise InvalidInput("give the expiry with a time zone (e.g. ...Z)", where="expiresAt")
    if expires_at is not None and expires_at <= now:
        raise InvalidInput("the expiry is in the past", where="expiresAt")
    if name in settings.api_tokens:
        raise Conflict(
            f"token {name!r} is an environment token (UNLOCKSTEP_API_TOKENS)", where="name"
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    with store.session() as session:
        if team is not None:
            rows.get_team(session, team)
        if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
            raise Conflict(f"token {name!r} exists", where="name", hint="revoke it or pick a name")
        row = ApiToken(
            name=name, team=team, scopes=chosen, secret_sha256=_hash(secret),
            created_at=now, created_by=actor, expires_at=expires_at,
        )  # fmt: skip
        session.add(row)
        session.flush()
        record = _record(row)
        audit.record(session, actor, "token.created", "token", name, None, _snapshot(record))
    return CreatedToken(record, secret)


def list_tokens(store: Store) -> list[TokenRecord]:
    """Every token, revoked ones too (never a secret or its hash)."""
    with store.session() as session:
        return [_record(r) for r in session.scalars(select(ApiToken).order_by(ApiToken.name))]


def revoke_token(store: Store, actor: str, name: str, now: datetime | None = None) -> TokenRecord:
    with store.session() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.name == name))
        if row is None:
            raise NotFound(f"no token named {name!r}", hint="unlockstep tokens list")
        if row.revoked_at is None:
            before = _snapshot(_record(row))
            row.revoked_at = now or utcnow()
            session.flush()
            audit.record(
                session, actor, "token.revoked", "token", name, before, _snapshot(_record(row))
            )
        return _record(row)


def auth_required(settings: Settings, store: Store) -> bool:
    if settings.api_tokens:
        return True
    with store.session() as session:
        return session.scalar(select(ApiToken.id).limit(1)) is not None


def authenticate(
    settings: Settings, store: Store, secret: str, now: datetime | None = None
) -> Principal | None:
    """The principal ``secret`` stands for; ``None`` if unknown, revoked or expired."""
    return authenticate_digest(settings, store, _hash(secret), now)


def digest_of(secret: str) -> str:
    """What the registry keeps of a token (its SHA-256): the dashboard's session cookie
    carries this, never the token itself."""
    return _hash(secret)


def authenticate_digest(
    settings: Settings, store: Store, digest: str, now: datetime | None = None
) -> Principal | None:
    """The principal of the token whose digest is ``digest`` (``authenticate`` without the
    secret at hand); ``None`` if unknown, revoked or expired."""
    found: Principal | None = None
    for name, expected in settings.api_tokens.items():
        # Every environment token is compared, digest to digest (equal lengths), so the time
        # taken says neither which one matched nor how long the secrets are.
        if hmac.compare_digest(_hash(expected.get_secret_value()), digest):
            found = Principal(name, None, frozenset({"admin"}))
    if found is not None:
        return found
    with store.session() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.secret_sha256 == digest))
        if row is None or not hmac.compare_digest(row.secret_sha256, digest):
            return None
        if row.revoked_at is not None:
            return None
        if row.expires_at is not None and row.expires_at <= (now or utcnow()):
            return None
        return Principal(row.name, row.team, frozenset(row.scopes))
