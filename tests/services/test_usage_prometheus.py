"""Usage blockers answered by a real Prometheus (PromQL over its query API) when the usage
store does not know the metric; no data there is unknown, never zero."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.prometheus import PrometheusServer, free_port, start_prometheus
from unlockstep.services import usage_evidence
from unlockstep.store import Store

TODAY = date(2026, 12, 15)
HOUR = 3600


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> PrometheusServer:
    """Hourly samples from 1 November: v1 requests stop after 28 November, v2 go on."""
    start = int(datetime(2026, 11, 1, tzinfo=UTC).timestamp())
    stop = int(datetime(2026, 11, 29, tzinfo=UTC).timestamp())
    end = int(datetime(2026, 12, 15, tzinfo=UTC).timestamp())
    lines = ["# TYPE legacy_requests counter", "# TYPE unlockstep_api_requests counter"]
    for at in range(start, end, HOUR):
        v1 = (min(at, stop - HOUR) - start) // HOUR + 1
        v2 = (at - start) // HOUR * 3
        lines.append(f'legacy_requests_total{{version="v1"}} {v1} {at}')
        lines.append(f'legacy_requests_total{{version="v2"}} {v2} {at}')
        # window consumers as the SDK's requests reach Prometheus through OpenTelemetry:
        # dashboard-service moved to v2 after 28 November, mobile-app still calls v1
        for consumer, version, count in (
            ("dashboard-service", "v1", v1),
            ("dashboard-service", "v2", v2),
            ("mobile-app", "v1", v2),
        ):
            lines.append(
                f'unlockstep_api_requests_total{{unlockstep_consumer="{consumer}",'
                f'unlockstep_contract="case-api",unlockstep_api_version="{version}"}} '
                f"{count} {at}"
            )
    server = start_prometheus(
        tmp_path_factory.mktemp("usage-prom"), [], backfill="\n".join(lines) + "\n"
    )
    yield server
    server.stop()


def test_a_plain_selector_is_read_as_its_increase_per_utc_day(
    history: PrometheusServer, store: Store
) -> None:
    with store.session() as session:
        found = usage_evidence.zero(
            session, history.url, 'legacy_requests_total{version="v1"}', 14, TODAY
        )
    assert (found.source, found.known) == ("prometheus", True)
    assert (found.zero_days, found.last_used) == (16, date(2026, 11, 28))
    assert f"Prometheus at {history.url}" in found.detail


def test_an_expression_is_read_as_its_daily_peak(history: PrometheusServer) -> None:
    found = usage_evidence.from_prometheus(
        history.url, 'sum(rate(legacy_requests_total{version="v2"}[1h]))', 14, TODAY
    )
    assert (found.known, found.zero_days, found.last_used) == (True, 0, date(2026, 12, 14))


def test_no_data_in_prometheus_is_unknown(history: PrometheusServer) -> None:
    found = usage_evidence.from_prometheus(history.url, "nothing_like_this_total", 14, TODAY)
    assert (found.source, found.known, found.zero_days) == ("prometheus", False, None)
    assert "no data is not zero" in found.detail


def test_an_unreachable_prometheus_is_unknown_with_the_reason(tmp_path: Path) -> None:
    found = usage_evidence.from_prometheus(
        f"http://127.0.0.1:{free_port()}", "legacy_requests_total", 14, TODAY
    )
    assert not found.known and "cannot reach" in found.detail


def test_a_window_consumer_that_moved_is_read_from_prometheus(history: PrometheusServer) -> None:
    moved = usage_evidence.consumer_zero_from_prometheus(
        history.url, "dashboard-service", {"case-api"}, ("v1",), 14, TODAY
    )
    assert (moved.source, moved.known) == ("prometheus", True)
    assert (moved.zero_days, moved.last_used) == (16, date(2026, 11, 28))


def test_a_window_consumer_still_on_the_old_version_is_read_from_prometheus(
    history: PrometheusServer,
) -> None:
    still = usage_evidence.consumer_zero_from_prometheus(
        history.url, "mobile-app", {"case-api"}, ("1",), 14, TODAY
    )
    assert (still.known, still.zero_days, still.last_used) == (True, 0, date(2026, 12, 14))


def test_a_window_consumer_prometheus_never_saw_is_unknown(history: PrometheusServer) -> None:
    found = usage_evidence.consumer_zero_from_prometheus(
        history.url, "billing-service", {"case-api"}, ("v1",), 14, TODAY
    )
    assert (found.known, found.zero_days) == (False, None)
    assert "no data is not zero" in found.detail
