"""The OTLP/HTTP metrics receiver with the real OpenTelemetry SDK and OTLP/HTTP exporter:
cumulative and delta counters, a restarted exporting process, duplicate and out-of-order
exports, histograms and gauges, JSON and gzip, what is not understood, the series limit."""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)

from tests.server.otlp_export import Recorder, exporting_provider, live_server
from unlockstep.settings import Settings
from unlockstep.store import Store

OTLP = "/otlp/v1/metrics"
PROTOBUF = {"Content-Type": "application/x-protobuf"}
REQUEST = {
    "unlockstep.consumer": "dashboard-service",
    "unlockstep.api.version": "v1",
    "http.request.method": "GET",
    "http.route": "/cases/{id}",
}


def usage(client: Any, metric: str, **labels: str) -> dict[tuple[str, ...], float]:
    """amount per (consumer, version, operation) of ``metric`` today."""
    body = client.get("/api/v1/usage", params={"metric": metric, "days": 1, **labels}).json()
    return {
        (line["labels"].get("consumer", ""), line["labels"].get("version", ""),
         line["labels"].get("operation", "")): line["amount"]
        for line in body["lines"]
    }  # fmt: skip


def test_cumulative_counters_from_the_real_exporter_are_counted_once_per_increase(
    store: Store, settings: Settings
) -> None:
    with live_server(store, settings) as url, httpx.Client(base_url=url) as client:
        provider = exporting_provider(url, "case-service")
        counter = provider.get_meter("case-api").create_counter("unlockstep.api.requests")
        counter.add(5, REQUEST)
        counter.add(2, {**REQUEST, "unlockstep.api.version": "v2"})
        assert provider.force_flush()
        counter.add(3, REQUEST)
        assert provider.force_flush()
        assert provider.force_flush()  # nothing new: the same cumulative value again
        provider.shutdown()
        assert usage(client, "unlockstep.api.requests") == {
            ("dashboard-service", "v1", "GET /cases/{id}"): 8.0,
            ("dashboard-service", "v2", "GET /cases/{id}"): 2.0,
        }


def test_delta_counters_and_histograms_from_the_real_exporter(
    store: Store, settings: Settings
) -> None:
    with live_server(store, settings) as url, httpx.Client(base_url=url) as client:
        provider = exporting_provider(url, "case-service", delta=True, gzip=False)
        meter = provider.get_meter("case-api")
        counter = meter.create_counter("unlockstep.api.requests")
        duration = meter.create_histogram("http.server.request.duration", unit="s")
        for amount in (4, 6):
            counter.add(amount, REQUEST)
            duration.record(0.2, REQUEST)
            assert provider.force_flush()
        duration.record(0.4, REQUEST)
        assert provider.force_flush()
        provider.shutdown()
        assert usage(client, "unlockstep.api.requests") == {
            ("dashboard-service", "v1", "GET /cases/{id}"): 10.0
        }
        line = client.get(
            "/api/v1/usage", params={"metric": "http.server.request.duration"}
        ).json()["lines"][0]
        assert (line["kind"], line["amount"]) == ("histogram", 3.0)
        assert line["total"] == pytest.approx(0.8)


def test_a_restarted_exporting_process_is_a_counter_reset_not_negative_usage(
    store: Store, settings: Settings
) -> None:
    with live_server(store, settings) as url, httpx.Client(base_url=url) as client:
        first = exporting_provider(url, "case-service", **{"service.instance.id": "pod-1"})
        counter = first.get_meter("case-api").create_counter("unlockstep.api.requests")
        counter.add(10, REQUEST)
        assert first.force_flush()
        first.shutdown()
        # the same process identity restarts: its cumulative counter starts again at 0
        second = exporting_provider(url, "case-service", **{"service.instance.id": "pod-1"})
        counter = second.get_meter("case-api").create_counter("unlockstep.api.requests")
        counter.add(4, REQUEST)
        assert second.force_flush()
        counter.add(1, REQUEST)
        assert second.force_flush()
        second.shutdown()
        assert usage(client, "unlockstep.api.requests") == {
            ("dashboard-service", "v1", "GET /cases/{id}"): 15.0
        }


@pytest.mark.parametrize("delta", [False, True], ids=["cumulative", "delta"])
def test_duplicate_and_out_of_order_exports_do_not_double_count(
    api: TestClient, delta: bool
) -> None:
    recorder = Recorder("case-service", delta=delta)
    counter = recorder.meter.create_counter("unlockstep.api.requests")
    counter.add(5, REQUEST)
    first = recorder.request()
    counter.add(7, REQUEST)
    second = recorder.request()
    for body in (first, first, second, second, first):  # retried, then overtaken
        assert api.post(OTLP, content=body, headers=PROTOBUF).status_code == 200
    assert usage(api, "unlockstep.api.requests") == {
        ("dashboard-service", "v1", "GET /cases/{id}"): 12.0
    }


