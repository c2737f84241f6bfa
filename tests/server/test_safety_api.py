"""Safety nets through the API: a service's safety-nets file published, invariants run with
their state changes audited and notified (signed, retried), reconciliations feeding the
operator queue, and no secret of a data source anywhere a person or client could read it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.conftest import REPO
from tests.safety_systems import readonly_postgres
from unlockstep.services import notifications, webhooks
from unlockstep.settings import Settings
from unlockstep.store import Store
from unlockstep.store.safety_tables import NotificationRow

#: For tests whose subject is not the database (the store fixture runs both otherwise).
SQLITE_ONLY = pytest.mark.parametrize("store", ["sqlite"], indirect=True)
DEMO = REPO / "examples" / "estate" / "safety-nets" / "case-service.yaml"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """No background worker (these tests run the jobs' functions themselves); the sources may
    read PAYMENTS_DSN and open SQLite databases in the test's folder, nothing else."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'test.db'}",
        flag_rules=[],
        worker=False,
        safety_source_secrets=["PAYMENTS_DSN"],
        safety_sqlite_dirs=[str(tmp_path)],
    )


@pytest.fixture
def registry(api: TestClient) -> TestClient:
    """The registry with case-service in it (whose safety nets these tests publish)."""
    assert api.put("/api/v1/services/case-service", json={}).status_code in (200, 201)
    return api


def publish(api: TestClient, text: str, base: Path) -> dict[str, Any]:
    response = api.put(
        "/api/v1/safety-nets/case-service",
        json={"document": text, "filename": "case-service.yaml", "base": str(base)},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def run_invariant(api: TestClient, name: str) -> dict[str, Any]:
    response = api.post(f"/api/v1/invariants/{name}/runs")
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_demo_declares_one_invariant_that_holds_and_one_that_is_breached(
    estate: TestClient,
) -> None:
    names = {i["name"] for i in estate.get("/api/v1/invariants").json()["items"]}
    assert names == {
        "escalated-cases-have-a-basis",
        "escalations-are-published",
        "outbox-case-events-outbox",
    }
    holds = run_invariant(estate, "escalated-cases-have-a-basis")
    breached = run_invariant(estate, "escalations-are-published")
    assert (holds["status"], holds["violations"]) == ("ok", 0)
    assert (breached["status"], breached["violations"], breached["sample"]) == (
        "breached",
        1,
        ["6"],
    )
    listed = estate.get("/api/v1/invariants", params={"service": "case-service"}).json()
    assert listed["breached"] == 1
    shown = estate.get("/api/v1/invariants/escalations-are-published").json()
    assert shown["invariant"]["state"] == "breached"
    assert shown["runs"][0]["sample"] == ["6"]


@SQLITE_ONLY
def test_the_outbox_gate_shows_the_stuck_relay_and_publishers_without_one_are_flagged(
    estate: TestClient,
) -> None:
    before = estate.get("/api/v1/outboxes").json()
    [outbox] = before["outboxes"]
    assert (outbox["service"], outbox["state"], outbox["metrics"]) == (
        "case-service",
        "unknown",
        {},
    )
    assert before["problems"] == []
    run_invariant(estate, "outbox-case-events-outbox")
    after = estate.get("/api/v1/outboxes").json()
    [outbox] = after["outboxes"]
    assert outbox["state"] == "breached" and after["ok"] is False
    assert outbox["metrics"]["unpublished"] == 1
    assert outbox["metrics"]["oldestUnpublishedAgeSeconds"] > 86400
    # a service whose contract sends events, with no outbox declared
    document = (REPO / "examples" / "estate" / "contracts" / "case-events.v1.yaml").read_text()
    published = estate.put(
        "/api/v1/services/decision-service/contracts/decision-events/versions/2.1.0",
        json={"content": document},
    )
    assert published.status_code in (200, 201), published.text
    [problem] = estate.get("/api/v1/outboxes").json()["problems"]
    assert (problem["service"], problem["contracts"]) == ("decision-service", ["decision-events"])


@SQLITE_ONLY
def test_republishing_the_same_file_changes_nothing(estate: TestClient) -> None:
    again = publish(estate, DEMO.read_text(), DEMO.parent)
    assert again["created"] == again["updated"] == again["removed"] == []
    assert "invariant escalations-are-published" in again["unchanged"]


@SQLITE_ONLY
def test_a_file_with_a_literal_dsn_is_refused_with_its_line(estate: TestClient) -> None:
    text = "service: case-service\nsources:\n  db:\n    kind: postgresql\n    dsn: postgresql://u:pw@h/db\n"
    response = estate.put(
        "/api/v1/safety-nets/case-service", json={"document": text, "filename": "x.yaml"}
    )
    assert response.status_code == 422
    body = response.json()["error"]
    assert "x.yaml:5: /sources/db/dsn" in json.dumps(body)
    assert "pw@h" not in json.dumps(body)


SYSTEM = """
service: case-service
owner: case-platform-team
sources:
  store:
    kind: sqlite
    path: store.db
invariants:
  no-stuck-payments:
    description: No payment is stuck.
    source: store
    query: SELECT id FROM payments WHERE state = 'stuck'
    key: id
    tolerance: 0
reconciliations:
  payments:
    left:
      source: store
      query: SELECT id, state FROM payments
      key: id
    right:
      source: store
      query: SELECT id, state FROM ledger
      key: id
    fields: {state: {}}
    keyType: integer
"""


@pytest.fixture
def system(tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE payments (id INTEGER PRIMARY KEY, state TEXT)")
        conn.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, state TEXT)")
        rows = [(i, "done") for i in range(1, 11)]
        conn.executemany("INSERT INTO payments VALUES (?, ?)", rows)
        conn.executemany("INSERT INTO ledger VALUES (?, ?)", rows)
    return path


def write(path: Path, *statements: str) -> None:
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)


