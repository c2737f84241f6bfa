"""The dashboard in a real browser: Playwright for Python driving Debian's Chromium
(``/usr/bin/chromium``, installed by ``.ci/run``) against a real server on the demo estate.

Every page is opened with every request checked to stay on the loopback (the dashboard and
``/docs`` work offline), in light and dark; the kill flow with its reason and confirmation,
a flag edit that meets a 412, sign-in and a CSRF refusal are driven through the pages.
Screenshots of the pages go to ``screenshots/dashboard/`` (git-ignored) for a reviewer.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from pydantic import SecretStr

from tests.conftest import REPO, SqliteTemplates
from tests.prometheus import free_port
from tests.server.test_plans_api import submit
from unlockstep.settings import Settings
from unlockstep.store import Store

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO / "screenshots" / "dashboard"
ADMIN_SECRET = "adm1n-browser-secret"
ADMIN = {"Authorization": f"Bearer {ADMIN_SECRET}"}

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium)"),
]


class LiveServer:
    """``unlockstep serve``'s app on uvicorn in a thread, on a free loopback port."""

    def __init__(self, database: Path) -> None:
        import uvicorn

        from unlockstep.server.app import create_app

        url = f"sqlite:///{database}"
        settings = Settings(
            database_url=url, api_tokens={"admin-bot": SecretStr(ADMIN_SECRET)}, worker=False
        )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings, Store(url)), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the dashboard server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def live(
    sqlite_templates: SqliteTemplates, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    database = tmp_path_factory.mktemp("browser") / "estate.db"
    shutil.copyfile(sqlite_templates.estate(), database)
    with LiveServer(database) as server:
        with httpx.Client(base_url=server.url, headers=ADMIN) as client:
            submit(client, "escalation-basis")  # type: ignore[arg-type]
            counts = [
                {"flag": "decision.submit.v2", "variant": v, "reason": "TARGETING_MATCH",
                 "count": n}
                for v, n in (("on", 120), ("off", 880))
            ]  # fmt: skip
            sent = client.post(
                "/api/v1/flag-evaluations", json={"environment": "production", "counts": counts}
            )
            assert sent.status_code == 202, sent.text
            # a rollout whose analysis waits an hour, and the demo's safety nets run once
            check = {
                "name": "errors", "successCondition": "result < 1", "initialDelay": "1h",
                "provider": {"web": {"url": "http://127.0.0.1:9/x", "jsonPath": "$.e"}},
            }  # fmt: skip
            rollout = {
                "flag": "decision.submit.v2",
                "environment": "staging",
                "stages": [5, 50, 100],
                "analysis": {"name": "browser", "checks": [check]},
            }
            started = client.post("/api/v1/rollouts", json={"rollout": rollout})
            assert started.status_code == 201, started.text
            for what, name in (("invariants", "escalations-are-published"),
                               ("reconciliations", "legacy-cases")):  # fmt: skip
                ran = client.post(f"/api/v1/{what}/{name}/runs")
                assert ran.status_code == 200, ran.text
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield launched
        launched.close()


class Watched:
    """A browser page whose every request is recorded (and refused unless on loopback),
    with the console errors it logs (a Content-Security-Policy refusal is one)."""

    def __init__(self, browser: Any, live: LiveServer, scheme: str = "light") -> None:
        self.context = browser.new_context(
            color_scheme=scheme, viewport={"width": 1280, "height": 900}
        )
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.live = live
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route: Any) -> None:
        url = route.request.url
        self.requests.append(url)
        host = urlsplit(url).hostname
        if host in ("127.0.0.1", "localhost") or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            route.abort()

    def go(self, path: str) -> Any:
        response = self.page.goto(self.live.url + path)
        assert response is not None
        return response

    def off_loopback(self) -> list[str]:
        return [
            u for u in self.requests
            if urlsplit(u).hostname not in ("127.0.0.1", "localhost")
            and not u.startswith(("data:", "blob:"))
        ]  # fmt: skip

    def sign_in(self, secret: str = ADMIN_SECRET) -> None:
        self.go("/sign-in?next=/estate")
        self.page.get_by_label("API token").fill(secret)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url("**/estate")

    def close(self) -> None:
        self.context.close()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


PAGES = [
    ("estate", "/estate", "Estate"),
    ("estate-group", "/estate?group=case-platform-team", "case-platform-team"),
    ("service", "/services/case-service", "case-service"),
    ("contract", "/services/case-service/contracts/case-summary-api", "case-summary-api"),
    ("matrix", "/matrix", "Matrix"),
    ("deprecations", "/deprecations", "Deprecations"),
    ("flags", "/flags", "Flags"),
    ("flag", "/flags/production/decision.submit.v2", "decision.submit.v2"),
    ("plans", "/plans", "Release plans"),
    ("plan", "/plans/regulatory-escalation-basis", "escalationBasis"),
    ("rollouts", "/rollouts", "Rollouts"),
    ("rollout", "/rollouts/1", "decision.submit.v2"),
    ("safety-nets", "/safety-nets", "Safety nets"),
    ("invariant", "/invariants/escalations-are-published", "escalations-are-published"),
    ("reconciliation", "/reconciliations/legacy-cases", "legacy-cases"),
    ("audit", "/audit", "Audit trail"),
    ("sign-in", "/sign-in", "Sign in"),
]


