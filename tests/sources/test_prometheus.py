"""The Prometheus query client against a real Prometheus (skipped without the binary)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.prometheus import MetricsTarget, PrometheusServer, free_port, start_prometheus
from unlockstep.sources.prometheus import Prometheus, PrometheusError, safe_url

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scraped(metrics_target: MetricsTarget, prometheus: PrometheusServer) -> PrometheusServer:
    metrics_target.set(
        "# TYPE src_test_requests_total counter\n"
        'src_test_requests_total{version="v1",consumer="case-service"} 0\n'
        'src_test_requests_total{version="v2",consumer="case-service"} 12\n'
        'src_test_requests_total{version="v2",consumer="billing"} 3\n'
    )
    prometheus.wait_for("src_test_requests_total", lambda r: len(r) == 3)
    return prometheus


def test_instant_vector_scalar_and_no_data(scraped: PrometheusServer) -> None:
    with Prometheus(scraped.url) as prom:
        samples = prom.query('src_test_requests_total{version="v2"}')
        assert sorted((s.labels["consumer"], s.value) for s in samples) == [
            ("billing", 3.0),
            ("case-service", 12.0),
        ]
        assert prom.scalar('sum(src_test_requests_total{version="v2"})') == 15.0
        assert prom.scalar('sum(src_test_requests_total{version="v1"})') == 0.0
        assert prom.scalar("scalar(vector(7))") == 7.0
        # no series is not zero: the caller must see "no data"
        assert prom.scalar('sum(src_test_requests_total{version="v9"})') is None


def test_several_series_where_one_number_is_expected_is_the_queries_fault(
    scraped: PrometheusServer,
) -> None:
    with Prometheus(scraped.url) as prom, pytest.raises(PrometheusError) as caught:
        prom.scalar('src_test_requests_total{version="v2"}')
    assert caught.value.kind == "invalid"
    assert "aggregate" in caught.value.message


def test_bad_promql_is_invalid_and_names_the_server(scraped: PrometheusServer) -> None:
    with Prometheus(scraped.url) as prom, pytest.raises(PrometheusError) as caught:
        prom.query("sum(rate(src_test_requests_total[5m])")
    assert caught.value.kind == "invalid"
    assert scraped.url in caught.value.message
    assert "bad_data" in caught.value.message


def test_a_range_result_for_an_instant_question_is_refused(scraped: PrometheusServer) -> None:
    with Prometheus(scraped.url) as prom, pytest.raises(PrometheusError) as caught:
        prom.query("src_test_requests_total[1m]")
    assert caught.value.kind == "invalid"


def test_range_query(scraped: PrometheusServer) -> None:
    end = datetime.now(UTC)
    with Prometheus(scraped.url) as prom:
        series = prom.query_range(
            'sum(src_test_requests_total{version="v2"})',
            end - timedelta(seconds=5),
            end,
            timedelta(seconds=1),
        )
    assert len(series) == 1
    assert series[0].points and all(v == 15.0 for _, v in series[0].points[-2:])


def test_unreachable_and_not_prometheus_are_unavailable(tmp_path: Path) -> None:
    with Prometheus(f"http://127.0.0.1:{free_port()}", timeout=2) as prom:
        with pytest.raises(PrometheusError) as caught:
            prom.scalar("vector(1)")
        assert caught.value.kind == "unavailable"
    target = MetricsTarget()  # answers every path with exposition text, not the API
    try:
        with Prometheus(f"http://{target.address}") as prom, pytest.raises(PrometheusError) as err:
            prom.scalar("vector(1)")
        assert err.value.kind == "unavailable"
        assert "Prometheus-compatible" in err.value.message
    finally:
        target.close()


def test_backfilled_history_answers_questions_about_past_days(tmp_path: Path) -> None:
    day = 86_400
    start = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp())
    lines = ["# TYPE old_api_requests counter"]
    for d in range(20):  # v1 traffic stops after day 5
        value = min(d, 5) * 100
        lines.append(f'old_api_requests_total{{version="v1"}} {value} {start + d * day}')
    server = start_prometheus(tmp_path, [], backfill="\n".join(lines) + "\n")
    try:
        at = datetime.fromtimestamp(start + 19 * day, UTC)
        with Prometheus(server.url) as prom:
            increase = prom.scalar('sum(increase(old_api_requests_total{version="v1"}[14d]))', at)
            assert increase is not None and math.isclose(increase, 0.0, abs_tol=1e-9)
            earlier = prom.scalar(
                'sum(increase(old_api_requests_total{version="v1"}[3d]))',
                datetime.fromtimestamp(start + 5 * day, UTC),
            )
            assert earlier is not None and earlier > 0
    finally:
        server.stop()


def test_passwords_are_never_shown() -> None:
    assert (
        safe_url("https://bob:s3cret@mimir:9009/prometheus")
        == "https://bob:***@mimir:9009/prometheus"
    )
    assert safe_url("http://prometheus:9090") == "http://prometheus:9090"
    url = f"http://bob:s3cret@127.0.0.1:{free_port()}"
    with Prometheus(url, timeout=1) as prom, pytest.raises(PrometheusError) as caught:
        prom.scalar("vector(1)")
    assert "s3cret" not in caught.value.message
