"""flagd's sync service, ``flagd.sync.v1.FlagSyncService``, over the push feed.

The handlers are bound by the method names and streaming kinds of the service in the
generated descriptor (``sync_pb2``, from flagd's published ``sync.proto``), so a method the
.proto declares and this module does not serve fails at start, not at a client's call.

The server runs ``grpc.aio`` on its own thread and event loop (grpcio's asyncio support is
built for the standard loop; uvicorn's is uvloop), beside the HTTP server in the same process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import struct_pb2
from grpc import aio

from unlockstep.errors import ConfigError
from unlockstep.server.flag_feed import Configuration, FlagFeed
from unlockstep.server.flagd_sync import sync_pb2
from unlockstep.services import tokens
from unlockstep.settings import Settings
from unlockstep.store import Store

log = logging.getLogger(__name__)

SERVICE = sync_pb2.DESCRIPTOR.services_by_name["FlagSyncService"]

#: The header flagd providers send the selector in (the request field is deprecated).
SELECTOR_HEADER = "flagd-selector"

#: Server options: idle streams live long (pings keep them and find dead peers), and clients
#: that ping while idle (flagd providers do, every few seconds) are not sent away.
#:
#: The pending-request limits are what capped a process at about 4,000 streams: grpc core
#: queues a new call until the Python server asks for the next one (``grpc.aio`` asks one at
#: a time, on the event loop), and past ``max_pending_requests`` (default 1,000; hard limit
#: 3,000) calls that arrive in a burst — every provider connecting or reconnecting at once —
#: stalled: measured, the handler was never called for them and the client saw no error.
#: Raised well past the stream target, the queue drains at the loop's pace
#: (``bench/flag_push.py --idle 10000`` connects 10,000).
OPTIONS: list[tuple[str, Any]] = [
    ("grpc.server.max_pending_requests", 100_000),
    ("grpc.server.max_pending_requests_hard_limit", 100_000),
    ("grpc.keepalive_time_ms", 60_000),
    ("grpc.keepalive_timeout_ms", 20_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_recv_ping_interval_without_data_ms", 1_000),
    ("grpc.http2.max_ping_strikes", 0),
    ("grpc.max_concurrent_streams", 100_000),
]


@dataclass(frozen=True, slots=True)
class Selection:
    """What a selector names: an environment, and optionally one flag set in it."""

    environment: str
    flag_set_id: str | None = None


class SelectorError(ValueError):
    pass


def parse_selector(selector: str, default_environment: str) -> Selection:
    """``production``, ``environment=production``, ``flagSetId=case-management`` or both
    (``environment=staging,flagSetId=case-management``); empty: the default environment."""
    environment, flag_set_id = default_environment, None
    for part in (p.strip() for p in selector.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            environment = key
        elif key in ("environment", "env") and value:
            environment = value
        elif key == "flagSetId" and value:
            flag_set_id = value
        else:
            raise SelectorError(
                f"selector part {part!r} is not understood: use an environment name, "
                "environment=NAME or flagSetId=ID"
            )
    return Selection(environment, flag_set_id)


Authenticate = Callable[[str | None], str | None]
"""Given the ``authorization`` header (or None), the refusal message, or None to allow."""


class FlagSyncService:
    """The three methods of ``flagd.sync.v1.FlagSyncService``."""

    def __init__(
        self, feed: FlagFeed, default_environment: str, authenticate: Authenticate | None = None
    ) -> None:
        self.feed = feed
        self.default_environment = default_environment
        self.authenticate = authenticate
        self._responses: dict[tuple[str, int, str | None], bytes] = {}

    def handler(self) -> grpc.GenericRpcHandler:
        methods: dict[str, grpc.RpcMethodHandler[Any, Any]] = {
            "SyncFlags": grpc.unary_stream_rpc_method_handler(
                self.sync_flags,
                request_deserializer=sync_pb2.SyncFlagsRequest.FromString,
                response_serializer=_serialized,  # shared bytes per configuration
            ),
            "FetchAllFlags": grpc.unary_unary_rpc_method_handler(
                self.fetch_all_flags,
                request_deserializer=sync_pb2.FetchAllFlagsRequest.FromString,
                response_serializer=sync_pb2.FetchAllFlagsResponse.SerializeToString,
            ),
            "GetMetadata": grpc.unary_unary_rpc_method_handler(
                self.get_metadata,
                request_deserializer=sync_pb2.GetMetadataRequest.FromString,
                response_serializer=sync_pb2.GetMetadataResponse.SerializeToString,
            ),
        }
        declared = {m.name: m.server_streaming for m in SERVICE.methods}
        served = {name: h.response_streaming for name, h in methods.items()}
        if declared != served:
            raise RuntimeError(f"{SERVICE.full_name} declares {declared}, served {served}")
        return grpc.method_handlers_generic_handler(SERVICE.full_name, methods)

    async def _selection(self, selector: str, context: aio.ServicerContext[Any, Any]) -> Selection:
        headers = {key: value for key, value in context.invocation_metadata() or ()}
        if self.authenticate is not None:
            loop = asyncio.get_running_loop()
            header = _text(headers.get("authorization"))
            refusal = await loop.run_in_executor(None, self.authenticate, header)
            if refusal is not None:
                await context.abort(grpc.StatusCode.UNAUTHENTICATED, refusal)
        named = _text(headers.get(SELECTOR_HEADER))
        try:
            return parse_selector(named or selector, self.default_environment)
        except SelectorError as error:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(error))
            raise  # abort raises; this line is for the type checker

    async def sync_flags(
        self, request: sync_pb2.SyncFlagsRequest, context: aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[bytes]:
        selection = await self._selection(request.selector, context)
        client = request.provider_id or context.peer()
        subscription = await self.feed.subscribe(selection.environment, "grpc", client)
        try:
            revision: int | None = None
            while True:
                configuration = await subscription.next(revision)
                revision = configuration.revision
                yield self._response(selection, configuration)
                # grpc.aio resumes the generator once the message is written to the stream
                subscription.acknowledge(revision)
        finally:
            self.feed.unsubscribe(subscription)

    def _response(self, selection: Selection, configuration: Configuration) -> bytes:
        """One ``SyncFlagsResponse`` per (environment, revision, flag set), serialized once
        and written to every stream."""
        key = (selection.environment, configuration.revision, selection.flag_set_id)
        response = self._responses.get(key)
        if response is None:
            if len(self._responses) > 256:
                self._responses.clear()
            text = configuration.flagd_text(selection.flag_set_id)
            message = sync_pb2.SyncFlagsResponse(flag_configuration=text)
            response = self._responses[key] = message.SerializeToString()
        return response

    async def fetch_all_flags(
        self, request: sync_pb2.FetchAllFlagsRequest, context: aio.ServicerContext[Any, Any]
    ) -> sync_pb2.FetchAllFlagsResponse:
        selection = await self._selection(request.selector, context)
        configuration = await self.feed.current(selection.environment)
        text = configuration.flagd_text(selection.flag_set_id)
        return sync_pb2.FetchAllFlagsResponse(flag_configuration=text)

    async def get_metadata(
        self, request: sync_pb2.GetMetadataRequest, context: aio.ServicerContext[Any, Any]
    ) -> sync_pb2.GetMetadataResponse:
        """Deprecated in the protocol; answered with empty metadata (no static context). The
        field is set, to an empty struct: the Python provider reads it unconditionally."""
        await self._selection("", context)
        return sync_pb2.GetMetadataResponse(metadata=struct_pb2.Struct())


def _serialized(message: bytes) -> bytes:
    return message


def _text(value: str | bytes | None) -> str | None:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value


class SyncServer:
    """``FlagSyncService`` on ``host:port``, on a thread of its own."""

    def __init__(
        self,
        service: FlagSyncService,
        host: str,
        port: int,
        options: Sequence[tuple[str, Any]] = OPTIONS,
    ) -> None:
        self.service = service
        self.host = host
        self.port = port
        self.options = list(options)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> SyncServer:
        """Bind and serve; returns once listening (``port`` is the bound one: 0 picks one).
        A port that cannot be bound is a ``ConfigError``."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._serve(ready, failure))
            except BaseException as error:
                failure.append(error)
            finally:
                ready.set()
                loop.close()

        self._thread = threading.Thread(target=run, name="unlockstep-flagd-sync", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join(timeout=5)
            error = failure[0]
            if isinstance(error, ConfigError):
                raise error
            raise ConfigError(f"the flagd sync service could not start: {error}") from error
        log.info("flagd sync service (flagd.sync.v1) on %s:%d", self.host, self.port)
        return self

    async def _serve(self, ready: threading.Event, failure: list[BaseException]) -> None:
        server = aio.server(options=self.options)
        server.add_generic_rpc_handlers((self.service.handler(),))
        try:
            bound = server.add_insecure_port(f"{self.host}:{self.port}")
        except RuntimeError:
            bound = 0
        if not bound:
            raise ConfigError(
                f"the flagd sync port {self.port} on {self.host} cannot be bound",
                hint="stop what runs there or set another sync port (UNLOCKSTEP_SYNC_PORT)",
            )
        self.port = bound
        await server.start()
        self._stopping = asyncio.Event()
        ready.set()
        await self._stopping.wait()
        await server.stop(grace=0.5)

    def stop(self) -> None:
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stopping.set)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._thread = None


def server_for(settings: Settings, store: Store, feed: FlagFeed) -> SyncServer:
    """The sync server ``settings`` ask for (``sync_port``, ``sync_host`` or ``host``,
    ``sync_environment``); with ``require_token_for_reads`` a stream needs a token with the
    ``read`` scope in its ``authorization`` metadata, as every HTTP read does."""

    def authenticate(header: str | None) -> str | None:
        scheme, _, secret = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return "this server requires an API token: send 'authorization: Bearer <token>'"
        principal = tokens.authenticate(settings, store, secret.strip())
        if principal is None:
            return "the API token is unknown, revoked or expired"
        if not principal.has("read"):
            return f"token {principal.name!r} needs the 'read' scope"
        return None

    service = FlagSyncService(
        feed,
        settings.sync_environment,
        authenticate if settings.require_token_for_reads else None,
    )
    assert settings.sync_port is not None
    return SyncServer(service, settings.sync_host or settings.host, settings.sync_port)
