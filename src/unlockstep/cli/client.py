"""The HTTP client registry commands use. A server that is not running gives one line saying so
and how to start it; an error response becomes the matching ``UnlockstepError``."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from unlockstep import errors
from unlockstep.settings import Settings

_BY_STATUS: dict[int, type[errors.UnlockstepError]] = {
    401: errors.Unauthorized,
    404: errors.NotFound,
    409: errors.Conflict,
    412: errors.PreconditionFailed,
    413: errors.DocumentTooLarge,
    400: errors.InvalidInput,
    422: errors.InvalidInput,
    503: errors.DatabaseUnavailable,
}


def api_path(*segments: str) -> str:
    """``/api/v1/`` followed by ``segments``, each percent-escaped whole.

    Every command builds its request path here, so a value a user typed stays one segment:
    ``1.5.0/../x`` is sent as ``1.5.0%2F..%2Fx`` (never resolved to ``x``), and a value that
    is only dots (``..``) is sent as ``%2E%2E`` so no client or proxy folds it away.
    """
    return "/api/v1/" + "/".join(_segment(value) for value in segments)


def _segment(value: str) -> str:
    if not value:
        raise errors.InvalidInput(
            "an empty value cannot name anything on the server",
            hint="pass a non-empty name, version or key",
        )
    escaped = quote(value, safe="")
    if set(escaped) == {"."}:
        escaped = "%2E" * len(escaped)
    return escaped


class Client:
    def __init__(
        self, base_url: str, token: str | None = None, *, http: httpx.Client | None = None
    ) -> None:
        """``http`` replaces the network client (tests pass FastAPI's in-process TestClient)."""
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = http or httpx.Client(base_url=self.base_url, headers=headers, timeout=30.0)

    @classmethod
    def from_settings(cls, settings: Settings) -> Client:
        token = settings.token.get_secret_value() if settings.token else None
        return cls(settings.url, token)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (),
    ) -> httpx.Response:
        """Send a request; raise the matching error for 4xx/5xx unless listed in ``ok``."""
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = self.http.request(method, path, json=json, params=clean, headers=headers)
        except httpx.ConnectError:
            raise errors.ServerUnreachable(
                f"no unlockstep server answers at {self.base_url}",
                hint="start one with `unlockstep serve` (or `unlockstep demo`), "
                "or point UNLOCKSTEP_URL at yours",
            ) from None
        except httpx.TimeoutException:
            raise errors.ServerUnreachable(
                f"the unlockstep server at {self.base_url} did not answer in time"
            ) from None
        except httpx.HTTPError as exc:
            raise errors.ServerUnreachable(f"cannot talk to {self.base_url}: {exc}") from None
        if response.status_code >= 400 and response.status_code not in ok:
            raise _error_from(response)
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs).json()

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, json=body, **kwargs).json()

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request("PUT", path, json=body, **kwargs).json()


def _error_from(response: httpx.Response) -> errors.UnlockstepError:
    try:
        body = response.json().get("error", {})
    except ValueError:
        body = {}
    message = body.get("message") or f"the server answered {response.status_code}"
    cls = _BY_STATUS.get(response.status_code, errors.UnlockstepError)
    error = cls(
        message, where=body.get("where"), hint=body.get("hint"), details=body.get("details")
    )
    if body.get("code"):
        error.code = body["code"]
    return error
