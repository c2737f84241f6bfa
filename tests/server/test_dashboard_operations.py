"""The dashboard's rollout and safety-net pages over the demo estate: each page's JSON twin
is its view-model and the HTML shows what the twin says; the rollout actions (approve a
waiting stage, abort with a reason and a confirmation) go through the same use cases as the
API, behind the session's CSRF token."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.server.test_dashboard import shows, twin
from tests.services.rollout_fixtures import FLAG, T0, Script, check, rollout, script_fixture, seed
from unlockstep.services import rollout_controller, rollouts
from unlockstep.services.analysis_providers import Context
from unlockstep.services.authz import ANONYMOUS
from unlockstep.store import Store

__all__ = ["script_fixture"]

CHECK_ERRORS = "errors"


@pytest.fixture
def rolled(api: TestClient, store: Store, script: Script) -> tuple[TestClient, int]:
    """A rollout of the demo flag whose first stage was analysed by the controller (two
    measurements: one passing, one failing within the failure limit); the second stage,
    which will wait for a person's approval, is being analysed."""
    seed(api)
    script.answers[CHECK_ERRORS] = [0.01, 0.2]
    body = rollout(
        [{"name": "canary", "percent": 5}, {"name": "half", "percent": 50, "approval": True},
         100],
        analysis={"name": "health", "checks": [check(count=2, failureLimit=1)]},
    )  # fmt: skip
    started = rollouts.start(store, ANONYMOUS, body, now=T0)
    for seconds in (30, 60, 90):
        rollout_controller.tick(store, T0 + dt.timedelta(seconds=seconds), Context(store=store))
    return api, started.id


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def test_rollouts_page_lists_each_rollout_with_its_stage_and_wait(
    rolled: tuple[TestClient, int],
) -> None:
    api, rollout_id = rolled
    view, html = twin(api, "/rollouts")
    [item] = view["rollouts"]
    assert (item["id"], item["flag"], item["stages"]) == (rollout_id, FLAG, 3)
    shows(html, f"#{rollout_id}", FLAG, item["stageName"], item["waitingFor"])
    assert f'href="/rollouts/{rollout_id}"' in html
    live, _ = twin(api, "/rollouts", active="yes")
    ended, _ = twin(api, "/rollouts", active="no")
    assert [r["id"] for r in live["rollouts"]] == [rollout_id] and ended["rollouts"] == []


def test_rollout_page_shows_stages_actions_and_each_check_as_a_chart(
    rolled: tuple[TestClient, int],
) -> None:
    api, rollout_id = rolled
    view, html = twin(api, f"/rollouts/{rollout_id}")
    assert [s["state"] for s in view["stageList"]] == ["done", "current", "pending"]
    assert view["status"] == "running" and view["actions"] == ["promote", "pause", "abort"]
    shows(html, *(s["name"] for s in view["stageList"]), view["waitingFor"])
    for verb in view["actions"]:
        assert f'action="/rollouts/{rollout_id}/{verb}"' in html
    first = view["analyses"][-1]  # newest first
    assert (first["stage"], first["status"]) == (0, "pass")
    bars = [b for run in view["analyses"] for c in run["checks"] for b in c["chart"]["bars"]]
    assert [b["series"] for b in first["checks"][0]["chart"]["bars"]] == [0, 1]  # pass, fail
    assert html.count('<rect class="s') == len(bars)
    shows(html, *(b["label"] for b in bars))
    shows(html, *(e["action"] for e in view["audit"]))
    assert api.get("/rollouts/999.json").status_code == 404


