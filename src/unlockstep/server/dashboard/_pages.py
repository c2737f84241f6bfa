"""The dashboard's routes: pages (each with its JSON twin), sign-in, the two flag writes
(edit with If-Match, kill with a reason and a confirmation), ``/docs`` and the bundled
static files. Each page hands a view-model builder (``_views``) to ``_http.show``."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from unlockstep.errors import (
    Forbidden,
    InvalidInput,
    PreconditionFailed,
    Unauthorized,
    UnlockstepError,
)
from unlockstep.server.dashboard import _rollouts as rollout_views
from unlockstep.server.dashboard import _safety as safety_views
from unlockstep.server.dashboard import _views as views
from unlockstep.server.dashboard._http import (
    DOCS_POLICY,
    SECURITY_HEADERS,
    Visitor,
    asset,
    environment,
    failure,
    remember,
    render,
    segment,
    sessions_of,
    show,
    visitor_of,
    wants_json,
)
from unlockstep.services import flags as flag_service
from unlockstep.services import rollouts as rollout_service
from unlockstep.services import tokens
from unlockstep.services.authz import Principal
from unlockstep.settings import Settings
from unlockstep.store.approvals import ChangeRequest

router = APIRouter(include_in_schema=False)

#: A form field (absent: empty).
Field = Annotated[str, Form()]


@router.get("/")
def home() -> Response:
    return RedirectResponse("/estate", status_code=307)


@router.get("/estate")
def estate_page(request: Request, q: str = "", groupBy: str = "team", group: str = "") -> Response:
    return show(request, "estate.html", lambda c: views.estate(c, q, groupBy, group), "Estate")


@router.get("/services/{name}")
def service_page(request: Request, name: str) -> Response:
    return show(request, "service.html", lambda c: views.service(c, name), name)


@router.get("/services/{service}/contracts/{name}")
def contract_page(
    request: Request, service: str, name: str, older: str = "", newer: str = ""
) -> Response:
    return show(
        request,
        "contract.html",
        lambda c: views.contract(c, service, name, older, newer),
        f"{service}/{name}",
    )


@router.get("/matrix")
def matrix_page(
    request: Request, provider: str = "", consumer: str = "", contract: str = "",
    status: str = "", offset: int = 0,
) -> Response:  # fmt: skip
    return show(
        request,
        "matrix.html",
        lambda c: views.matrix(c, provider, consumer, contract, status, max(offset, 0)),
        "Matrix",
    )


@router.get("/deprecations")
def deprecations_page(request: Request) -> Response:
    return show(request, "deprecations.html", views.deprecations, "Deprecations")


@router.get("/flags")
def flags_page(request: Request, environment: str = "", offset: int = 0) -> Response:
    return show(
        request, "flags.html", lambda c: views.flags(c, environment, max(offset, 0)), "Flags"
    )


@router.get("/flags/{environment}/{key}")
def flag_page(request: Request, environment: str, key: str) -> Response:
    return show(request, "flag.html", lambda c: views.flag(c, environment, key), f"Flag {key}")


@router.get("/plans")
def plans_page(request: Request) -> Response:
    return show(request, "plans.html", views.plans, "Plans")


@router.get("/plans/{change}")
def plan_page(request: Request, change: str) -> Response:
    return show(request, "plan.html", lambda c: views.plan(c, change), f"Plan {change}")


@router.get("/rollouts")
def rollouts_page(request: Request, active: str = "") -> Response:
    """Every rollout, newest first; ``active=yes`` the live ones, ``active=no`` the ended."""
    chosen = {"yes": True, "no": False}.get(active)
    return show(request, "rollouts.html", lambda c: rollout_views.rollouts(c, chosen), "Rollouts")


@router.get("/rollouts/{rollout_id}")
def rollout_page(request: Request, rollout_id: int) -> Response:
    return show(
        request, "rollout.html", lambda c: rollout_views.rollout(c, rollout_id),
        f"Rollout {rollout_id}",
    )  # fmt: skip


@router.get("/safety-nets")
def safety_nets_page(request: Request, service: str = "") -> Response:
    return show(
        request, "safety_nets.html", lambda c: safety_views.safety_nets(c, service), "Safety nets"
    )


@router.get("/invariants/{name}")
def invariant_page(request: Request, name: str) -> Response:
    return show(
        request, "invariant.html", lambda c: safety_views.invariant(c, name), f"Invariant {name}"
    )


@router.get("/reconciliations/{name}")
def reconciliation_page(request: Request, name: str, offset: int = 0) -> Response:
    return show(
        request, "reconciliation.html",
        lambda c: safety_views.reconciliation(c, name, max(offset, 0)), f"Reconciliation {name}",
    )  # fmt: skip


@router.get("/audit")
def audit_page(
    request: Request, actor: str = "", entityType: str = "", entity: str = "",
    since: str = "", until: str = "", offset: int = 0,
) -> Response:  # fmt: skip
    return show(
        request,
        "audit.html",
        lambda c: views.audit(c, actor, entityType, entity, since, until, max(offset, 0)),
        "Audit",
    )


# --- writes ---------------------------------------------------------------------------------


def _writer(request: Request, visitor: Visitor, csrf: str) -> Principal:
    """Who submits a form: signed in (or anonymous where no token exists) and holding the
    page's CSRF token; otherwise 401 or 403."""
    if visitor.principal is None:
        raise Unauthorized("sign in with an API token to change anything", where="session")
    if not visitor.bearer and not sessions_of(request).csrf_ok(visitor.session, csrf):
        raise Forbidden(
            "the form's CSRF token is missing or does not belong to this session",
            where="csrf",
            hint="reload the page and submit the form again",
        )
    return visitor.principal


