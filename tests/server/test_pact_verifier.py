"""pact-python's ``Verifier`` (the Rust pact_verifier it bundles) against a live unlockstep:
it fetches the pacts for verification with consumer version selectors, pending and WIP pacts,
replays them against a small provider app, publishes its results, and can-i-deploy then
uses them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.server.pact_helpers import TOKEN, http_pact, live_server, publish_body
from unlockstep.store import Store

pact = pytest.importorskip("pact", reason="pact-python (test extra) is not installed")

pytestmark = pytest.mark.slow


class _Case(BaseHTTPRequestHandler):
    """The provider: ``GET /cases/1`` answers ``{"id": "x", "status": "x"}``."""

    def do_GET(self) -> None:
        body = json.dumps({"id": "x", "status": "x"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def provider_app() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Case)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _build(broker: str, provider: str, version: str) -> Any:
    """One provider build's verification (main branch, pending and WIP pacts included)."""
    verifier = (
        pact.Verifier("case-service", host="127.0.0.1")
        .add_transport(url=provider)
        .broker_source(broker, token=TOKEN, selector=True)
        .consumer_version(main_branch=True)
        .consumer_version(deployed_or_released=True)
        .include_pending()
        .include_wip_since("2020-01-01")
        .provider_branch("main")
        .build()
        .set_publish_options(version=version, branch="main")
    )
    return verifier.verify()


def test_the_verifier_fetches_verifies_and_publishes_what_can_i_deploy_uses(
    store: Store, tmp_path: Path, provider_app: str
) -> None:
    with live_server(store, tmp_path / "server.log") as broker:
        http = httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)

        def ok(response: httpx.Response) -> Any:
            assert response.status_code < 300, response.text
            return response.json()

        def publish(version: str, fields: list[str], branch: str) -> None:
            body = publish_body(
                "dashboard", version, [http_pact("dashboard", "case-service", fields)], branch
            )
            ok(http.post(f"{broker}/contracts/publish", json=body))

        def release(version: str) -> None:
            path = f"/pacticipants/dashboard/versions/{version}/released-versions/environment/{env}"
            ok(http.post(broker + path, json={}))

        def deployable(version: str) -> Any:
            query = f"q[][pacticipant]=case-service&q[][version]={version}&environment=production"
            return ok(http.get(f"{broker}/matrix?{query}"))["summary"]["deployable"]

        env = ok(http.post(f"{broker}/environments", json={"name": "production"}))["uuid"]
        publish("1.0.0", ["id", "status"], "main")
        release("1.0.0")
        results = _build(broker, provider_app, "5.0.0").results
        assert results["result"] is True and not results["errors"]
        assert deployable("5.0.0") is True  # the build's result is the evidence

        # a consumer branch expects a field the provider lacks: a WIP pact, pending, so the
        # provider's next build still passes (its failure is reported as pending)
        publish("2.0.0", ["id", "priority"], "feat-priority")
        selectors = {
            "consumerVersionSelectors": [{"mainBranch": True}],
            "providerVersionBranch": "main",
            "includePendingStatus": True,
            "includeWipPactsSince": "2020-01-01",
        }
        found = ok(
            http.post(f"{broker}/pacts/provider/case-service/for-verification", json=selectors)
        )
        props = {
            p["shortDescription"]: p["verificationProperties"] for p in found["_embedded"]["pacts"]
        }
        assert props["dashboard (1.0.0)"]["pending"] is False  # verified by a main build
        assert props["dashboard (2.0.0)"]["pending"] is True
        assert props["dashboard (2.0.0)"]["wip"] is True
        results = _build(broker, provider_app, "5.0.1").results
        assert results["result"] is True
        assert results["pendingErrors"], results
        release("2.0.0")
        assert deployable("5.0.1") is False  # the failed result counts once it is live
