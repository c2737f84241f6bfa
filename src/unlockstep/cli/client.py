"""The HTTP client registry commands use. A server that is not running gives one line saying so
and how to start it; an error response becomes the matching ``UnlockstepError``."""

from __future__ import annotations

from typing import Any

import httpx

from unlockstep import errors
from unlockstep.settings import Settings

_BY_STATUS: dict[int, type[errors.UnlockstepError]] = {
    401: errors.Unauthorized,
    403: errors.Forbidden,
    404: errors.NotFound,
    409: errors.Conflict,
    412: errors.PreconditionFailed,
    413: errors.DocumentTooLarge,
    400: errors.InvalidInput,
    422: errors.InvalidInput,
}


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

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs).json()


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
