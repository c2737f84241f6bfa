"""HTTP JSON and PromQL sources answer invariants like SQL ones; header secrets stay out of
messages; no data from Prometheus is no answer, never zero."""

from __future__ import annotations

import httpx
import pytest

from tests.prometheus import MetricsTarget, PrometheusServer
from unlockstep.core.safety import InvariantSpec, SourceSpec, judge
from unlockstep.services.invariants import evaluate
from unlockstep.sources.errors import SourceError
from unlockstep.sources.http_json import HttpJsonSource

API = SourceSpec(
    name="payments-api",
    kind="http",
    url="https://payments.internal/api",
    headers_env=(("Authorization", "PAYMENTS_AUTH"),),
)
TOKEN = "Bearer very-secret-token-123"


def spec(query: str, returns: str = "rows", **extra: object) -> InvariantSpec:
    fields: dict[str, object] = {"source": "payments-api", **extra}
    return InvariantSpec(
        name="no-stuck-payments", service="payments", owner="team", description="d",
        severity="high", query=query, returns=returns,  # type: ignore[arg-type]
        **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def api(handler: object) -> HttpJsonSource:
    return HttpJsonSource(
        API,
        env={"PAYMENTS_AUTH": TOKEN},
        transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
    )


def test_a_list_of_objects_is_rows_picked_by_a_pointer() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["Authorization"] == TOKEN
        assert request.url.path == "/api/payments/stuck"
        return httpx.Response(200, json={"items": [{"id": "p-1", "age": 40}, {"id": "p-9"}]})

    result = api(handler).fetch("/payments/stuck#/items")
    assert result.columns == ("id", "age")
    outcome = judge(spec("x", key="id"), result.columns, result.rows, result.truncated)
    assert (outcome.status, outcome.sample) == ("breached", ("p-1", "p-9"))


def test_a_number_is_a_count() -> None:
    result = api(lambda _: httpx.Response(200, json={"stuck": 0})).fetch("/stats#/stuck")
    outcome = judge(spec("x", returns="count"), result.columns, result.rows, result.truncated)
    assert (outcome.status, outcome.violations) == ("ok", 0)


def test_a_failing_api_is_unavailable_and_its_header_secret_is_not_repeated() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"refused with {request.headers['Authorization']}")

    with pytest.raises(SourceError) as failed:
        api(handler).fetch("/payments/stuck")
    assert failed.value.kind == "unavailable"
    assert "very-secret-token-123" not in failed.value.message
    with pytest.raises(SourceError) as server_error:
        api(lambda _: httpx.Response(503)).fetch("/x")
    assert server_error.value.kind == "unavailable"


def test_a_missing_header_variable_is_named() -> None:
    source = HttpJsonSource(API, env={})
    with pytest.raises(SourceError, match="PAYMENTS_AUTH"):
        source.fetch("/x")


@pytest.mark.slow
def test_a_promql_invariant_counts_and_no_data_is_no_answer(
    metrics_target: MetricsTarget, prometheus: PrometheusServer
) -> None:
    metrics_target.set(
        "# TYPE sn_stuck_payments gauge\n"
        'sn_stuck_payments{region="eu"} 2\n'
        'sn_stuck_payments{region="us"} 1\n'
    )
    prometheus.wait_for("sn_stuck_payments", lambda r: len(r) == 2)
    prom = SourceSpec(name="prom", kind="prometheus", url=prometheus.url)
    counted = evaluate(spec("sum(sn_stuck_payments)", returns="count", source="prom"), prom)
    assert (counted.status, counted.violations) == ("breached", 3)
    rows = evaluate(spec("sn_stuck_payments > 1", key="region", source="prom"), prom)
    assert (rows.status, rows.sample) == ("breached", ("eu",))
    nothing = evaluate(spec("sum(sn_no_such_metric)", returns="count", source="prom"), prom)
    assert nothing.status == "error"
    bad = evaluate(spec("sum(", returns="count", source="prom"), prom)
    assert bad.status == "error" and "query failed" in bad.message