def test_ok_breached_recovered_are_audited_and_notified_once_each(
    registry: TestClient, store: Store, system: Path
) -> None:
    publish(registry, SYSTEM, system.parent)
    assert run_invariant(registry, "no-stuck-payments")["status"] == "ok"
    assert run_invariant(registry, "no-stuck-payments")["status"] == "ok"
    write(system, "UPDATE payments SET state = 'stuck' WHERE id IN (3, 7)")
    breached = run_invariant(registry, "no-stuck-payments")
    assert (breached["status"], breached["sample"]) == ("breached", ["3", "7"])
    assert run_invariant(registry, "no-stuck-payments")["status"] == "breached"
    write(system, "UPDATE payments SET state = 'done'")
    assert run_invariant(registry, "no-stuck-payments")["status"] == "ok"

    audit = registry.get(
        "/api/v1/audit", params={"entityType": "invariant", "entity": "no-stuck-payments"}
    ).json()["items"]
    actions = [e["action"] for e in reversed(audit)]
    assert actions == [
        "invariant.declared",
        "invariant.ok",
        "invariant.breached",
        "invariant.recovered",
    ]
    events = [n.event for n in notifications.pending(store)]
    assert events == ["invariant.breached", "invariant.recovered"]


@SQLITE_ONLY
def test_webhook_deliveries_are_signed_and_retried_until_they_succeed(
    registry: TestClient, store: Store, system: Path
) -> None:
    publish(registry, SYSTEM, system.parent)
    write(system, "UPDATE payments SET state = 'stuck' WHERE id = 1")
    run_invariant(registry, "no-stuck-payments")
    received: list[httpx.Request] = []
    answers = iter([503, 200])

    def hook(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(next(answers))

    now = datetime.now(UTC)
    transport = httpx.MockTransport(hook)
    first = notifications.deliver_due(
        store, now, "http://hooks.example/x", "k3y", transport=transport
    )
    assert [d.delivered for d in first] == [False]
    # not due again before its backoff
    assert (
        notifications.deliver_due(store, now, "http://hooks.example/x", "k3y", transport=transport)
        == []
    )
    later = now + timedelta(minutes=5)
    second = notifications.deliver_due(
        store, later, "http://hooks.example/x", "k3y", transport=transport
    )
    assert [d.delivered for d in second] == [True]
    assert notifications.pending(store) == []
    request = received[-1]
    body = request.content
    assert request.headers["X-Unlockstep-Signature"] == notifications.signature("k3y", body)
    assert request.headers["X-Unlockstep-Event"] == "invariant.breached"
    payload = json.loads(body)
    assert (payload["invariant"], payload["sample"]) == ("no-stuck-payments", ["1"])
    with store.session() as session:
        row = session.query(NotificationRow).one()
        assert row.attempts == 2 and row.delivered_at is not None


def test_a_registered_webhook_gets_its_services_breach_signed_beside_the_safety_url(
    registry: TestClient, store: Store, system: Path
) -> None:
    def register(provider: str, events: list[str]) -> None:
        body = {
            "events": [{"name": e} for e in events],
            "provider": {"name": provider},
            "request": {"method": "POST", "url": f"http://hooks.example/{provider}"},
            "secret": "s3cret",
        }
        response = registry.post("/pact/webhooks", json=body)
        assert response.status_code == 201, response.text

    register("case-service", ["invariant.breached", "contract_published"])
    register("other-service", ["invariant.breached"])  # another team's service: not told
    publish(registry, SYSTEM, system.parent)
    write(system, "UPDATE payments SET state = 'stuck' WHERE id = 4")
    run_invariant(registry, "no-stuck-payments")
    write(system, "UPDATE payments SET state = 'done'")
    run_invariant(registry, "no-stuck-payments")  # recovered: not among this hook's events
    received: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(204)

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        assert webhooks.deliver_due(store, datetime.now(UTC), client) == 1
    (request,) = received
    assert str(request.url) == "http://hooks.example/case-service"
    assert request.headers["X-Unlockstep-Event"] == "invariant.breached"
    assert request.headers[webhooks.SIGNATURE] == webhooks.sign("s3cret", request.content)
    payload = json.loads(request.content)
    assert (payload["event"], payload["invariant"], payload["sample"]) == (
        "invariant.breached", "no-stuck-payments", ["4"],
    )  # fmt: skip
    # the safety webhook URL's outbox still gets both changes
    events = [n.event for n in notifications.pending(store)]
    assert events == ["invariant.breached", "invariant.recovered"]


def test_an_unknown_safety_event_is_refused_naming_the_known_ones(registry: TestClient) -> None:
    body = {
        "events": [{"name": "invariant.exploded"}],
        "provider": {"name": "case-service"},
        "request": {"method": "POST", "url": "http://hooks.example/x"},
    }
    response = registry.post("/pact/webhooks", json=body)
    assert response.status_code == 422, response.text
    assert "reconciliation.breached" in response.json()["error"]["hint"]


def test_a_reconciliation_fills_the_queue_and_closes_what_the_data_fixed(
    registry: TestClient, store: Store, system: Path
) -> None:
    publish(registry, SYSTEM, system.parent)
    write(
        system,
        "DELETE FROM ledger WHERE id = 4",
        "INSERT INTO ledger VALUES (11, 'done')",
        "UPDATE ledger SET state = 'refunded' WHERE id = 9",
    )
    run = registry.post("/api/v1/reconciliations/payments/runs").json()
    assert (run["status"], run["leftRows"], run["rightRows"]) == ("done", 10, 10)
    assert (run["missingLeft"], run["missingRight"], run["mismatched"]) == (1, 1, 1)
    queue = registry.get("/api/v1/discrepancies", params={"reconciliation": "payments"}).json()
    found = {d["key"]: d for d in queue["items"]}
    assert {k: d["kind"] for k, d in found.items()} == {
        "4": "missing-right",
        "9": "mismatch",
        "11": "missing-left",
    }
    assert found["9"]["fields"] == [{"field": "state", "left": "done", "right": "refunded"}]
    status = registry.get("/api/v1/reconciliations/payments").json()
    assert (status["open"], status["breached"]) == (3, True)
    # the seed's dual-write signals
    assert (status["mismatches"], status["recordsRemaining"]) == (1, 1)
    assert 0 <= status["backfillLagSeconds"] < 600

    resolved = registry.post(
        f"/api/v1/discrepancies/{found['9']['id']}/resolve", json={"reason": "refund is right"}
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    write(system, "INSERT INTO ledger VALUES (4, 'done')")  # the backfill caught up
    registry.post("/api/v1/reconciliations/payments/runs")
    every = registry.get(
        "/api/v1/discrepancies", params={"reconciliation": "payments", "status": "all"}
    ).json()["items"]
    states = {d["key"]: (d["status"], d["reason"]) for d in every}
    assert states["4"] == ("gone", "no longer found")
    assert states["9"][0] == "open"  # still differs: resolving it did not make it right
    assert states["11"][0] == "open"
    first = found["11"]["firstSeen"]
    assert next(d for d in every if d["key"] == "11")["firstSeen"] == first
    audit = registry.get("/api/v1/audit", params={"entityType": "reconciliation"}).json()["items"]
    assert any(
        e["action"] == "discrepancy.resolved" and e["reason"] == "refund is right" for e in audit
    )
    # over the tolerance on the first run: audited and notified once
    assert [e["action"] for e in audit if e["action"].startswith("reconciliation.b")] == [
        "reconciliation.breached"
    ]
    assert "reconciliation.breached" in [n.event for n in notifications.pending(store)]


@SQLITE_ONLY
def test_a_long_reconciliation_runs_in_the_background_with_its_progress_to_poll(
    registry: TestClient, system: Path
) -> None:
    import time

    publish(registry, SYSTEM, system.parent)
    write(system, "DELETE FROM ledger WHERE id = 3")
    started = registry.post("/api/v1/reconciliations/payments/runs", params={"wait": "false"})
    assert started.status_code == 202
    run = started.json()
    assert run["status"] == "running"
    # a second run while it compares is refused
    again = registry.post("/api/v1/reconciliations/payments/runs", params={"wait": "false"})
    assert again.status_code in (202, 409)
    path = f"/api/v1/reconciliations/payments/runs/{run['id']}"
    for _ in range(100):
        run = registry.get(path).json()
        if run["status"] != "running":
            break
        time.sleep(0.05)
    assert (run["status"], run["missingRight"]) == ("done", 1)
    assert registry.get("/api/v1/reconciliations/other/runs/1").status_code == 404


@SQLITE_ONLY
def test_a_reconciliation_whose_source_fails_is_an_error_and_closes_nothing(
    registry: TestClient, system: Path
) -> None:
    publish(registry, SYSTEM, system.parent)
    write(system, "DELETE FROM ledger WHERE id = 2")
    registry.post("/api/v1/reconciliations/payments/runs")
    system.unlink()
    run = registry.post("/api/v1/reconciliations/payments/runs").json()
    assert run["status"] == "error"
    assert "no SQLite database" in run["message"]
    assert registry.get("/api/v1/reconciliations/payments").json()["open"] == 1


SECRET = "s3cr3t-Passw0rd-xyz"


@SQLITE_ONLY
def test_a_data_source_secret_is_nowhere_a_client_can_read(
    registry: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PAYMENTS_DSN", f"postgresql://reader:{SECRET}@127.0.0.1:1/payments")
    text = """
service: case-service
sources:
  payments:
    kind: postgresql
    dsnEnv: PAYMENTS_DSN
    statementTimeout: 2s
invariants:
  no-stuck-payments:
    description: No payment is stuck.
    source: payments
    query: SELECT id FROM payments WHERE state = 'stuck'
"""
    publish(registry, text, tmp_path)
    run = run_invariant(registry, "no-stuck-payments")
    assert run["status"] == "error"
    assert "cannot connect" in run["message"]
    seen = [
        json.dumps(run),
        registry.get("/api/v1/invariants").text,
        registry.get("/api/v1/invariants/no-stuck-payments").text,
        registry.get("/api/v1/audit", params={"limit": 500}).text,
        registry.get("/api/v1/data-sources").text,
    ]
    for body in seen:
        assert SECRET not in body
        assert "reader:" not in body
    assert "PAYMENTS_DSN" in seen[3]  # what is stored and audited is the reference
    [source] = json.loads(seen[4])["items"]
    assert (source["name"], source["kind"], source["dsnEnv"]) == (
        "payments",
        "postgresql",
        "PAYMENTS_DSN",
    )


@SQLITE_ONLY
def test_a_published_file_cannot_make_the_server_read_its_own_secrets_or_files(
    registry: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A team's token publishes safety-nets files: naming the server's database URL, or a
    SQLite file outside the allowed folders, gets no answer (an error run), not the data."""
    monkeypatch.setenv("UNLOCKSTEP_DATABASE_URL", f"postgresql://admin:{SECRET}@db/registry")
    elsewhere = tmp_path.parent / "elsewhere.db"
    sqlite3.connect(elsewhere).close()
    text = f"""
service: case-service
sources:
  registry-db: {{kind: postgresql, dsnEnv: UNLOCKSTEP_DATABASE_URL}}
  other-file: {{kind: sqlite, path: {elsewhere}}}
invariants:
  read-the-registry:
    description: x
    source: registry-db
    query: SELECT name FROM tokens
  read-a-file:
    description: x
    source: other-file
    query: SELECT name FROM sqlite_master
"""
    publish(registry, text, tmp_path)
    run = run_invariant(registry, "read-the-registry")
    assert run["status"] == "error"
    assert "does not let sources read UNLOCKSTEP_DATABASE_URL" in run["message"]
    assert SECRET not in json.dumps(run)
    run = run_invariant(registry, "read-a-file")
    assert run["status"] == "error"
    assert "UNLOCKSTEP_SAFETY_SQLITE_DIRS" in run["message"]


@pytest.fixture
def payments_pg() -> Iterator[Any]:
    sql = """
    CREATE TABLE payments (id integer PRIMARY KEY, state text NOT NULL);
    INSERT INTO payments SELECT g, CASE WHEN g IN (5, 50) THEN 'stuck' ELSE 'done' END
    FROM generate_series(1, 200) AS g;
    """
    with readonly_postgres(sql) as found:
        yield found


@pytest.mark.postgres
@SQLITE_ONLY  # the registry's store; the data source is the real PostgreSQL
def test_postgresql_sources_through_the_api_with_a_read_only_role(
    registry: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, payments_pg: Any
) -> None:
    monkeypatch.setenv("PAYMENTS_DSN", payments_pg.dsn)
    (tmp_path / "ledger.sql").write_text(
        "CREATE TABLE ledger (id INTEGER PRIMARY KEY, state TEXT);\n"
        + "\n".join(
            f"INSERT INTO ledger VALUES ({i}, '{'stuck' if i in (5, 50) else 'done'}');"
            for i in range(1, 201)
            if i != 77
        )
    )
    text = """
service: case-service
sources:
  payments:
    kind: postgresql
    dsnEnv: PAYMENTS_DSN
  ledger:
    kind: sqlite
    path: ledger.sql
invariants:
  no-stuck-payments:
    description: No payment is stuck.
    source: payments
    query: SELECT id FROM payments WHERE state = 'stuck' ORDER BY id
    key: id
  nothing-is-deleted:
    description: A safety net that writes is refused (and reported), not obeyed.
    source: payments
    query: WITH gone AS (DELETE FROM payments RETURNING id) SELECT id FROM gone
reconciliations:
  payments-ledger:
    left:
      source: payments
      query: SELECT id, state FROM payments
      key: id
    right:
      source: ledger
      query: SELECT id, state FROM ledger
      key: id
    fields: {state: {}}
    keyType: integer
    chunk: 100
"""
    publish(registry, text, tmp_path)
    stuck = run_invariant(registry, "no-stuck-payments")
    assert (stuck["status"], stuck["sample"]) == ("breached", ["5", "50"])
    refused = run_invariant(registry, "nothing-is-deleted")
    assert refused["status"] == "error"
    assert "refused" in refused["message"]
    assert run_invariant(registry, "no-stuck-payments")["violations"] == 2  # nothing was deleted
    run = registry.post("/api/v1/reconciliations/payments-ledger/runs").json()
    assert (run["leftRows"], run["rightRows"], run["missingRight"]) == (200, 199, 1)
    queue = registry.get("/api/v1/discrepancies", params={"reconciliation": "payments-ledger"})
    assert [d["key"] for d in queue.json()["items"]] == ["77"]


@SQLITE_ONLY
def test_the_safety_nets_are_scrapeable_as_prometheus_metrics(estate: TestClient) -> None:
    import shutil
    import subprocess

    for name in ("escalations-are-published", "outbox-case-events-outbox"):
        run_invariant(estate, name)
    estate.post("/api/v1/reconciliations/legacy-cases/runs")
    response = estate.get("/api/v1/safety-nets/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert (
        'unlockstep_invariant_state{invariant="escalations-are-published",'
        'service="case-service",severity="critical",state="breached"} 1' in text
    )
    assert 'unlockstep_invariant_violations{invariant="escalations-are-published"' in text
    assert "unlockstep_outbox_oldest_unpublished_age_seconds{" in text
    assert (
        'unlockstep_reconciliation_records_remaining{reconciliation="legacy-cases",'
        'service="case-service"} 1' in text
    )
    promtool = shutil.which("promtool")
    if promtool:  # the exposition format, checked by Prometheus's own linter
        checked = subprocess.run(
            [promtool, "check", "metrics"], input=text, capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