def _flag_path(environment: str, key: str) -> str:
    return f"/flags/{segment(environment)}/{segment(key)}"


def _held(request: Request, visitor: Visitor, held: ChangeRequest) -> Response:
    view = {
        "held": True,
        "request": held.id,
        "environment": held.environment,
        "target": held.target,
        "message": f"{held.environment} is protected: the change waits for approval "
        f"(change request {held.id})",
    }
    return render(request, "done.html", view, visitor, 202, "Held for approval")


@router.post("/flags/{environment}/{key}/edit")
def edit_flag(
    request: Request, environment: str, key: str, csrf: Field = "", etag: Field = "",
    flag: Field = "", reason: Field = "",
) -> Response:  # fmt: skip
    try:
        visitor = visitor_of(request)
    except UnlockstepError as error:
        return failure(request, error, None)
    settings: Settings = request.app.state.settings
    try:
        principal = _writer(request, visitor, csrf)
        try:
            body = json.loads(flag)
        except json.JSONDecodeError as error:
            raise InvalidInput(
                f"the flag is not JSON: {error.msg} (line {error.lineno}, column {error.colno})",
                where="flag",
                hint="fix the JSON and submit again",
            ) from None
        written = flag_service.put_flag(
            request.app.state.store, principal, environment, key, body,
            if_match=etag or None, reason=reason or None, rules=settings.flag_rules,
        )  # fmt: skip
    except PreconditionFailed as conflict:
        # someone changed it since this page was loaded: show theirs beside ours (412)
        problem = conflict.to_dict()
        return show(
            request,
            "flag.html",
            lambda c: {**views.flag(c, environment, key), "conflict": problem, "submitted": flag},
            f"Flag {key}",
            status=412,
        )
    except UnlockstepError as error:
        return failure(request, error, visitor)
    if isinstance(written, ChangeRequest):
        return _held(request, visitor, written)
    if wants_json(request):
        view = {"key": key, "environment": environment, "revision": written.revision,
                "etag": written.etag, "outcome": written.outcome}  # fmt: skip
        return render(request, "done.html", view, visitor)
    return RedirectResponse(_flag_path(environment, key), status_code=303)


@router.post("/flags/{environment}/{key}/kill")
def kill_flag(
    request: Request, environment: str, key: str, csrf: Field = "", reason: Field = "",
    confirm: Field = "",
) -> Response:  # fmt: skip
    try:
        visitor = visitor_of(request)
    except UnlockstepError as error:
        return failure(request, error, None)
    try:
        principal = _writer(request, visitor, csrf)
        if not reason.strip():
            raise InvalidInput(
                "killing a flag needs a reason for the audit trail", where="reason",
                hint="say why (an incident, a bad rollout…)",
            )  # fmt: skip
        if confirm != "yes":
            raise InvalidInput(
                f"confirm that {key!r} is to be killed in every environment", where="confirm",
                hint="tick the confirmation box",
            )  # fmt: skip
        result = flag_service.kill_flag(request.app.state.store, principal, key, reason.strip())
    except UnlockstepError as error:
        return failure(request, error, visitor)
    if wants_json(request):
        view = {
            "flag": result.flag,
            "reason": result.reason,
            "environments": [views._plain(o) for o in result.environments],
        }
        return render(request, "done.html", view, visitor)
    return RedirectResponse(_flag_path(environment, key), status_code=303)