#: The dark theme is looked at on the pages with pictures.
DARK = {"estate", "estate-group", "flag", "plan", "invariant"}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_opens_offline_with_no_script_error(
    browser: Any, live: LiveServer, scheme: str
) -> None:
    watched = Watched(browser, live, scheme)
    try:
        for name, path, heading in PAGES:
            if scheme == "dark" and name not in DARK:
                continue
            response = watched.go(path)
            assert response.status == 200, path
            assert "script-src 'self'" in response.headers["content-security-policy"], path
            assert heading in watched.page.locator("h1").inner_text(), path
            shot(watched.page, f"{name}-{scheme}")
        response = watched.go("/docs")
        assert response.status == 200
        watched.page.wait_for_selector(".swagger-ui .info", timeout=15_000)
        assert "unlockstep" in watched.page.locator(".swagger-ui .info").inner_text()
        shot(watched.page, f"docs-{scheme}")
        assert watched.off_loopback() == []
        assert any("/static/swagger-ui/" in u for u in watched.requests)
        # a page breaking its Content-Security-Policy logs the refusal as a console error
        assert watched.errors == [], watched.errors
    finally:
        watched.close()


def test_the_navigation_and_search_work_from_the_keyboard(browser: Any, live: LiveServer) -> None:
    watched = Watched(browser, live)
    page = watched.page
    try:
        watched.go("/estate")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        page.keyboard.press("Enter")
        assert page.url.endswith("#main")
        search = page.get_by_label("Search services, teams, systems, contracts")
        search.focus()
        page.keyboard.type("notification")
        playwright_api.expect(page.locator("#estate-results tbody tr")).to_have_count(
            1, timeout=10_000
        )
        assert "notification-service" in page.locator("#estate-results tbody").inner_text()
        assert "q=notification" in page.url  # htmx pushed the search into the address
        page.get_by_role("link", name="Flags").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/flags")
        page.get_by_label("Environment").select_option("staging")  # htmx swaps the page in place
        page.wait_for_url("**/flags?environment=staging")
        assert "in staging" in page.locator("h1").inner_text()
        assert watched.off_loopback() == [] and watched.errors == []
    finally:
        watched.close()


def test_kill_asks_for_a_reason_and_a_confirmation(browser: Any, live: LiveServer) -> None:
    watched = Watched(browser, live)
    page = watched.page
    try:
        watched.sign_in()
        watched.go("/flags/production/risk.model.v2.dark")
        page.get_by_text("Kill switch…").click()
        kill = page.get_by_role("button", name="Kill risk.model.v2.dark")
        kill.click()  # no reason, no confirmation: the browser keeps the form
        assert page.url.endswith("/flags/production/risk.model.v2.dark")
        page.get_by_label("Why? (required, recorded)").fill("shadow scoring overloads the model")
        kill.click()  # still unconfirmed
        assert "killed" not in page.locator("h1").inner_text()
        page.get_by_label("I confirm: kill risk.model.v2.dark everywhere").check()
        kill.click()
        page.wait_for_load_state()
        assert "killed" in page.locator("h1").inner_text()
        assert "shadow scoring overloads the model" in page.locator("table").last.inner_text()
        shot(page, "flag-killed")
    finally:
        watched.close()


def test_a_flag_edit_meets_412_when_someone_saved_first(browser: Any, live: LiveServer) -> None:
    watched = Watched(browser, live)
    page = watched.page
    try:
        watched.sign_in()
        watched.go("/flags/production/risk.explanation.display")
        # someone else saves the flag after the page was loaded
        with httpx.Client(base_url=live.url, headers=ADMIN) as client:
            path = "/api/v1/environments/production/flags/risk.explanation.display"
            current = client.get(path)
            theirs = {**current.json()["flag"], "defaultVariant": "on"}
            saved = client.put(
                path, json={"flag": theirs}, headers={"If-Match": current.headers["ETag"]}
            )
            assert saved.status_code == 200, saved.text
        with page.expect_response(lambda r: r.url.endswith("/edit")) as answer:
            page.get_by_label("Reason (for the audit trail)").fill("mine")
            page.get_by_role("button", name="Save").click()
        assert answer.value.status == 412
        alert = page.get_by_role("alert")
        assert "changed this flag since you loaded it" in alert.inner_text()
        shot(page, "flag-412")
    finally:
        watched.close()


def test_a_form_with_a_forged_csrf_token_is_refused(browser: Any, live: LiveServer) -> None:
    watched = Watched(browser, live)
    page = watched.page
    try:
        watched.sign_in()
        watched.go("/flags/staging/decision.submit.v2")
        page.evaluate(
            "document.querySelectorAll('input[name=csrf]').forEach(i => i.value = 'forged')"
        )
        with page.expect_response(lambda r: r.url.endswith("/edit")) as answer:
            page.get_by_role("button", name="Save").click()
        assert answer.value.status == 403
        assert "CSRF" in page.locator("h1").inner_text()
        cookies = {c["name"]: c for c in watched.context.cookies()}
        session = cookies["unlockstep_session"]
        assert session["httpOnly"] is True and session["sameSite"] == "Strict"
        assert ADMIN_SECRET not in session["value"]
    finally:
        watched.close()


def test_a_folded_group_lists_its_services_when_opened(
    browser: Any, live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unlockstep.server.dashboard import _views

    monkeypatch.setattr(_views, "LIST_LIMIT", 2)  # the demo estate, folded as a large one is
    watched = Watched(browser, live)
    page = watched.page
    try:
        watched.go("/estate")
        group = page.locator("details.group").first
        assert group.locator("table").count() == 0
        group.locator("summary").focus()
        page.keyboard.press("Enter")  # opens the group; htmx loads its services in place
        group.locator("table tbody tr").first.wait_for(timeout=10_000)
        assert group.locator("a[href^='/services/']").count() >= 1
        assert watched.off_loopback() == [] and watched.errors == []
    finally:
        watched.close()
