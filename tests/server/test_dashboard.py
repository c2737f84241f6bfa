"""The dashboard's pages over the demo estate: each page's JSON twin (``.json`` or ``Accept:
application/json``) is its view-model, and the HTML page shows what the twin says."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from tests.server import test_expectations_api as story
from tests.server.test_plans_api import submit

JSON = {"Accept": "application/json"}


def twin(api: TestClient, path: str, **params: Any) -> tuple[Any, str]:
    """The page's JSON twin (checked the same both ways of asking) and its HTML."""
    by_suffix = api.get(path.rstrip("/") + ".json", params=params)
    assert by_suffix.status_code == 200, by_suffix.text
    by_accept = api.get(path, params=params, headers=JSON)
    assert by_accept.json() == by_suffix.json()
    page = api.get(path, params=params)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    return by_suffix.json(), page.text


def shows(html: str, *values: Any) -> None:
    """Every value appears in the page, escaped as the templates escape it."""
    missing = [v for v in values if str(escape(str(v))) not in html]
    assert not missing, f"the page does not show {missing}"


def boxes(html: str) -> int:
    return len(re.findall(r'<g class="box ', html))


def test_the_root_is_the_estate(estate: TestClient) -> None:
    response = estate.get("/", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/estate"


def test_pages_are_sent_with_nosniff_and_a_same_origin_referrer(estate: TestClient) -> None:
    headers = estate.get("/estate").headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def policy(headers: Any) -> dict[str, str]:
    return {
        part.split(" ", 1)[0]: part.split(" ", 1)[1]
        for part in (p.strip() for p in headers["content-security-policy"].split(";"))
    }


@pytest.mark.parametrize(
    "path", ["/estate", "/services/case-service", "/services/no-such-service", "/estate.json"]
)
def test_every_page_twin_and_error_page_has_a_policy_allowing_nothing_inline(
    estate: TestClient, path: str
) -> None:
    response = estate.get(path)
    rules = policy(response.headers)
    assert rules["script-src"] == rules["style-src"] == "'self'"
    assert (rules["frame-ancestors"], rules["object-src"]) == ("'none'", "'none'")
    assert response.headers["x-frame-options"] == "DENY"
    if response.headers["content-type"].startswith("text/html"):
        html = response.text
        assert "<style" not in html and " style=" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), "an inline script"
        assert not re.search(r" on[a-z]+=", html), "an inline event handler"


def test_docs_has_its_own_policy_and_starts_swagger_ui_from_a_file(api: TestClient) -> None:
    response = api.get("/docs")
    rules = policy(response.headers)
    assert rules["script-src"] == "'self'" and "'unsafe-inline'" in rules["style-src"]
    assert not re.search(r"<script(?![^>]*\bsrc=)", response.text)
    assert '<script src="/static/docs.js">' in response.text


def test_estate_page_shows_every_service_and_group_of_its_twin(estate: TestClient) -> None:
    view, html = twin(estate, "/estate")
    names = [s["name"] for g in view["groups"] for s in g["services"]]
    assert view["total"] == view["matching"] == len(names) >= 5
    shows(html, *names, *(g["name"] for g in view["groups"]))
    assert all(f'href="/services/{n}"' in html for n in names)
    assert boxes(html) == len(view["graph"]["boxes"]) == len(view["groups"])
    assert html.count('<path class="edge"') == len(view["graph"]["lines"]) >= 1
    for env in view["environments"]:
        shows(html, env)


def test_estate_search_narrows_and_a_group_shows_its_neighbours(estate: TestClient) -> None:
    view, html = twin(estate, "/estate", q="case-service")
    names = [s["name"] for g in view["groups"] for s in g["services"]]
    assert names == ["case-service"] and view["matching"] == 1
    team = view["groups"][0]["name"]
    grouped, html = twin(estate, "/estate", group=team)
    kinds = {b["kind"] for b in grouped["graph"]["boxes"]}
    assert "member" in kinds and kinds & {"consumer", "provider"}
    assert boxes(html) == len(grouped["graph"]["boxes"])
    shows(html, *(b["label"] for b in grouped["graph"]["boxes"]))
    assert estate.get("/estate.json", params={"groupBy": "colour"}).status_code == 422


