"""OTLP/HTTP metrics receiver: ``POST /otlp/v1/metrics``.

Any OpenTelemetry SDK or Collector exports here unchanged (``OTEL_EXPORTER_OTLP_METRICS_ENDPOINT
={server}/otlp/v1/metrics``), in binary protobuf (``application/x-protobuf``) or OTLP/JSON
(``application/json``), gzip-compressed or not. The answer is an
``ExportMetricsServiceResponse`` in the request's encoding; its ``partial_success`` counts
the points refused or not understood and says why. A request that cannot be read gets 400
(415 for an unknown encoding) with a ``google.rpc.Status`` in the request's encoding, so the
exporter logs the reason and does not retry. With API tokens configured the exporter sends
one (``OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer …``; the ``read`` scope is enough).
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceResponse,
)
from starlette.concurrency import run_in_threadpool

from unlockstep.errors import DocumentTooLarge, UnlockstepError
from unlockstep.server.deps import PrincipalDep, SettingsDep
from unlockstep.server.guard import body_problem
from unlockstep.server.limits import body_limit
from unlockstep.server.wire import errors
from unlockstep.server.wire_usage import OtlpExportResponse
from unlockstep.services import authz
from unlockstep.services import usage as service

router = APIRouter(tags=["otlp"])
PATH = "/otlp/v1/metrics"
_INVALID_ARGUMENT = 3  # google.rpc.Code


def _status_protobuf(code: int, message: str) -> bytes:
    """A ``google.rpc.Status`` {code, message} in protobuf (fields 1 and 2)."""
    text = message.encode()
    return b"\x08" + _varint(code) + b"\x12" + _varint(len(text)) + text


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _failure(protobuf: bool, status: int, message: str) -> Response:
    if protobuf:
        return Response(
            _status_protobuf(_INVALID_ARGUMENT, message),
            status_code=status,
            media_type=service.PROTOBUF,
        )
    body = {"code": _INVALID_ARGUMENT, "message": message}
    return Response(json.dumps(body), status_code=status, media_type=service.JSON)


@router.post(
    PATH,
    response_model=OtlpExportResponse,
    responses={
        200: {"content": {service.PROTOBUF: {}}},
        400: {"description": "the body is not an OTLP metrics export (a google.rpc.Status)"},
        415: {"description": "not application/x-protobuf or application/json"},
        **errors(401, 413),
    },
)
async def export_metrics(
    request: Request, principal: PrincipalDep, settings: SettingsDep
) -> Response:
    """Receive an OTLP metrics export into the usage rollups."""
    authz.require(principal, "read", what="export usage metrics")
    content_type = request.headers.get("content-type", "")
    protobuf = not content_type.lower().startswith(service.JSON)
    raw = await request.body()
    try:
        body = service.decompress(
            raw, request.headers.get("content-encoding", ""), body_limit(settings)
        )
        if not protobuf and (problem := body_problem(body)) is not None:
            raise problem  # the checks every JSON body gets (UTF-8, depth, NUL…)
        decoded = service.decode(body, content_type, settings.usage_environment)
    except DocumentTooLarge as exc:
        return _failure(protobuf, 413, exc.message)
    except UnlockstepError as exc:
        kind = content_type.split(";", 1)[0].strip().lower()
        known = kind in (service.PROTOBUF, "application/protobuf", service.JSON)
        return _failure(protobuf, 400 if known else 415, str(exc))
    writer = request.app.state.usage
    receipt = await run_in_threadpool(service.receive, writer, decoded, service.utc_now())
    if protobuf:
        answer = ExportMetricsServiceResponse()
        if receipt.rejected:
            answer.partial_success.rejected_data_points = receipt.rejected
            answer.partial_success.error_message = receipt.message
        return Response(answer.SerializeToString(), media_type=service.PROTOBUF)
    out: dict[str, object] = {}
    if receipt.rejected:
        out["partialSuccess"] = {
            "rejectedDataPoints": str(receipt.rejected),
            "errorMessage": receipt.message,
        }
    return Response(json.dumps(out), media_type=service.JSON)