def test_promote_then_abort_from_the_page_with_reason_and_confirmation(
    rolled: tuple[TestClient, int],
) -> None:
    api, rollout_id = rolled
    html = api.get(f"/rollouts/{rollout_id}").text
    token = csrf_of(html)
    promoted = api.post(
        f"/rollouts/{rollout_id}/promote", data={"csrf": token, "reason": "canary looks fine"},
        follow_redirects=False,
    )  # fmt: skip
    assert promoted.status_code == 303, promoted.text
    view, html = twin(api, f"/rollouts/{rollout_id}")
    assert (view["stage"], view["status"]) == (2, "running")
    shows(html, "canary looks fine")
    no_reason = api.post(f"/rollouts/{rollout_id}/abort", data={"csrf": token, "confirm": "yes"})
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    unconfirmed = api.post(f"/rollouts/{rollout_id}/abort", data={"csrf": token, "reason": "x"})
    assert unconfirmed.status_code == 422
    forged = api.post(
        f"/rollouts/{rollout_id}/abort", data={"csrf": "forged", "reason": "x", "confirm": "yes"}
    )
    assert forged.status_code == 403
    assert api.get(f"/rollouts/{rollout_id}.json").json()["status"] != "aborted"
    aborted = api.post(
        f"/rollouts/{rollout_id}/abort",
        data={"csrf": token, "reason": "error rate alert", "confirm": "yes"},
        follow_redirects=False,
    )
    assert aborted.status_code == 303
    view, html = twin(api, f"/rollouts/{rollout_id}")
    assert view["status"] == "aborted" and view["actions"] == []
    assert any(e["action"] == "rollout.abort" or "abort" in e["action"] for e in view["audit"])
    shows(html, "error rate alert")
    assert api.post(f"/rollouts/{rollout_id}/dance", data={"csrf": token}).status_code == 422


def run(api: TestClient, what: str, name: str) -> dict[str, Any]:
    response = api.post(f"/api/v1/{what}/{name}/runs")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_safety_nets_page_lists_invariants_and_reconciliations_with_their_state(
    estate: TestClient,
) -> None:
    run(estate, "invariants", "escalations-are-published")
    run(estate, "reconciliations", "legacy-cases")
    view, html = twin(estate, "/safety-nets")
    states = {i["name"]: i["state"] for i in view["invariants"]}
    assert states["escalations-are-published"] == "breached"
    [recon] = view["reconciliations"]
    assert recon["name"] == "legacy-cases" and recon["open"] >= 1
    shows(html, *states, recon["name"])
    assert 'href="/invariants/escalations-are-published"' in html
    assert 'href="/reconciliations/legacy-cases"' in html
    mine, _ = twin(estate, "/safety-nets", service="case-service")
    assert {i["service"] for i in mine["invariants"]} == {"case-service"}
    none, _ = twin(estate, "/safety-nets", service="no-such-service")
    assert none["invariants"] == [] and none["reconciliations"] == []


def test_invariant_page_charts_its_runs_and_shows_the_query(estate: TestClient) -> None:
    for _ in range(2):
        run(estate, "invariants", "escalations-are-published")
    view, html = twin(estate, "/invariants/escalations-are-published")
    assert view["state"] == "breached" and len(view["runs"]) == 2
    assert [b["series"] for b in view["chart"]["bars"]] == [1, 1]  # breached, breached
    assert html.count('<rect class="s') == 2
    shows(html, view["query"], *(r["sample"][0] for r in view["runs"]))
    assert estate.get("/invariants/nothing-like-it.json").status_code == 404


def test_reconciliation_page_shows_the_last_run_and_the_open_queue(estate: TestClient) -> None:
    run(estate, "reconciliations", "legacy-cases")
    view, html = twin(estate, "/reconciliations/legacy-cases")
    queue = view["queue"]
    assert queue["total"] == view["open"] == len(queue["items"]) >= 1
    assert view["lastRun"]["discrepancies"] >= queue["total"]
    shows(html, *(d["key"] for d in queue["items"]), *(d["kind"] for d in queue["items"]))


def test_service_page_links_its_safety_nets_and_the_nav_reaches_the_new_pages(
    estate: TestClient,
) -> None:
    view, html = twin(estate, "/services/case-service")
    names = {i["name"] for i in view["safetyNets"]["invariants"]}
    assert "escalations-are-published" in names
    assert 'href="/safety-nets?service=case-service"' in html
    assert 'href="/rollouts"' in html and 'href="/safety-nets"' in html