def test_service_page_shows_owner_live_versions_contracts_and_can_i_deploy(
    estate: TestClient,
) -> None:
    view, html = twin(estate, "/services/case-service")
    assert view["service"]["name"] == "case-service"
    shows(html, view["service"]["owner"])
    assert view["live"] and view["contracts"] and view["consumers"]
    for env, items in view["live"].items():
        shows(html, env, *(d["version"] for d in items))
    shows(html, *(c["name"] for c in view["contracts"]), *(e["service"] for e in view["consumers"]))
    neighbours = {e["service"] for e in view["consumers"] + view["providers"]}
    assert {b["id"] for b in view["graph"]["boxes"]} == neighbours | {"case-service"}
    assert boxes(html) == len(view["graph"]["boxes"])
    assert {d["environment"] for d in view["canIDeploy"]} >= set(view["live"])
    for decision in view["canIDeploy"]:
        assert decision["answer"] in ("yes", "no", "unknown")
        shows(html, *(r["reason"] for r in decision["reasons"] if r.get("reason")))
    shows(html, *(e["action"] for e in view["audit"]))


def test_an_unknown_service_is_a_404_page_and_the_one_error_body_as_json(
    estate: TestClient,
) -> None:
    page = estate.get("/services/no-such-service")
    assert page.status_code == 404 and "no-such-service" in page.text
    assert page.headers["content-type"].startswith("text/html")
    body = estate.get("/services/no-such-service.json")
    assert body.status_code == 404
    assert body.json()["error"]["code"] == "not_found"


@pytest.fixture
def contracts(api: TestClient) -> TestClient:
    """The expectations story: case-summary-api 1.4.0 and 1.5.0, and audit-report-service
    still reading fields deprecated with a sunset in the past."""
    for team in ("case-team", "messaging-team", "dashboard-team", "compliance-data-team"):
        story.ok(api.put(f"/api/v1/teams/{team}", json={}))
    owners = {
        "case-service": "case-team",
        "notification-service": "messaging-team",
        "dashboard-service": "dashboard-team",
        "audit-report-service": "compliance-data-team",
    }
    for service, owner in owners.items():
        story.ok(api.put(f"/api/v1/services/{service}", json={"owner": owner}))
    story.ok(api.put("/api/v1/environments/production", json={"production": True}))
    story.publish_contract(api, "1.4.0", "case-summary-api", "http", "case-summary-api.1.4.0.yaml")
    story.publish_expectation(
        api, "dashboard-service", "5.7.0", "case-summary-api", "dashboard-service.case-summary.yaml"
    )
    story.deploy(api, "case-service", "1.4.0")
    story.deploy(api, "dashboard-service", "5.7.0")
    story.publish_contract(api, "1.5.0", "case-summary-api", "http", "case-summary-api.1.5.0.yaml")
    story.publish_expectation(
        api, "audit-report-service", "1.9.0", "case-summary-api",
        "audit-report-service.case-summary.yaml",
    )  # fmt: skip
    story.deploy(api, "audit-report-service", "1.9.0")
    return api


def test_contract_page_shows_versions_the_diff_with_suggestions_and_consumers(
    contracts: TestClient,
) -> None:
    path = "/services/case-service/contracts/case-summary-api"
    plain, html = twin(contracts, path)
    assert [v["version"] for v in plain["versions"]] == ["1.4.0", "1.5.0"]
    assert plain["diff"] is None
    view, html = twin(contracts, path, older="1.4.0", newer="1.5.0")
    assert view["compared"] == ["1.4.0", "1.5.0"]
    changes = view["diff"]["changes"]
    assert changes and any(c["suggestion"] for c in changes)
    shows(html, *(c["message"] for c in changes), *(c["suggestion"] for c in changes))
    consumers = {c["service"] for c in view["consumers"]}
    assert {"audit-report-service", "dashboard-service"} <= consumers
    shows(html, *consumers)
    used = view["deprecations"]
    assert [d["overdue"] for d in used] == [bool(d["sunset"]) for d in used]
    assert any(d["overdue"] for d in used)
    shows(html, *(d["field"] for d in used), *(d["sunset"] for d in used if d["sunset"]))
    same = contracts.get(path + ".json", params={"older": "1.4.0", "newer": "1.4.0"})
    assert same.status_code == 422
    unknown = contracts.get(path + ".json", params={"older": "1.4.0", "newer": "9.9.9"})
    assert unknown.status_code == 404