def test_gauges_keep_their_peak_and_updown_counters_are_gauges(api: TestClient) -> None:
    recorder = Recorder("case-worker")
    instances = recorder.meter.create_up_down_counter("unlockstep.workflow.instances")
    version = {"unlockstep.workflow": "escalation", "unlockstep.workflow.version": "1"}
    instances.add(3, version)
    api.post(OTLP, content=recorder.request(), headers=PROTOBUF)
    instances.add(-2, version)
    api.post(OTLP, content=recorder.request(), headers=PROTOBUF)
    line = api.get("/api/v1/usage", params={"metric": "unlockstep.workflow.instances"}).json()
    assert [(x["kind"], x["amount"], x["labels"]["contract"]) for x in line["lines"]] == [
        ("gauge", 3.0, "escalation")
    ]


def test_an_export_waits_for_the_flush_and_a_read_flushes_first_but_ofrep_does_not(
    api: TestClient,
) -> None:
    """Accepted exports are written by the next flush; a read (GET) in the same process
    flushes first so it sees them, and a flag evaluation never waits on a flush."""
    recorder = Recorder("case-service")
    recorder.meter.create_counter("unlockstep.api.requests").add(4, REQUEST)
    assert api.post(OTLP, content=recorder.request(), headers=PROTOBUF).status_code == 200
    writer = api.app.state.usage  # type: ignore[attr-defined]
    assert writer.pending == 1
    api.post("/ofrep/v1/evaluate/flags/no-such-flag", json={"context": {}})
    assert writer.pending == 1
    assert usage(api, "unlockstep.api.requests") == {
        ("dashboard-service", "v1", "GET /cases/{id}"): 4.0
    }
    assert writer.pending == 0


def test_otlp_json_with_gzip_is_read_and_answered_in_json(api: TestClient) -> None:
    recorder = Recorder("case-service")
    recorder.meter.create_counter("unlockstep.api.requests").add(2, REQUEST)
    message = ExportMetricsServiceRequest()
    message.ParseFromString(recorder.request())
    body = json.dumps(MessageToDict(message)).encode()  # lowerCamelCase, int64 as strings
    response = api.post(
        OTLP,
        content=gzip.compress(body),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {}
    assert usage(api, "unlockstep.api.requests") == {
        ("dashboard-service", "v1", "GET /cases/{id}"): 2.0
    }


SUMMARY = {
    "resourceMetrics": [
        {
            "resource": {
                "attributes": [{"key": "service.name", "value": {"stringValue": "legacy"}}]
            },
            "scopeMetrics": [
                {
                    "metrics": [
                        {
                            "name": "rpc.latency",
                            "summary": {"dataPoints": [{"count": "3", "sum": 1.5}] * 2},
                        },
                        {
                            "name": "unlockstep.api.requests",
                            "sum": {
                                "aggregationTemporality": 2,
                                "isMonotonic": True,
                                "dataPoints": [
                                    {"asInt": "4", "timeUnixNano": "1800000000000000000"},
                                    {"timeUnixNano": "1800000000000000000"},
                                ],
                            },
                        },
                    ]
                }
            ],
        }
    ]
}


def test_what_is_not_understood_is_counted_in_partial_success_and_listed(
    api: TestClient,
) -> None:
    response = api.post(OTLP, json=SUMMARY)
    assert response.status_code == 200
    partial = response.json()["partialSuccess"]
    assert partial["rejectedDataPoints"] == "3"
    assert "summary metrics are not read" in partial["errorMessage"]
    assert "without a value" in partial["errorMessage"]
    items = api.get("/api/v1/usage/rejections").json()["items"]
    assert {(i["service"], i["points"]) for i in items} == {("legacy", 2), ("legacy", 1)}


def test_the_series_limit_refuses_new_series_with_a_count(store: Store, settings: Settings) -> None:
    from unlockstep.server.app import create_app

    limited = settings.model_copy(update={"usage_series_per_service": 2})
    with TestClient(create_app(limited, store)) as api:
        recorder = Recorder("chatty-service")
        counter = recorder.meter.create_counter("unlockstep.api.requests")
        for n in range(5):
            counter.add(1, {"unlockstep.consumer": f"consumer-{n}"})
        response = api.post(OTLP, content=recorder.request(), headers=PROTOBUF)
        answer = ExportMetricsServiceResponse()
        answer.ParseFromString(response.content)
        assert answer.partial_success.rejected_data_points == 3
        assert "series limit reached (2 per service)" in answer.partial_success.error_message
        assert "3 new series refused" in answer.partial_success.error_message
        assert len(usage(api, "unlockstep.api.requests")) == 2
        items = api.get("/api/v1/usage/rejections").json()["items"]
        assert [(i["service"], i["points"], i["series"]) for i in items] == [
            ("chatty-service", 3, 2)
        ]


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        (PROTOBUF, b"\xff\xff\xff", 400),
        ({"Content-Type": "application/json"}, b"[1]", 400),
        ({"Content-Type": "text/plain"}, b"hello", 415),
        ({**PROTOBUF, "Content-Encoding": "gzip"}, b"not gzip", 400),
        ({**PROTOBUF, "Content-Encoding": "br"}, b"", 400),
    ],
)
def test_an_unreadable_export_gets_a_status_the_exporter_does_not_retry(
    api: TestClient, headers: dict[str, str], body: bytes, status: int
) -> None:
    response = api.post(OTLP, content=body, headers=headers)
    assert response.status_code == status
    assert response.content  # a google.rpc.Status with the reason
