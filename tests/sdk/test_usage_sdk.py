"""The SDK's usage counters and HTTP middleware: requests per (consumer, version, operation)
reach unlockstep's OTLP receiver, deprecated operations answer with Deprecation and Sunset
headers (RFC 9745 / RFC 8594), and nothing ever raises into the host."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from unlockstep.sdk import Deprecated, UsageMiddleware, UsageRecorder, WsgiUsageMiddleware

V1 = "GET /v1/cases/{case_id}"
NOTICE = Deprecated(date(2026, 7, 1), sunset=date(2026, 10, 1), link="https://docs/v1-sunset")


def forwarding(api: TestClient) -> httpx.MockTransport:
    """The recorder's HTTP goes to the in-process unlockstep app."""

    def handle(request: httpx.Request) -> httpx.Response:
        answer = api.post(request.url.path, content=request.content, headers=request.headers)
        return httpx.Response(answer.status_code, content=answer.content, headers=answer.headers)

    return httpx.MockTransport(handle)


def service_app(recorder: UsageRecorder) -> FastAPI:
    app = FastAPI()

    @app.get("/v1/cases/{case_id}")
    def v1(case_id: str) -> dict[str, str]:
        return {"id": case_id}

    @app.get("/v2/cases/{case_id}")
    def v2(case_id: str) -> dict[str, str]:
        return {"id": case_id}

    app.add_middleware(UsageMiddleware, recorder=recorder, deprecated={V1: NOTICE})
    return app


def usage(api: TestClient, metric: str) -> dict[tuple[str, str, str], float]:
    lines = api.get("/api/v1/usage", params={"metric": metric, "days": 1}).json()["lines"]
    return {
        (x["labels"].get("consumer", ""), x["labels"].get("version", ""),
         x["labels"].get("operation", "")): x["amount"]
        for x in lines
    }  # fmt: skip


def test_asgi_requests_are_counted_and_deprecated_ones_say_so(api: TestClient) -> None:
    recorder = UsageRecorder("case-service", "http://unlockstep", transport=forwarding(api))
    with TestClient(service_app(recorder)) as service:
        old = service.get("/v1/cases/7", headers={"X-Consumer": "dashboard-service"})
        service.get("/v1/cases/8", headers={"X-Consumer": "dashboard-service"})
        new = service.get("/v2/cases/7", headers={"X-Consumer": "mobile-bff"})
    assert old.status_code == 200 and old.json() == {"id": "7"}
    assert old.headers["deprecation"] == "@1782864000"  # 2026-07-01T00:00:00Z
    assert old.headers["sunset"] == "Thu, 01 Oct 2026 00:00:00 GMT"
    assert old.headers["link"] == '<https://docs/v1-sunset>; rel="deprecation"'
    assert "deprecation" not in new.headers and "sunset" not in new.headers
    assert recorder.flush()
    assert usage(api, "unlockstep.api.requests") == {
        ("dashboard-service", "v1", V1): 2.0,
        ("mobile-bff", "v2", "GET /v2/cases/{case_id}"): 1.0,
    }
    assert usage(api, "unlockstep.deprecated.requests") == {("dashboard-service", "v1", V1): 2.0}
    recorder.close()


def test_a_second_export_adds_only_what_was_counted_since(api: TestClient) -> None:
    recorder = UsageRecorder("case-service", "http://unlockstep", transport=forwarding(api))
    recorder.fallback("CaseEscalated", "riskExplanation-missing")
    assert recorder.flush()
    recorder.fallback("CaseEscalated", "riskExplanation-missing")
    recorder.running("escalation-workflow", "1", 4)
    assert recorder.flush() and recorder.flush()
    lines = api.get("/api/v1/usage", params={"metric": "unlockstep.fallback.reads"}).json()
    [line] = lines["lines"]
    assert (line["amount"], line["labels"]["field"]) == (2.0, "riskExplanation-missing")
    gauge = api.get("/api/v1/usage", params={"metric": "unlockstep.workflow.instances"}).json()
    assert gauge["lines"][0]["amount"] == 4.0


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def test_wsgi_requests_are_counted_with_their_route_and_marked() -> None:
    recorder = UsageRecorder("case-service")
    app = WsgiUsageMiddleware(
        wsgi_app, recorder, deprecated={V1: NOTICE}, route=lambda e: "/v1/cases/{case_id}"
    )
    seen: list[tuple[str, list[tuple[str, str]]]] = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/v1/cases/3", "HTTP_X_CONSUMER": "bff",
               "wsgi.input": io.BytesIO()}  # fmt: skip
    assert app(environ, lambda status, headers, *_: seen.append((status, headers))) == [b"ok"]
    headers = dict(seen[0][1])
    assert headers["deprecation"] == "@1782864000" and "sunset" in headers
    [metric] = [
        m
        for m in recorder.export()["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
        if m["name"] == "unlockstep.api.requests"
    ]
    attributes = {
        a["key"]: a["value"]["stringValue"] for a in metric["sum"]["dataPoints"][0]["attributes"]
    }
    assert attributes == {
        "unlockstep.consumer": "bff", "unlockstep.api.version": "v1", "unlockstep.operation": V1,
    }  # fmt: skip


def test_nothing_raises_into_the_host() -> None:
    down = httpx.MockTransport(lambda request: httpx.Response(503))
    recorder = UsageRecorder("case-service", "http://unlockstep", transport=down)
    recorder.add("x", 1, {"a": "b"})
    assert recorder.flush() is False  # logged, kept for the next export

    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("boom")

    recorder.request = broken  # type: ignore[method-assign]
    with TestClient(service_app(recorder)) as service:
        assert service.get("/v1/cases/1").status_code == 200
    assert UsageRecorder("no-url").flush() is False