def test_deprecations_page_lists_what_is_still_used_and_overdue(contracts: TestClient) -> None:
    view, html = twin(contracts, "/deprecations")
    items = view["deprecations"]
    assert view["overdue"] == sum(1 for d in items if d["sunset"]) >= 1
    assert items[0]["overdue"]  # overdue first
    for item in items:
        assert item["provider"] == "case-service"
        assert [u["consumer"] for u in item["users"]] == ["audit-report-service"]
        shows(html, item["element"], item["field"], item["sunset"] or "none set")
    assert "(overdue)" in html


def test_deprecations_and_contract_pages_show_usage_and_last_seen(api: TestClient) -> None:
    """case-summary-api 1.4.0 deprecates fields audit-report-service reads; the usage store
    saw it read one of them today."""
    from tests.cli.test_usage_cli import report

    for service in ("case-service", "audit-report-service"):
        story.ok(api.put(f"/api/v1/services/{service}", json={}))
    story.publish_contract(api, "1.4.0", "case-summary-api", "http", "case-summary-api.1.4.0.yaml")
    story.publish_expectation(
        api, "audit-report-service", "1.9.0", "case-summary-api",
        "audit-report-service.case-summary.yaml",
    )  # fmt: skip
    report(
        api, "audit-report-service", "v1", 6,
        **{"http.request.method": "GET", "http.route": "/cases/{caseId}/summary",
           "unlockstep.field": "legacyRiskScore"},
    )  # fmt: skip
    view, html = twin(api, "/deprecations")
    legacy = [d for d in view["deprecations"] if (d["field"] or "").endswith("legacyRiskScore")]
    assert legacy and all(d["usage"] for d in legacy)
    today = view["today"]
    for d in legacy:
        assert [(u["consumer"], u["amount"], u["lastUsed"]) for u in d["usage"]] == [
            ("audit-report-service", 6.0, today)
        ]
    unused = [d for d in view["deprecations"] if d not in legacy]
    assert all(d["usage"] == [] for d in unused)
    shows(html, f"audit-report-service: 6 · last seen {today}")
    path = "/services/case-service/contracts/case-summary-api"
    contract, html = twin(api, path)
    by_field = {(u["element"], u["field"]): u["users"] for u in contract["usage"]}
    used = by_field[("GET /cases/{caseId}/summary", "/legacyRiskScore")]
    assert [(u["consumer"], u["amount"]) for u in used] == [("audit-report-service", 6.0)]
    assert by_field[("GET /cases/{caseId}/summary", "/internalNotes")] == []
    shows(html, f"audit-report-service: 6 · last seen {today}", "no usage recorded")


def test_matrix_page_shows_every_row_of_its_twin_and_filters(contracts: TestClient) -> None:
    view, html = twin(contracts, "/matrix")
    assert view["total"] == len(view["rows"]) >= 3
    for row in view["rows"]:
        shows(html, row["consumer"], row["consumerVersion"], row["providerVersion"])
    failed, html = twin(contracts, "/matrix", status="failed")
    assert failed["total"] >= 1 and {r["status"] for r in failed["rows"]} == {"failed"}
    one, _ = twin(contracts, "/matrix", consumer="dashboard-service")
    assert {r["consumer"] for r in one["rows"]} == {"dashboard-service"}
    assert one["grid"] is None
    pair, html = twin(
        contracts, "/matrix", consumer="audit-report-service", provider="case-service"
    )
    grid = pair["grid"]
    assert grid["consumerVersions"] == ["1.9.0"]
    assert set(grid["providerVersions"]) == {"1.4.0", "1.5.0"}
    assert grid["cells"]["1.9.0"] == {"1.4.0": "verified", "1.5.0": "failed"}
    shows(html, "audit-report-service × case-service")


