"""Dashboard sign-in and writes: an API token becomes a signed session cookie, every form
checks its CSRF token, writes follow the token's scopes and team, a flag edit with a stale
ETag meets 412, and the kill switch needs a reason and a confirmation."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from tests.server.flag_app import FLAGS
from unlockstep.server.app import create_app
from unlockstep.settings import Settings
from unlockstep.store import Store

ADMIN = {"Authorization": "Bearer adm1n-secret"}
FLAG = "/flags/production/color"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def etag_of(html: str) -> str:
    found = re.search(r'name="etag" value="([^"]+)"', html)
    assert found
    return found.group(1).replace("&#34;", '"')


@pytest.fixture
def guarded(store: Store) -> Iterator[TestClient]:
    """A server with a bootstrap admin token, the demo flags, and a team token of
    dashboard-team (which owns ``color``) and a read-only one."""
    settings = Settings(api_tokens={"admin-bot": SecretStr("adm1n-secret")}, flag_rules=[])
    with TestClient(create_app(settings, store)) as api:
        for env in ("staging", "production"):
            put = api.put(
                f"/api/v1/environments/{env}", json={"production": env == "production"},
                headers=ADMIN,
            )  # fmt: skip
            assert put.status_code < 300, put.text
            loaded = api.put(
                f"/api/v1/environments/{env}/flagset", json={"document": FLAGS}, headers=ADMIN
            )
            assert loaded.status_code == 200, loaded.text
        assert api.put("/api/v1/teams/dashboard-team", json={}, headers=ADMIN).status_code < 300
        api.secrets = {}  # type: ignore[attr-defined]
        for name, scopes in (("dash", ["write"]), ("viewer", ["read"])):
            body = {"name": name, "team": "dashboard-team", "scopes": scopes}
            created = api.post("/api/v1/tokens", json=body, headers=ADMIN)
            assert created.status_code == 201, created.text
            api.secrets[name] = created.json()["secret"]  # type: ignore[attr-defined]
        yield api


def secret(api: TestClient, name: str) -> str:
    return str(api.secrets[name])  # type: ignore[attr-defined]


def sign_in(api: TestClient, token: str, next_page: str = FLAG) -> Any:
    form = api.get(f"/sign-in?next={next_page}")
    return api.post(
        "/sign-in",
        data={"csrf": csrf_of(form.text), "token": token, "next": next_page},
        follow_redirects=False,
    )


def test_sign_in_sets_an_httponly_strict_signed_cookie_without_the_token(
    guarded: TestClient,
) -> None:
    token = secret(guarded, "dash")
    response = sign_in(guarded, token)
    assert response.status_code == 303 and response.headers["location"] == FLAG
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert token not in cookie
    page = guarded.get("/estate")
    assert "Signed in as <strong>dash</strong>" in page.text


def test_a_wrong_token_does_not_sign_in(guarded: TestClient) -> None:
    response = sign_in(guarded, "not-a-token")
    assert response.status_code == 401
    assert "unknown, revoked or expired" in response.text


def test_sign_in_refuses_a_form_without_its_csrf_token(guarded: TestClient) -> None:
    guarded.get("/sign-in")
    forged = guarded.post("/sign-in", data={"token": secret(guarded, "dash")})
    assert forged.status_code == 403
    assert "CSRF" in forged.text


def test_a_forged_session_cookie_is_ignored(guarded: TestClient) -> None:
    sign_in(guarded, secret(guarded, "dash"))
    value = guarded.cookies["unlockstep_session"]
    body, signature = value.split(".")
    domain = next(c.domain for c in guarded.cookies.jar if c.name == "unlockstep_session")
    guarded.cookies.clear()  # replaced, not sent beside the real one
    guarded.cookies.set("unlockstep_session", body + "." + signature[::-1], domain=domain)
    assert guarded.cookies["unlockstep_session"] != value
    assert "Signed in as" not in guarded.get("/estate").text


def test_writes_need_a_session_and_the_forms_csrf_token(guarded: TestClient) -> None:
    page = guarded.get(FLAG)
    anonymous = guarded.post(
        FLAG + "/kill", data={"csrf": csrf_of(page.text), "reason": "r", "confirm": "yes"}
    )
    assert anonymous.status_code == 401
    sign_in(guarded, secret(guarded, "dash"))
    page = guarded.get(FLAG)
    forged = guarded.post(FLAG + "/kill", data={"csrf": "guess", "reason": "r", "confirm": "yes"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    missing = guarded.post(FLAG + "/kill", data={"reason": "r", "confirm": "yes"})
    assert missing.status_code == 403
    assert guarded.get(FLAG + ".json").json()["killed"] is False


def test_kill_needs_a_reason_and_a_confirmation_then_kills_everywhere(
    guarded: TestClient,
) -> None:
    sign_in(guarded, secret(guarded, "dash"))
    csrf = csrf_of(guarded.get(FLAG).text)
    no_reason = guarded.post(FLAG + "/kill", data={"csrf": csrf, "reason": " ", "confirm": "yes"})
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    unconfirmed = guarded.post(FLAG + "/kill", data={"csrf": csrf, "reason": "incident 7"})
    assert unconfirmed.status_code == 422 and "confirm" in unconfirmed.text
    killed = guarded.post(
        FLAG + "/kill", data={"csrf": csrf, "reason": "incident 7", "confirm": "yes"},
        follow_redirects=False,
    )  # fmt: skip
    assert killed.status_code == 303
    for env in ("staging", "production"):
        view = guarded.get(f"/flags/{env}/color.json").json()
        assert view["killed"] is True
        assert view["audit"][0]["actor"] == "dash" and view["audit"][0]["reason"] == "incident 7"


def test_writes_follow_the_tokens_scope_and_team(guarded: TestClient) -> None:
    sign_in(guarded, secret(guarded, "viewer"))
    csrf = csrf_of(guarded.get(FLAG).text)
    read_only = guarded.post(FLAG + "/kill", data={"csrf": csrf, "reason": "r", "confirm": "yes"})
    assert read_only.status_code == 403 and "scope" in read_only.text
    sign_in(guarded, secret(guarded, "dash"))
    other = "/flags/production/decision.submit.v2"  # owned by decision-platform-team
    csrf = csrf_of(guarded.get(other).text)
    not_ours = guarded.post(other + "/kill", data={"csrf": csrf, "reason": "r", "confirm": "yes"})
    assert not_ours.status_code == 403 and "owned by" in not_ours.text


def test_a_flag_edit_with_a_stale_etag_meets_412_and_shows_the_current_flag(
    guarded: TestClient,
) -> None:
    sign_in(guarded, secret(guarded, "dash"))
    page = guarded.get(FLAG).text
    csrf, etag = csrf_of(page), etag_of(page)
    view = guarded.get(FLAG + ".json").json()
    mine = {**view["flag"], "defaultVariant": "blue"}
    # someone else changes the flag after the page was loaded
    theirs = {**view["flag"], "variants": {"red": "red", "blue": "blue", "green": "green"}}
    changed = guarded.put(
        "/api/v1/environments/production/flags/color",
        json={"flag": theirs}, headers={**ADMIN, "If-Match": view["etag"]},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text

    stale = guarded.post(
        FLAG + "/edit", data={"csrf": csrf, "etag": etag, "flag": json.dumps(mine)}
    )
    assert stale.status_code == 412
    assert "changed this flag since you loaded it" in stale.text
    assert "green" in stale.text  # the flag as it is now
    fresh = etag_of(stale.text)
    saved = guarded.post(
        FLAG + "/edit",
        data={"csrf": csrf, "etag": fresh, "flag": json.dumps({**theirs, "defaultVariant": "blue"}),
              "reason": "blue wins"},
        follow_redirects=False,
    )  # fmt: skip
    assert saved.status_code == 303, saved.text
    after = guarded.get(FLAG + ".json").json()
    assert after["defaultVariant"] == "blue" and after["audit"][0]["actor"] == "dash"
    bad = guarded.post(FLAG + "/edit", data={"csrf": csrf, "etag": fresh, "flag": "{nope"})
    assert bad.status_code == 422 and "not JSON" in bad.text


def test_with_reads_behind_a_token_pages_send_people_to_sign_in(store: Store) -> None:
    settings = Settings(
        api_tokens={"admin-bot": SecretStr("adm1n-secret")}, require_token_for_reads=True
    )
    with TestClient(create_app(settings, store)) as api:
        page = api.get("/estate?q=x", follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"] == "/sign-in?next=%2Festate%3Fq%3Dx"
        assert api.get("/estate.json").status_code == 401
        assert api.get("/estate.json", headers=ADMIN).status_code == 200
        assert sign_in(api, "adm1n-secret", "/estate").status_code == 303
        assert api.get("/estate").status_code == 200


def test_sign_in_only_returns_to_a_page_of_this_server(guarded: TestClient) -> None:
    response = sign_in(guarded, secret(guarded, "dash"), "//evil.example/x")
    assert response.headers["location"] == "/estate"


def test_sign_out_ends_the_session(guarded: TestClient) -> None:
    sign_in(guarded, secret(guarded, "dash"))
    page = guarded.get("/estate")
    out = guarded.post("/sign-out", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert "Signed in as" not in guarded.get("/estate").text


@pytest.mark.parametrize("target", ["https://evil.example/", "/\\evil.example", "estate"])
def test_sign_in_never_sends_anyone_off_this_server(guarded: TestClient, target: str) -> None:
    response = sign_in(guarded, secret(guarded, "dash"), target)
    assert response.headers["location"] == "/estate"


def test_rollout_actions_follow_the_flags_owner_and_need_a_session(guarded: TestClient) -> None:
    check = {
        "name": "errors", "provider": {"web": {"url": "http://127.0.0.1:9/x", "jsonPath": "$.e"}},
        "successCondition": "result < 1", "initialDelay": "1h",
    }  # fmt: skip
    body = {"rollout": {
        "flag": "decision.submit.v2", "environment": "staging", "stages": [5, 100],
        "analysis": {"name": "auth", "checks": [check]},
    }}  # fmt: skip
    started = guarded.post("/api/v1/rollouts", json=body, headers=ADMIN)
    assert started.status_code == 201, started.text
    page = f"/rollouts/{started.json()['id']}"
    form = {"reason": "r", "confirm": "yes"}
    csrf = csrf_of(guarded.get(page).text)
    anonymous = guarded.post(page + "/abort", data={**form, "csrf": csrf})
    assert anonymous.status_code == 401, anonymous.text
    sign_in(guarded, secret(guarded, "dash"), page)
    csrf = csrf_of(guarded.get(page).text)
    for verb in ("promote", "abort"):
        refused = guarded.post(f"{page}/{verb}", data={**form, "csrf": csrf})
        assert refused.status_code == 403 and "owned by" in refused.text, refused.text
    shown = guarded.get(page + ".json").json()
    assert (shown["status"], shown["stage"]) == ("running", 0)
