"""The providers against real sources: Prometheus (one number, and two samples for the
judge), a JSON web metric that is slow or down, and unlockstep's own evaluation counts; and
per-consumer checks instantiated from the registry's expectations."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from unlockstep.core.analysis import parse_check, parse_template
from unlockstep.services import analysis, rollouts
from unlockstep.services.analysis_providers import Context, json_path
from unlockstep.services.flags import record_evaluations
from unlockstep.store import Store

from ..prometheus import MetricsTarget, PrometheusServer

NOW = dt.datetime.now(dt.UTC)


def measure(raw: dict[str, Any], context: Context) -> analysis.Measurement:
    return analysis.take(parse_check(raw, "check"), 0, dt.datetime.now(dt.UTC), context)


def test_a_prometheus_number_is_judged_and_no_series_is_no_data(
    prometheus: PrometheusServer, metrics_target: MetricsTarget
) -> None:
    metrics_target.set("providers_error_ratio 0.002")
    prometheus.wait_for("providers_error_ratio")
    check = {"name": "e", "provider": {"prometheus": {"query": "max(providers_error_ratio)"}},
             "successCondition": "result < 0.01"}  # fmt: skip
    measured = measure(check, Context(prometheus_url=prometheus.url))
    assert (measured.phase, measured.value) == ("pass", 0.002)
    absent = {**check, "provider": {"prometheus": {"query": "max(no_such_metric_anywhere)"}}}
    assert measure(absent, Context(prometheus_url=prometheus.url)).phase == "inconclusive"
    bad = {**check, "provider": {"prometheus": {"query": "max(("}}}
    measured = measure(bad, Context(prometheus_url=prometheus.url))
    assert measured.phase == "inconclusive" and measured.message.startswith("invalid:")


def test_prometheus_down_is_inconclusive_never_pass() -> None:
    check = {"name": "e", "provider": {"prometheus": {"query": "vector(0)", "timeout": "1s",
             "address": "http://127.0.0.1:9"}}, "successCondition": "result < 1"}  # fmt: skip
    measured = measure(check, Context())
    assert measured.phase == "inconclusive" and measured.message.startswith("unavailable:")


def test_the_judge_reads_baseline_and_canary_series_from_prometheus(
    prometheus: PrometheusServer, metrics_target: MetricsTarget
) -> None:
    metrics_target.set('providers_latency{variant="off"} 100\nproviders_latency{variant="on"} 180')
    prometheus.wait_for('providers_latency{variant="on"}')
    time.sleep(7)  # seven scrapes of each
    check = {
        "name": "latency",
        "provider": {"prometheus": {
            "baseline": 'max(providers_latency{variant="off"})',
            "canary": 'max(providers_latency{variant="on"})', "range": "6s", "step": "1s"}},
        "judge": {"minSamples": 5},
    }  # fmt: skip
    measured = measure(check, Context(prometheus_url=prometheus.url))
    assert measured.phase == "fail", measured.message
    assert measured.data["canaryMedian"] == 180 and measured.data["baselineMedian"] == 100
    assert len(measured.data["canary"]) >= 5


class Slow:
    def __init__(self, delay: float) -> None:
        slow = self
        self.delay = delay

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                time.sleep(slow.delay)
                body = b'{"ratio": 0.0}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def slow() -> Iterator[Slow]:
    s = Slow(1.5)
    yield s
    s.server.shutdown()
    s.server.server_close()


def test_a_slow_source_is_inconclusive_never_pass(slow: Slow) -> None:
    check = {"name": "w", "provider": {"web": {"url": slow.url, "jsonPath": "$.ratio",
             "timeout": "0.3s"}}, "successCondition": "result < 1"}  # fmt: skip
    measured = measure(check, Context())
    assert measured.phase == "inconclusive"
    assert "did not answer in time" in measured.message
    slow.delay = 0
    assert measure(check, Context()).phase == "pass"


@pytest.mark.parametrize(
    ("path", "found"),
    [("$.a.b[1]", 2), ("$['x y']", "z"), ("$.a", {"b": [1, 2]}), ("$", {"a": {"b": [1, 2]},
     "x y": "z"})],
)  # fmt: skip
def test_json_paths(path: str, found: Any) -> None:
    assert json_path({"a": {"b": [1, 2]}, "x y": "z"}, path) == found


def test_unlockstep_own_flag_error_ratio(api: TestClient, store: Store) -> None:
    api.put("/api/v1/environments/production", json={"production": True}).raise_for_status()
    today = dt.datetime.now(dt.UTC).date()
    own = {"flag": "f1", "environment": "production"}
    check = {"name": "f", "provider": {"unlockstep": {"metric": "flag-error-ratio", **own}},
             "successCondition": "result < 0.1"}  # fmt: skip
    assert measure(check, Context(store=store)).phase == "inconclusive"  # no evaluations yet
    record_evaluations(store, "production", [
        {"flag": "f1", "variant": "on", "reason": "SPLIT", "count": 90},
        {"flag": "f1", "variant": None, "reason": "ERROR", "count": 10},
    ], today)  # fmt: skip
    measured = measure(check, Context(store=store))
    assert (measured.phase, measured.value) == ("fail", 0.1)
    metric = {"metric": "flag-variant-share", "variant": "on", **own}
    share = {**check, "provider": {"unlockstep": metric}, "successCondition": "result > 0.5"}
    assert measure(share, Context(store=store)).value == 0.9


def test_per_consumer_checks_follow_the_registrys_expectations(
    estate: TestClient, store: Store
) -> None:
    with store.session() as session:
        consumers = rollouts.consumers_of(session, "case-service/case-events")
    assert consumers and "notification-service" in consumers
    template = parse_template({"checks": [{"name": "errors", "perConsumer": True,
        "provider": {"prometheus": {"query": 'errors{service="{{consumer}}"}'}},
        "successCondition": "result < 1"}]})  # fmt: skip
    from unlockstep.core.analysis import instantiate

    names = [c.name for c in instantiate(template, {}, consumers).checks]
    assert names == [f"errors[{c}]" for c in consumers]