def test_flags_page_shows_each_flag_with_owner_and_debt(estate: TestClient) -> None:
    view, html = twin(estate, "/flags")
    assert view["environment"] == "production" and view["flags"]
    for flag in view["flags"]:
        shows(html, flag["key"], flag["owner"] or "", f"/flags/production/{flag['key']}")
    other = next(e for e in view["environments"] if e != "production")
    staging, _ = twin(estate, "/flags", environment=other)
    assert {f["environment"] for f in staging["flags"]} <= {other}


def test_flag_page_shows_targeting_readably_with_the_etag_in_the_form(
    estate: TestClient,
) -> None:
    view, html = twin(estate, "/flags/production/decision.submit.v2")
    assert view["targeting"][0] == "if segment.tenant.sandbox → on"
    assert any("10% on, 90% off" in line for line in view["targeting"])
    shows(html, *view["targeting"])
    assert f'name="etag" value="{escape(view["etag"])}"' in html
    assert 'name="csrf"' in html and 'name="confirm"' in html


def test_plan_pages_show_stages_gates_graph_window_cleanup_and_document(
    estate: TestClient,
) -> None:
    submit(estate, "escalation-basis")
    listed, html = twin(estate, "/plans")
    assert [p["change"] for p in listed["plans"]] == ["regulatory-escalation-basis"]
    shows(html, "regulatory-escalation-basis", listed["plans"][0]["title"])
    view, html = twin(estate, "/plans/regulatory-escalation-basis")
    steps = [s["id"] for stage in view["stages"] for s in stage["steps"]]
    assert len(steps) == len(view["graph"]["boxes"]) == boxes(html) >= 5
    shows(html, *steps, *(stage["phase"] for stage in view["stages"]))
    assert sum(view["gates"].values()) >= 1
    assert view["window"]["starts"] and view["timeline"]["width"] > 0
    shows(html, *(c["title"] for c in view["cleanup"]))
    assert view["document"].startswith("#")
    shows(html, view["document"].splitlines()[0])


def test_audit_page_filters_by_actor_type_entity_and_time(estate: TestClient) -> None:
    view, html = twin(estate, "/audit")
    assert view["total"] >= len(view["events"]) >= 10
    shows(html, *(e["action"] for e in view["events"]))
    flags, html = twin(estate, "/audit", entityType="flag")
    assert flags["total"] >= 1 and {e["entityType"] for e in flags["events"]} == {"flag"}
    created = next(e for e in flags["events"] if e["after"])
    shows(html, f'"defaultVariant": "{created["after"]["defaultVariant"]}"')
    nobody, _ = twin(estate, "/audit", actor="nobody-at-all")
    assert nobody["total"] == 0
    future, _ = twin(estate, "/audit", since="2999-01-01")
    assert future["total"] == 0
    today = view["events"][0]["at"][:10]
    same_day, _ = twin(estate, "/audit", since=today, until=today)
    assert same_day["total"] >= 1
    assert estate.get("/audit.json", params={"since": "yesterday"}).status_code == 422


def test_docs_and_every_asset_come_from_the_package(api: TestClient) -> None:
    docs = api.get("/docs")
    assert docs.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert urls and all(u.startswith("/static/") for u in urls), urls
    assert "//" not in "".join(urls)
    for url in urls:
        assert api.get(url).status_code == 200, url
    assert api.get("/redoc").status_code == 404
    page = api.get("/estate").text
    for url in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        asset = api.get(url, headers={"Accept-Encoding": "gzip"})
        assert asset.status_code == 200 and asset.headers["content-encoding"] == "gzip"
    assert api.get("/static/../app.py").status_code == 404
    assert api.get("/static/htmx/LICENSE").status_code == 200


