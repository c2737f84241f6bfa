"""Webhooks: Pact events enqueue deliveries in the write's transaction; the background job
sends them signed with the webhook's secret, retries with backoff and logs each attempt."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from unlockstep.server.app import create_app
from unlockstep.services import schedule, webhooks
from unlockstep.settings import Settings
from unlockstep.store import Store
from unlockstep.store.expectation_tables import ExpectationRow

from .pact_helpers import http_pact, publish_body


class Receiver:
    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.failures = 0  # answer 500 this many times first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.failures > 0:
                    receiver.failures -= 1
                    self.send_response(500)
                else:
                    receiver.received.append(
                        ({k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def quiet_api(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    """The API without its background worker, so the test sends deliveries itself."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", worker=False)
    with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
        yield client


def hook(api: TestClient, url: str, events: list[str]) -> Any:
    body = {
        "description": "tell CI",
        "events": [{"name": e} for e in events],
        "provider": {"name": "case-service"},
        "request": {
            "method": "POST",
            "url": url,
            "headers": {"X-Consumer": "${pactbroker.consumerName}"},
            "body": {"consumer": "${pactbroker.consumerName}", "pact": "${pactbroker.pactUrl}"},
        },
        "secret": "hook-secret",
    }
    response = api.post("/pact/webhooks", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def publish(api: TestClient, version: str, fields: list[str]) -> None:
    pact = http_pact("dashboard", "case-service", fields)
    response = api.post("/pact/contracts/publish", json=publish_body("dashboard", version, [pact]))
    assert response.status_code == 200, response.text


def test_the_worker_runs_the_delivery_job() -> None:
    assert any(job.run is webhooks.run_job for job in schedule.jobs(Settings()))


def test_a_published_pact_is_delivered_signed_with_the_variables_filled_in(
    quiet_api: TestClient, store: Store, receiver: Receiver
) -> None:
    hook(
        quiet_api, receiver.url, ["contract_published", "contract_requiring_verification_published"]
    )
    publish(quiet_api, "1.0.0", ["id"])
    assert webhooks.deliver_due(store, datetime.now(UTC)) == 2
    events = sorted(h["x-unlockstep-event"] for h, _ in receiver.received)
    assert events == ["contract_published", "contract_requiring_verification_published"]
    headers, body = receiver.received[0]
    assert headers["x-unlockstep-signature"] == webhooks.sign("hook-secret", body)
    assert headers["x-consumer"] == "dashboard"
    sent = json.loads(body)
    assert sent["consumer"] == "dashboard"
    assert sent["pact"].startswith(
        "http://testserver/pact/pacts/provider/case-service/consumer/dashboard/pact-version/"
    )
    # the same content again fires nothing
    publish(quiet_api, "1.0.0", ["id"])
    assert webhooks.deliver_due(store, datetime.now(UTC)) == 0


def test_a_failed_delivery_is_retried_with_backoff_and_logged(
    quiet_api: TestClient, store: Store, receiver: Receiver
) -> None:
    created = hook(quiet_api, receiver.url, ["contract_published"])
    publish(quiet_api, "1.0.0", ["id"])
    receiver.failures = 1
    now = datetime.now(UTC)
    assert webhooks.deliver_due(store, now) == 1
    assert receiver.received == []
    assert webhooks.deliver_due(store, now + timedelta(seconds=5)) == 0  # not due yet
    assert webhooks.deliver_due(store, now + timedelta(seconds=11)) == 1
    assert len(receiver.received) == 1
    log = quiet_api.get(f"/pact/webhooks/{created['uuid']}/deliveries").json()["deliveries"]
    (delivery,) = log
    assert (delivery["attempts"], delivery["succeeded"]) == (2, True)
    assert [entry["status"] for entry in delivery["log"]] == [500, 200]


def test_a_delivery_that_keeps_failing_is_given_up_after_the_last_attempt(
    quiet_api: TestClient, store: Store, receiver: Receiver
) -> None:
    created = hook(quiet_api, receiver.url, ["contract_published"])
    publish(quiet_api, "1.0.0", ["id"])
    receiver.failures = 100
    now = datetime.now(UTC)
    for _ in range(webhooks.MAX_ATTEMPTS + 2):
        webhooks.deliver_due(store, now)
        now += timedelta(hours=1)
    (delivery,) = quiet_api.get(f"/pact/webhooks/{created['uuid']}/deliveries").json()["deliveries"]
    assert delivery["attempts"] == webhooks.MAX_ATTEMPTS
    assert delivery["done"] is True and delivery["succeeded"] is False


def test_a_verification_result_fires_published_and_succeeded_or_failed(
    quiet_api: TestClient, store: Store, receiver: Receiver
) -> None:
    hook(
        quiet_api, receiver.url, ["provider_verification_published", "provider_verification_failed"]
    )
    publish(quiet_api, "1.0.0", ["id"])
    pact = quiet_api.get(
        "/pact/pacts/provider/case-service/consumer/dashboard/version/1.0.0"
    ).json()
    url = pact["_links"]["pb:publish-verification-results"]["href"].removeprefix(
        "http://testserver"
    )
    assert (
        quiet_api.post(
            url, json={"success": False, "providerApplicationVersion": "5.0.0"}
        ).status_code
        == 201
    )
    assert webhooks.deliver_due(store, datetime.now(UTC)) == 2
    events = sorted(h["x-unlockstep-event"] for h, _ in receiver.received)
    assert events == ["provider_verification_failed", "provider_verification_published"]


def test_webhooks_are_listed_tested_and_deleted(quiet_api: TestClient, receiver: Receiver) -> None:
    created = hook(quiet_api, receiver.url, ["contract_published"])
    listed = quiet_api.get("/pact/webhooks").json()
    assert [w["uuid"] for w in listed["_embedded"]["webhooks"]] == [created["uuid"]]
    executed = quiet_api.post(
        created["_links"]["pb:execute"]["href"].removeprefix("http://testserver")
    )
    assert executed.json()["success"] is True
    assert receiver.received[0][0]["x-unlockstep-event"] == "test"
    assert quiet_api.delete(f"/pact/webhooks/{created['uuid']}").status_code == 204
    assert quiet_api.get(f"/pact/webhooks/{created['uuid']}").status_code == 404


def test_an_unknown_event_is_refused(quiet_api: TestClient) -> None:
    body = {"events": [{"name": "pact_changed"}], "request": {"method": "POST", "url": "http://x"}}
    response = quiet_api.post("/pact/webhooks", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["where"] == "events"


def delivered(store: Store, receiver: Receiver) -> list[tuple[str, Any]]:
    """Send what is due; each event received and its body, in the order sent."""
    webhooks.deliver_due(store, datetime.now(UTC))
    sent = [(h["x-unlockstep-event"], json.loads(body)) for h, body in receiver.received]
    receiver.received.clear()
    return sent


def contract_of_the_pact(store: Store) -> str | None:
    """The contract name ``/pact`` gave the first pact (a provider without contracts)."""
    with store.session() as session:
        return session.scalar(select(ExpectationRow.contract))


def test_a_pact_published_through_the_own_api_fires_like_one_through_pact(
    quiet_api: TestClient, store: Store, receiver: Receiver
) -> None:
    hook(
        quiet_api, receiver.url, ["contract_published", "contract_requiring_verification_published"]
    )
    publish(quiet_api, "1.0.0", ["id"])  # registers the provider
    delivered(store, receiver)
    document = http_pact("dashboard", "case-service", ["id", "status"])
    body = {"version": "2.0.0", "document": document, "contract": contract_of_the_pact(store)}
    response = quiet_api.post("/api/v1/expectations", json=body)
    assert response.status_code == 201, response.text
    sent = delivered(store, receiver)
    assert sorted(event for event, _ in sent) == [
        "contract_published",
        "contract_requiring_verification_published",
    ]
    url = sent[0][1]["pact"]
    assert "/pact/pacts/provider/case-service/consumer/dashboard/pact-version/" in url
    served = quiet_api.get(url.removeprefix("http://testserver"))
    assert served.status_code == 200 and served.json()["interactions"] == document["interactions"]
    # the same content again fires nothing
    again = quiet_api.post("/api/v1/expectations", json=body)
    assert again.status_code == 201
    assert delivered(store, receiver) == []


def test_a_verification_reported_through_the_own_api_fires_with_the_pact_url(
    quiet_api: TestClient, store: Store, receiver: Receiver
) -> None:
    hook(
        quiet_api,
        receiver.url,
        ["provider_verification_published", "provider_verification_succeeded"],
    )
    publish(quiet_api, "1.0.0", ["id"])
    pact = quiet_api.get("/pact/pacts/provider/case-service/consumer/dashboard/version/1.0.0")
    body = {
        "consumer": "dashboard",
        "consumerVersion": "1.0.0",
        "provider": "case-service",
        "providerVersion": "5.0.0",
        "contract": contract_of_the_pact(store),
        "success": True,
    }
    response = quiet_api.post("/api/v1/verifications", json=body)
    assert response.status_code == 201, response.text
    sent = delivered(store, receiver)
    assert sorted(event for event, _ in sent) == [
        "provider_verification_published",
        "provider_verification_succeeded",
    ]
    sha = pact.json()["_links"]["pb:pact-version"]["name"]
    assert sent[0][1]["pact"].endswith(f"/consumer/dashboard/pact-version/{sha}")


def follow(api: TestClient, links: dict[str, Any], rel: str) -> Any:
    response = api.get(links[rel]["href"].removeprefix("http://testserver"))
    assert response.status_code == 200, response.text
    return response.json()


def test_a_pact_lists_the_webhooks_its_publication_triggered_with_their_logs(
    quiet_api: TestClient, store: Store, receiver: Receiver
) -> None:
    hook(quiet_api, receiver.url, ["contract_published"])
    publish(quiet_api, "1.0.0", ["id"])
    publish(quiet_api, "2.0.0", ["id", "status"])  # another version's deliveries stay apart
    receiver.failures = 1  # the first delivery sent, 1.0.0's, gets a 500
    webhooks.deliver_due(store, datetime.now(UTC))
    pact = quiet_api.get("/pact/pacts/provider/case-service/consumer/dashboard/version/1.0.0")
    listed = follow(quiet_api, pact.json()["_links"], "pb:triggered-webhooks")
    (triggered,) = listed["_embedded"]["triggeredWebhooks"]
    assert triggered["eventName"] == "contract_published"
    assert triggered["name"] == "tell CI"
    assert (triggered["status"], triggered["attemptsMade"]) == ("retrying", 1)
    assert triggered["attemptsRemaining"] == webhooks.MAX_ATTEMPTS - 1
    logs = follow(quiet_api, triggered["_links"], "pb:logs")
    assert len(logs["attempts"]) == 1 and "HTTP 500" in logs["logs"]
    assert logs["success"] is False


def test_a_verification_result_lists_the_webhooks_it_triggered(
    quiet_api: TestClient, store: Store, receiver: Receiver
) -> None:
    hook(quiet_api, receiver.url, ["provider_verification_published", "contract_published"])
    publish(quiet_api, "1.0.0", ["id"])
    pact = quiet_api.get("/pact/pacts/provider/case-service/consumer/dashboard/version/1.0.0")
    url = pact.json()["_links"]["pb:publish-verification-results"]["href"]
    published = quiet_api.post(
        url.removeprefix("http://testserver"),
        json={"success": True, "providerApplicationVersion": "5.0.0"},
    )
    assert published.status_code == 201, published.text
    webhooks.deliver_due(store, datetime.now(UTC))
    listed = follow(quiet_api, published.json()["_links"], "pb:triggered-webhooks")
    (triggered,) = listed["_embedded"]["triggeredWebhooks"]
    assert (triggered["eventName"], triggered["status"]) == (
        "provider_verification_published",
        "success",
    )
    assert "HTTP 200" in follow(quiet_api, triggered["_links"], "pb:logs")["logs"]


def test_the_logs_of_an_unknown_delivery_are_not_found(quiet_api: TestClient) -> None:
    response = quiet_api.get("/pact/triggered-webhooks/999/logs")
    assert response.status_code == 404
    assert response.json()["error"]["where"] == "delivery"


def test_a_yaml_expectation_fires_with_an_empty_pact_url(
    quiet_api: TestClient, store: Store, receiver: Receiver
) -> None:
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "expectations"
    hook(
        quiet_api, receiver.url, ["contract_published", "contract_requiring_verification_published"]
    )
    contract = (fixtures / "contracts" / "case-summary-api.1.4.0.yaml").read_text()
    assert quiet_api.put("/api/v1/teams/case-team", json={}).is_success
    assert quiet_api.put("/api/v1/services/case-service", json={"owner": "case-team"}).is_success
    assert (
        quiet_api.put(
            "/api/v1/services/case-service/contracts/case-summary-api/versions/1.4.0",
            json={"content": contract, "filename": "case-summary-api.1.4.0.yaml", "mode": "NONE"},
        ).status_code
        < 300
    )
    document = yaml.safe_load((fixtures / "dashboard-service.case-summary.yaml").read_text())
    body = {"consumer": "dashboard", "version": "5.7.0", "provider": "case-service",
            "contract": "case-summary-api", "document": document}  # fmt: skip
    response = quiet_api.post("/api/v1/expectations", json=body)
    assert response.status_code == 201, response.text
    sent = delivered(store, receiver)
    assert sorted(event for event, _ in sent) == [
        "contract_published",
        "contract_requiring_verification_published",
    ]
    assert {payload["pact"] for _, payload in sent} == {""}
    assert {payload["consumer"] for _, payload in sent} == {"dashboard"}