#: A person's rollout actions (``abort`` also asks for a confirmation, like a kill).
ROLLOUT_ACTIONS = {
    "promote": rollout_service.promote,
    "pause": rollout_service.pause,
    "resume": rollout_service.resume,
    "abort": rollout_service.abort,
}


@router.post("/rollouts/{rollout_id}/{verb}")
def act_on_rollout(
    request: Request, rollout_id: int, verb: str, csrf: Field = "", reason: Field = "",
    confirm: Field = "",
) -> Response:  # fmt: skip
    """Promote (approve a waiting stage), pause, resume or abort, as the API does: the flag's
    owner team, audited with the reason; the controller is woken to act at once."""
    try:
        visitor = visitor_of(request)
    except UnlockstepError as error:
        return failure(request, error, None)
    try:
        principal = _writer(request, visitor, csrf)
        action = ROLLOUT_ACTIONS.get(verb)
        if action is None:
            raise InvalidInput(
                f"{verb!r} is not a rollout action", where="verb",
                hint=f"use one of {', '.join(ROLLOUT_ACTIONS)}",
            )  # fmt: skip
        if verb == "abort" and not reason.strip():
            raise InvalidInput(
                "aborting a rollout needs a reason for the audit trail", where="reason",
                hint="say why (an alert, a bad analysis…)",
            )  # fmt: skip
        if verb == "abort" and confirm != "yes":
            raise InvalidInput(
                f"confirm that rollout {rollout_id} is to be aborted: everyone gets the safe "
                "variant at once", where="confirm", hint="tick the confirmation box",
            )  # fmt: skip
        done = action(request.app.state.store, principal, rollout_id, reason.strip() or None)
    except UnlockstepError as error:
        return failure(request, error, visitor)
    request.app.state.worker.wake()
    if wants_json(request):
        view = {"id": done.id, "status": done.status, "stage": done.stage, "reason": done.reason}
        return render(request, "done.html", view, visitor)
    return RedirectResponse(f"/rollouts/{rollout_id}", status_code=303)


# --- sign-in --------------------------------------------------------------------------------


def _safe_next(target: str) -> str:
    """Only a path on this server (no scheme, no host, no ``//``)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return "/estate"
    return target


@router.get("/sign-in")
def sign_in_page(request: Request, next: str = "/estate") -> Response:
    visitor = visitor_of(request)
    view = {"next": _safe_next(next), "signedIn": visitor.signed_in}
    return render(request, "sign_in.html", view, visitor, title="Sign in")


@router.post("/sign-in")
def sign_in(
    request: Request, csrf: Field = "", token: Field = "", next: Field = "/estate"
) -> Response:
    visitor = visitor_of(request)
    sessions = sessions_of(request)
    if not sessions.csrf_ok(visitor.session, csrf):
        error = Forbidden(
            "the form's CSRF token is missing or does not belong to this session",
            where="csrf",
            hint="reload the sign-in page and try again",
        )
        return failure(request, error, visitor)
    settings: Settings = request.app.state.settings
    principal = tokens.authenticate(settings, request.app.state.store, token.strip())
    if principal is None:
        view = {"next": _safe_next(next), "signedIn": False,
                "problem": "that token is unknown, revoked or expired"}  # fmt: skip
        return render(request, "sign_in.html", view, visitor, 401, "Sign in")
    session = sessions.new(tokens.digest_of(token.strip()))
    response = RedirectResponse(_safe_next(next), status_code=303)
    remember(request, response, session)
    return response


@router.post("/sign-out")
def sign_out(request: Request, csrf: Field = "") -> Response:
    visitor = visitor_of(request)
    sessions = sessions_of(request)
    if not sessions.csrf_ok(visitor.session, csrf):
        return failure(request, Forbidden("the form's CSRF token does not match", where="csrf"),
                       visitor)  # fmt: skip
    response = RedirectResponse("/estate", status_code=303)
    remember(request, response, sessions.new())
    return response


# --- /docs and static files -----------------------------------------------------------------


@router.get("/docs")
def docs() -> HTMLResponse:
    """Swagger UI from the package's own files (works without internet), started by a
    bundled script rather than an inline one, under its own Content-Security-Policy."""
    html = environment().get_template("docs.html").render(openapi_url="/openapi.json")
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": DOCS_POLICY}
    return HTMLResponse(html, headers=headers)


@router.get("/static/{path:path}")
def static(request: Request, path: str) -> Response:
    return asset(request, path)