def test_a_large_estate_is_folded_to_its_groups_which_load_when_opened(
    estate: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unlockstep.server.dashboard import _views

    monkeypatch.setattr(_views, "LIST_LIMIT", 2)
    monkeypatch.setattr(_views, "RING_LINES", 1)
    view, html = twin(estate, "/estate")
    assert view["folded"] is True
    assert all(g["services"] == [] and g["count"] >= 1 for g in view["groups"])
    assert sum(g["count"] for g in view["groups"]) == view["total"]
    assert len(view["graph"]["lines"]) == 1 and view["linesNotDrawn"] >= 1
    assert 'hx-trigger="toggle once"' in html and 'href="/services/' not in html
    first = view["groups"][0]
    opened, html = twin(estate, "/estate", group=first["name"])
    assert opened["folded"] is False
    assert [len(g["services"]) for g in opened["groups"]] == [first["count"]]
    shows(html, *(s["name"] for s in opened["groups"][0]["services"]))


def test_stored_text_is_escaped_and_only_http_urls_become_links(api: TestClient) -> None:
    story.ok(api.put("/api/v1/teams/red-team", json={}))
    body = {
        "owner": "red-team",
        "description": '<script>alert("x")</script>',
        "repositoryUrl": "javascript:alert(1)",
    }
    story.ok(api.put("/api/v1/services/odd-service", json=body))
    version = {"buildUrl": "javascript:alert(2)"}
    story.ok(api.put("/api/v1/services/odd-service/versions/1.0.0", json=version))
    view, html = twin(api, "/services/odd-service")
    assert view["service"]["repositoryUrl"] == "javascript:alert(1)"  # the twin says it as stored
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    links = re.findall(r'<a href="([^"]*)">(?:repository|1\.0\.0)</a>', html)
    assert links == ["#", "#"]


def test_flag_page_charts_the_evaluations_of_the_last_30_days(estate: TestClient) -> None:
    counts = [
        {"flag": "decision.submit.v2", "variant": "on", "reason": "TARGETING_MATCH", "count": 30},
        {"flag": "decision.submit.v2", "variant": "off", "reason": "DEFAULT", "count": 70},
        {"flag": "risk.model.v2", "variant": "on", "reason": "TARGETING_MATCH", "count": 5},
    ]
    sent = estate.post(
        "/api/v1/flag-evaluations", json={"environment": "production", "counts": counts}
    )
    assert sent.status_code == 202, sent.text
    view, html = twin(estate, "/flags/production/decision.submit.v2")
    usage = view["usage"]
    assert (usage["total"], usage["peak"], usage["series"]) == (100, 100, ["off", "on"])
    assert sorted(b["label"].split(": ")[1] for b in usage["bars"]) == ["30 × on", "70 × off"]
    assert html.count('<rect class="s') == len(usage["bars"]) == 2
    shows(html, *(b["label"] for b in usage["bars"]))
    quiet, html = twin(estate, "/flags/production/risk.explanation.write")
    assert quiet["usage"]["total"] == 0 and "No evaluation counted" in html


def test_a_name_ending_in_json_links_to_its_page_not_a_twin(estate: TestClient) -> None:
    metadata = {"type": "ops", "owner": "dashboard-team", "expires": "2099-01-01"}
    flag = {
        "state": "ENABLED",
        "variants": {"on": True},
        "defaultVariant": "on",
        "metadata": metadata,
    }
    put = estate.put("/api/v1/environments/production/flags/config.json", json={"flag": flag})
    assert put.status_code == 201, put.text
    listed = estate.get("/flags").text
    assert 'href="/flags/production/config%2Ejson"' in listed
    page = estate.get("/flags/production/config%2Ejson")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    twin_of_it = estate.get("/flags/production/config%2Ejson.json")
    assert twin_of_it.status_code == 200 and twin_of_it.json()["key"] == "config.json"
    assert estate.get("/flags/production/config.json").status_code == 404  # "config"'s twin


def test_every_template_and_asset_is_in_the_package_data() -> None:
    import fnmatch
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    package = root / "src" / "unlockstep"
    config = tomllib.loads((root / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["unlockstep"]
    files = [
        p.relative_to(package).as_posix()
        for folder in ("server/static", "server/templates")
        for p in (package / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    assert len(files) > 20
    # setuptools' globs: "*" does not cross a "/"
    left_out = [
        f for f in files
        if not any(fnmatch.fnmatch(f, p) and f.count("/") == p.count("/") for p in patterns)
    ]  # fmt: skip
    assert not left_out, f"not shipped in the wheel: {left_out}"
