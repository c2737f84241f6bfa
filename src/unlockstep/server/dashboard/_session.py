"""Dashboard sessions: an API token, given once at sign-in, becomes a signed session cookie;
every form carries a CSRF token bound to that session.

The cookie holds the token's digest (what the registry stores of it, never the token), a
random nonce and an expiry, signed with HMAC-SHA256 under the server's session key; it is
``HttpOnly`` and ``SameSite=Strict``. Each request looks the digest up again, so a revoked
or expired token ends its sessions at once. A visitor who has not signed in still gets a
session (no digest), so the sign-in form itself has a CSRF token to check. The CSRF token
is an HMAC of the session's nonce: a page from this server can send it, another site can
neither read nor forge it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

COOKIE = "unlockstep_session"
#: How long a session lasts, in seconds.
MAX_AGE = 12 * 3600


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class Session:
    #: the signed-in token's digest; ``None`` until someone signs in
    digest: str | None
    nonce: str
    expires: int


class Sessions:
    """Issues and reads session cookies and CSRF tokens under one key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()

    def new(self, digest: str | None = None, now: float | None = None) -> Session:
        expires = int((now if now is not None else time.time()) + MAX_AGE)
        return Session(digest, secrets.token_urlsafe(16), expires)

    def cookie(self, session: Session) -> str:
        payload = json.dumps(
            {"d": session.digest, "n": session.nonce, "e": session.expires},
            separators=(",", ":"),
        ).encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def read(self, value: str | None, now: float | None = None) -> Session | None:
        """The session a cookie holds; ``None`` if absent, forged, malformed or expired."""
        if not value or value.count(".") != 1:
            return None
        body, signature = value.split(".")
        try:
            payload, sent = _unb64(body), _unb64(signature)
            if not hmac.compare_digest(self._sign(payload), sent):
                return None
            data = json.loads(payload)
            session = Session(data["d"], str(data["n"]), int(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        if session.digest is not None and not isinstance(session.digest, str):
            return None
        if session.expires <= (now if now is not None else time.time()):
            return None
        return session

    def csrf(self, session: Session) -> str:
        return _b64(self._sign(b"csrf:" + session.nonce.encode()))

    def csrf_ok(self, session: Session | None, sent: str | None) -> bool:
        if session is None or not sent:
            return False
        return hmac.compare_digest(self.csrf(session), sent)
