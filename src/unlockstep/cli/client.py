"""The HTTP client registry commands use. A server that is not running gives one line saying so
and how to start it; an error response becomes the matching ``UnlockstepError``.

Whatever the command, a URL that is not an unlockstep server's root is a configuration error
(exit 3) with a hint: a URL ending in the API's own path (``…/api/v1``), a server whose
answers are not unlockstep's (HTML, another error shape), a route the server does not have.
An unknown service or environment gets "did you mean …" from the registry's own names.
"""

from __future__ import annotations

import difflib
import re
from typing import Any
from urllib.parse import quote, urlsplit

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
    503: errors.DatabaseUnavailable,
}


def api_path(*segments: str) -> str:
    """``/api/v1/`` followed by ``segments``, each percent-escaped whole.

    Every command builds its request path here, so a value a user typed stays one segment:
    ``?``, ``#``, ``%`` and spaces are percent-escaped, and a value that is only dots (``..``)
    is sent as ``%2E%2E`` so no client or proxy folds it away. A value with ``/`` is refused
    here (usage error): servers decode ``%2F`` before routing, so it could never arrive as one
    segment, and no name, version or flag key may contain it — ``1.5.0/../x`` used to be
    resolved to ``x`` and create that version.
    """
    return "/api/v1/" + "/".join(_segment(value) for value in segments)


def _segment(value: str) -> str:
    if not value:
        raise errors.InvalidInput(
            "an empty value cannot name anything on the server",
            hint="pass a non-empty name, version or key",
        )
    if "/" in value:
        raise errors.InvalidInput(
            f"{value!r} contains '/', which no name, version or flag key may contain",
            hint="pass the name itself (e.g. 'case-service', '1.5.0')",
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
        _check_root(self.base_url)
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
            raise self._error_from(method, path, response)
        if response.status_code >= 400 and not _error_shaped(response):
            raise self._not_unlockstep(method, path, response)  # an accepted status, not ours
        if "html" in response.headers.get("content-type", ""):
            raise self._not_unlockstep(method, path, response)  # a web page, not the API
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self._json("GET", path, self.request("GET", path, **kwargs))

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self._json("POST", path, self.request("POST", path, json=body, **kwargs))

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self._json("PUT", path, self.request("PUT", path, json=body, **kwargs))

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self._json("DELETE", path, self.request("DELETE", path, **kwargs))

    def _json(self, method: str, path: str, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise self._not_unlockstep(method, path, response) from None

    def _not_unlockstep(
        self, method: str, path: str, response: httpx.Response
    ) -> errors.ConfigError:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        return errors.ConfigError(
            f"the server at {self.base_url} does not answer as unlockstep does "
            f"({method} {path}: HTTP {response.status_code}, {kind})",
            hint=_URL_HINT,
        )

    def _error_from(
        self, method: str, path: str, response: httpx.Response
    ) -> errors.UnlockstepError:
        if not _error_shaped(response):
            return self._not_unlockstep(method, path, response)
        error_body: dict[str, Any] = response.json()["error"]
        message = error_body.get("message") or f"the server answered {response.status_code}"
        if response.status_code in (404, 405) and message in ("Not Found", "Method Not Allowed"):
            # the route itself is missing, not a service or version: a wrong URL or server
            return errors.ConfigError(
                f"the server at {self.base_url} has no {method} {path} "
                f"(HTTP {response.status_code})",
                hint=_URL_HINT + "; a server older than this CLI lacks newer routes",
            )
        cls = _BY_STATUS.get(response.status_code, errors.UnlockstepError)
        error = cls(
            message,
            where=error_body.get("where"),
            hint=error_body.get("hint"),
            details=error_body.get("details"),
        )
        if error_body.get("code"):
            error.code = error_body["code"]
        if isinstance(error, errors.NotFound):
            self._suggest(error)
        return error

    def _suggest(self, error: errors.NotFound) -> None:
        """Add "did you mean …" to an unknown service or environment, from the registry's
        names (best effort: the original error stands if the names cannot be read)."""
        found = _UNKNOWN.match(error.message)
        if found is None:
            return
        what, name = found.group(1), found.group(2)
        path = "/api/v1/services" if what == "service" else "/api/v1/environments"
        try:
            response = self.http.request("GET", path, params={"limit": 500})
            names = [item["name"] for item in response.json()["items"]]
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            return
        close = difflib.get_close_matches(name, names, n=2, cutoff=0.75)
        if close:
            guess = " or ".join(repr(c) for c in close)
            error.hint = f"did you mean {guess}?" + (f" ({error.hint})" if error.hint else "")


#: "service 'x' is not registered", "environment 'x' does not exist" (the store's messages)
_UNKNOWN = re.compile(
    r"""^(service|environment) ['"](.+?)['"] (?:is not registered|does not exist)"""
)

_URL_HINT = (
    "set UNLOCKSTEP_URL (or --url) to an unlockstep server's root, e.g. http://127.0.0.1:8080, "
    "without /api/v1"
)


def _error_shaped(response: httpx.Response) -> bool:
    """Whether ``response`` carries unlockstep's one error body."""
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("error"), dict)


def _check_root(base_url: str) -> None:
    """Refuse a URL that points into the API instead of at the server's root."""
    path = urlsplit(base_url).path.rstrip("/")
    if re.search(r"/api(/v\d+)?$", path):
        root = base_url[: len(base_url) - len(path)] if path else base_url
        raise errors.ConfigError(
            f"UNLOCKSTEP_URL {base_url} points at the API, not at the server's root",
            hint=f"use {root} (the CLI adds /api/v1 itself)",
        )
