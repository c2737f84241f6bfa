"""An OpenFeature provider that evaluates flags in-process from the server's configuration.

::

    from openfeature import api
    from unlockstep.sdk import UnlockstepProvider

    api.set_provider(UnlockstepProvider("http://unlockstep:8080", environment="production"))
    client = api.get_client()
    if client.get_boolean_value("decision.submit.v2", False, EvaluationContext("case-42",
                                {"tenantId": "t-1"})):
        ...

It listens to ``GET /api/v1/environments/{env}/flagset/stream`` (server-sent events: every new
configuration is pushed as it is written, with its revision, and acknowledged back so the
server can show who holds what) in a background thread, compiles each new configuration once,
and evaluates locally (no network on the evaluation path). When the stream cannot be opened
or breaks it polls ``GET /api/v1/environments/{env}/flagset`` with ``If-None-Match`` instead,
and reconnects after a jittered, growing pause (so a fleet whose server restarts does not come
back all at once); it resumes from the revision it holds (``Last-Event-ID``), and a change made
while it was away arrives at once. ``push=False``, or a server without the stream, means
polling every ``poll_interval`` seconds only.

When the server cannot be reached it keeps serving the last configuration it had, emits
``PROVIDER_STALE`` and reports reason ``STALE`` until a poll succeeds again (then
``PROVIDER_READY``). It never raises into the host: every failure is the caller's
default with a reason and an error code. Evaluation counts per flag/variant/reason are kept
in memory and posted to ``/api/v1/flag-evaluations`` in batches.

It imports only the pure core, ``httpx`` and ``openfeature`` — never the server or store.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from openfeature.evaluation_context import EvaluationContext
from openfeature.event import ProviderEventDetails
from openfeature.exception import ErrorCode as OFErrorCode
from openfeature.exception import ProviderNotReadyError
from openfeature.flag_evaluation import FlagResolutionDetails, FlagValueType
from openfeature.flag_evaluation import Reason as OFReason
from openfeature.hook import Hook
from openfeature.provider import AbstractProvider, Metadata

from unlockstep.core.flags import FlagEngine, Reason, Resolution, parse_flag_set
from unlockstep.sdk.counters import EvaluationCounter, Key

log = logging.getLogger(__name__)


#: Seconds a stream may stay silent before it is taken for dead (the server sends a comment
#: every 15).
STREAM_SILENCE = 45.0


class SyncDeadline(Exception):
    """A poll of the flag configuration did not finish within the provider's ``timeout``."""


@dataclass(frozen=True, slots=True)
class _Fetched:
    document: Any  # None: not modified
    etag: str | None


_REASONS = {reason.value: OFReason(reason.value) for reason in Reason}
_ERRORS = {code.value: OFErrorCode(code.value) for code in OFErrorCode}


class UnlockstepProvider(AbstractProvider):
    """Local evaluation, background sync, stale-but-serving, batched evaluation counts."""

    def __init__(
        self,
        url: str | None,
        environment: str = "production",
        *,
        token: str | None = None,
        poll_interval: float = 10.0,
        flush_interval: float = 30.0,
        timeout: float = 2.0,
        bootstrap: Mapping[str, Any] | None = None,
        transport: httpx.BaseTransport | None = None,
        strict_targeting_key: bool = False,
        count_evaluations: bool = True,
        push: bool = True,
        reconnect_base: float = 1.0,
        client_id: str | None = None,
    ) -> None:
        super().__init__()
        self.environment = environment
        self.poll_interval = poll_interval
        #: Listen to the server's stream (else: poll only).
        self.push = push and transport is None
        #: The first reconnect pause is up to this many seconds (random), doubling per failed
        #: attempt, never more than ``poll_interval``; a poll runs before each attempt.
        self.reconnect_base = reconnect_base
        #: How the server names this client in its sync status.
        self.client_id = client_id or f"{socket.gethostname()}/{os.getpid()}"
        #: The revision held, from the stream (None: unknown, e.g. after a poll).
        self.revision: int | None = None
        self._subscription: int | None = None
        self._listening: httpx.Client | None = None
        self._token = token
        #: The deadline of one whole poll (connect, headers and body), in seconds.
        self.timeout = timeout
        self._fetching: threading.Thread | None = None
        self.flush_interval = flush_interval
        self.counter = EvaluationCounter()
        self._stale = False
        self._errored = False
        self._strict = strict_targeting_key
        self._count = count_evaluations
        self._engine: FlagEngine | None = None
        # The engine and its answers, published as one tuple (see ``_install``).
        self._state: _State | None = None
        self._tables: tuple[dict[int, _Served], dict[int, _Served]] = ({}, {})
        self._metadata = Metadata(name="unlockstep")
        self._etag: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._http: httpx.Client | None = None
        if url is not None:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            self._http = httpx.Client(
                base_url=url.rstrip("/"), headers=headers, timeout=timeout, transport=transport
            )
        if bootstrap is not None:
            self._install(self._compile(bootstrap))

    # --- lifecycle ------------------------------------------------------------------

    def get_metadata(self) -> Metadata:
        return self._metadata

    def get_provider_hooks(self) -> list[Hook]:
        # The SDK only iterates this list: one shared empty list rather than a new one per call.
        return _NO_HOOKS

    def initialize(self, evaluation_context: EvaluationContext) -> None:
        """First sync (bounded by ``timeout``, whatever the server does), then the background
        thread.

        Without any configuration (server unreachable, no bootstrap) it raises
        ``ProviderNotReadyError`` *to the OpenFeature SDK*, which is that SDK's contract: the
        provider goes to ERROR status and emits PROVIDER_ERROR; evaluations return the
        caller's default with ``PROVIDER_NOT_READY``; the background thread keeps polling and
        emits PROVIDER_READY once a configuration arrives. Only a host that chose
        ``set_provider_and_wait`` sees the error.
        """
        if self._http is None:
            return
        self.sync()
        self._thread = threading.Thread(target=self._run, name="unlockstep-flags-sync", daemon=True)
        self._thread.start()
        if self._engine is None:
            self._errored = True
            raise ProviderNotReadyError(
                f"no flag configuration for {self.environment!r} yet: the unlockstep server "
                "is unreachable; serving callers' defaults and retrying"
            )

    def shutdown(self) -> None:
        self._stop.set()
        listening = self._listening
        if listening is not None:
            listening.close()  # ends a blocked read of the stream
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()
        if self._http is not None:
            self._http.close()

    def _run(self) -> None:
        self._next_flush = time.monotonic() + self.flush_interval
        attempt = 0
        while self.push and not self._stop.is_set():
            received = self._listen()
            if self._stop.is_set():
                return
            attempt = 0 if received else min(attempt + 1, 20)
            pause = random.uniform(0, min(self.poll_interval, self.reconnect_base * 2**attempt))
            if self._stop.wait(pause):
                return
            self.sync()  # the fallback: notices a change, or a server that is gone (STALE)
            self._maybe_flush()
        while not self._stop.wait(self.poll_interval):
            self.sync()
            self._maybe_flush()

    def _maybe_flush(self) -> None:
        if time.monotonic() >= self._next_flush:
            self.flush()
            self._next_flush = time.monotonic() + self.flush_interval

    # --- the stream -----------------------------------------------------------------

    def _listen(self) -> bool:
        """Read the stream until it ends; True if it was opened (a ``hello`` arrived).
        A server without the stream turns ``push`` off: polling from then on."""
        assert self._http is not None
        headers = {"Accept": "text/event-stream"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        if self.revision is not None:
            headers["Last-Event-ID"] = str(self.revision)
        path = f"/api/v1/environments/{quote(self.environment, safe='')}/flagset/stream"
        timeout = httpx.Timeout(self.timeout, read=max(self.timeout, STREAM_SILENCE))
        client = self._listening = httpx.Client(base_url=self._http.base_url, timeout=timeout)
        answered = threading.Event()

        # connecting and the headers have the deadline of a poll, whatever the server does
        def give_up() -> None:
            if not answered.is_set():
                client.close()

        watchdog = threading.Timer(self.timeout, give_up)
        watchdog.daemon = True
        watchdog.start()
        opened = False
        try:
            request = client.build_request(
                "GET", path, params={"client": self.client_id}, headers=headers
            )
            response = client.send(request, stream=True)
            answered.set()
            try:
                kind = response.headers.get("content-type", "")
                if response.status_code in (404, 405) or (
                    response.status_code == 200 and not kind.startswith("text/event-stream")
                ):
                    log.info("the server has no flag stream: polling every %gs", self.poll_interval)
                    self.push = False
                    return False
                response.raise_for_status()
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return opened
                    if line.startswith(":"):  # keep-alive
                        self._maybe_flush()
                    elif line:
                        name, _, value = line.partition(":")
                        value = value.removeprefix(" ")
                        fields[name] = f"{fields[name]}\n{value}" if name in fields else value
                    elif fields:
                        opened = self._on_event(fields) or opened
                        fields = {}
                        self._maybe_flush()
            finally:
                response.close()
        except Exception as error:  # a broken stream: poll, then reconnect
            if not self._stop.is_set():
                log.info("unlockstep flag stream closed: %s", error)
        finally:
            answered.set()
            watchdog.cancel()
            self._listening = None
            client.close()
        return opened

    def _on_event(self, fields: Mapping[str, str]) -> bool:
        """One server-sent event; True when it came from the server's stream."""
        try:
            data = json.loads(fields.get("data", "null"))
        except ValueError:
            return False
        event = fields.get("event")
        if event == "hello" and isinstance(data, dict):
            self._subscription = data.get("subscription")
            if self.revision is not None and data.get("revision") == self.revision:
                self._fresh(None)  # it holds the current one: the server sends none
                self._acknowledge()
            return True
        if event != "configuration" or not isinstance(data, dict):
            return False
        revision, etag = data.get("revision"), data.get("etag")
        if etag is None or etag != self._etag:
            if not self._apply(data.get("document"), etag):
                return True  # a configuration it cannot compile: not acknowledged
        else:
            self._fresh(None)
        self.revision = revision if isinstance(revision, int) else None
        self._acknowledge()
        return True

    def _acknowledge(self) -> None:
        """Tell the server which revision this client holds (best effort)."""
        listening = self._listening
        if listening is None or self._subscription is None or self.revision is None:
            return
        path = f"/api/v1/environments/{quote(self.environment, safe='')}/flag-sync/ack"
        body = {"subscription": self._subscription, "revision": self.revision}
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        try:
            listening.post(path, json=body, headers=headers, timeout=self.timeout)
        except Exception as error:
            log.info("could not acknowledge flag revision %s: %s", self.revision, error)

    # --- sync and flush -------------------------------------------------------------

    def _compile(self, document: Mapping[str, Any]) -> FlagEngine:
        flag_set = parse_flag_set(dict(document), source=f"environment {self.environment}")
        return FlagEngine(flag_set, strict_targeting_key=self._strict)

    def _install(self, engine: FlagEngine) -> None:
        """Build the OpenFeature answer of every answer the engine precomputed, once per
        configuration (fresh and stale), and publish the engine with them in one assignment,
        so an evaluation racing a sync sees either the old pair or the new one."""
        fresh: dict[int, _Served] = {}
        stale: dict[int, _Served] = {}
        keys: list[Key] = []
        for key, resolution in engine.served():
            count_key = (key, resolution.variant, resolution.reason.value)
            keys.append(count_key)
            tally = self.counter.tally(count_key) if self._count else None
            fresh[id(resolution)] = (_details(resolution, stale=False), tally)
            stale[id(resolution)] = (_details(resolution, stale=True), tally)
        self.counter.retain(keys)
        self._tables = (fresh, stale)
        self._engine = engine
        self._publish()

    def _publish(self) -> None:
        fresh, stale = self._tables
        if self._engine is not None:
            self._state = (self._engine, stale if self._stale else fresh, self._stale)

    @property
    def stale(self) -> bool:
        """True while serving the last known configuration because syncs fail."""
        return self._stale

    @stale.setter
    def stale(self, value: bool) -> None:
        self._stale = value
        self._publish()

    def sync(self) -> bool:
        """Poll once; True when the configuration is current. Never raises.

        The whole poll — connecting, headers, body — has one deadline, ``timeout`` seconds:
        httpx's timeouts apply to each read, so a server (or proxy) that trickles a byte at a
        time would otherwise hold the poll, and ``initialize``, for as long as it likes. The
        request runs in a short-lived worker thread the poll waits for; past the deadline the
        poll gives up (STALE, or not ready) and the worker stops at its next chunk. While one
        such worker is still hanging, later polls do not start another."""
        if self._http is None:
            return self._engine is not None
        if self._fetching is not None and self._fetching.is_alive():
            self._went_stale(SyncDeadline("the previous poll of the flag configuration hangs"))
            return False
        deadline = time.monotonic() + self.timeout
        outcome: list[_Fetched | Exception] = []
        worker = threading.Thread(
            target=self._fetch, args=(deadline, outcome), name="unlockstep-flags-fetch", daemon=True
        )
        self._fetching = worker
        worker.start()
        worker.join(max(0.0, deadline - time.monotonic()))
        if not outcome:
            self._went_stale(
                SyncDeadline(f"the flag configuration did not arrive within {self.timeout:g}s")
            )
            return False
        fetched = outcome[0]
        if isinstance(fetched, Exception):
            self._went_stale(fetched)
            return False
        if fetched.document is None:
            self._fresh(None)
            return True
        self.revision = None  # the stream resumes from what it sends then
        return self._apply(fetched.document, fetched.etag)

    def _apply(self, document: Any, etag: str | None) -> bool:
        """Compile and install a new configuration; False (and STALE) if it cannot be."""
        try:
            old = self._engine
            engine = self._compile(document)
        except Exception as error:  # the host must never see this
            self._went_stale(error)
            return False
        self._install(engine)
        self._etag = etag
        changed = _changed_keys(old, engine)
        self._fresh(changed if old is not None else None)
        return True

    def _fetch(self, deadline: float, outcome: list[_Fetched | Exception]) -> None:
        """The worker of ``sync``: GET the flag set, reading the body chunk by chunk and
        stopping when the deadline passes. ``document`` is ``None`` for 304 Not Modified."""
        assert self._http is not None
        headers = {"If-None-Match": self._etag} if self._etag else {}
        path = f"/api/v1/environments/{quote(self.environment, safe='')}/flagset"
        try:
            with self._http.stream("GET", path, headers=headers) as response:
                if response.status_code == 304:
                    outcome.append(_Fetched(None, None))
                    return
                response.raise_for_status()
                chunks: list[bytes] = []
                for chunk in response.iter_bytes():
                    if time.monotonic() > deadline:
                        raise SyncDeadline("the flag configuration arrives too slowly")
                    chunks.append(chunk)
                document = json.loads(b"".join(chunks))
                outcome.append(_Fetched(document, response.headers.get("ETag")))
        except Exception as error:  # reported by ``sync``; the host never sees it
            outcome.append(error)

    def _fresh(self, changed: list[str] | None) -> None:
        if self.stale or self._errored:
            self.stale = False
            self._errored = False
            self.emit_provider_ready(ProviderEventDetails(message="flag configuration current"))
        elif changed:
            self.emit_provider_configuration_changed(ProviderEventDetails(flags_changed=changed))

    def _went_stale(self, error: Exception) -> None:
        log.warning("unlockstep flag sync failed: %s", error)
        if self._engine is not None and not self.stale:
            self.stale = True
            self.emit_provider_stale(
                ProviderEventDetails(message=f"serving the last known configuration: {error}")
            )

    def flush(self) -> int:
        """Post the counted evaluations; on failure keep them for next time. Never raises.
        Bounded by ``timeout`` like a poll, so ``shutdown`` cannot hang on a slow server."""
        http = self._http
        if http is None:
            return 0
        items = self.counter.drain()
        if not items:
            return 0
        body = {"environment": self.environment, "counts": items}
        outcome: list[Exception | None] = []

        def post() -> None:
            try:
                http.post("/api/v1/flag-evaluations", json=body).raise_for_status()
                outcome.append(None)
            except Exception as error:
                outcome.append(error)

        worker = threading.Thread(target=post, name="unlockstep-flags-flush", daemon=True)
        worker.start()
        worker.join(self.timeout)
        try:
            if not outcome:
                raise SyncDeadline(f"the server did not take the counts within {self.timeout:g}s")
            if outcome[0] is not None:
                raise outcome[0]
        except Exception as error:
            log.info("could not flush flag evaluation counts: %s", error)
            self.counter.give_back(items)
            return 0
        return sum(item["count"] for item in items)

    # --- evaluation -----------------------------------------------------------------

    def _resolve(
        self, key: str, default: Any, context: EvaluationContext | None, kind: str
    ) -> FlagResolutionDetails[Any]:
        state = self._state
        if state is None:
            return FlagResolutionDetails(
                default,
                error_code=OFErrorCode.PROVIDER_NOT_READY,
                error_message="no flag configuration yet",
                reason=OFReason.ERROR,
            )
        engine, answers, stale = state
        try:
            if context is None:
                resolution = engine.evaluate(key, default, None, kind)
            else:
                resolution = engine.evaluate(
                    key, default, context.attributes, kind, context.targeting_key
                )
        except Exception as error:  # defensive: the engine is not supposed to raise
            return FlagResolutionDetails(
                default, error_code=OFErrorCode.GENERAL, error_message=str(error),
                reason=OFReason.ERROR,
            )  # fmt: skip
        # A served variant is a long-lived object the engine precomputed: so is its answer.
        served = answers.get(id(resolution))
        if served is not None:
            details, tally = served
            if tally is not None:
                tally()
            return details
        # Built per call: a miss, served as the caller's default with a reason.
        if self._count:
            self.counter.record_key((key, resolution.variant, resolution.reason.value))
        return _details(resolution, stale=stale)

    def resolve_boolean_details(
        self,
        flag_key: str,
        default_value: bool,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[bool]:
        return self._resolve(flag_key, default_value, evaluation_context, "boolean")

    def resolve_string_details(
        self, flag_key: str, default_value: str, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[str]:
        return self._resolve(flag_key, default_value, evaluation_context, "string")

    def resolve_integer_details(
        self, flag_key: str, default_value: int, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[int]:
        return self._resolve(flag_key, default_value, evaluation_context, "integer")

    def resolve_float_details(
        self,
        flag_key: str,
        default_value: float,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[float]:
        return self._resolve(flag_key, default_value, evaluation_context, "float")

    def resolve_object_details(
        self,
        flag_key: str,
        default_value: Sequence[FlagValueType] | Mapping[str, FlagValueType],
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[Sequence[FlagValueType] | Mapping[str, FlagValueType]]:
        return self._resolve(flag_key, default_value, evaluation_context, "object")


_EMPTY_METADATA: dict[str, Any] = {}
_NO_HOOKS: list[Hook] = []
# One served answer: what the OpenFeature client gets, and its evaluation tally (or None
# when counting is off); the state is the engine, its answers and whether they are stale.
_Served = tuple[FlagResolutionDetails[Any], Callable[[], int] | None]
_State = tuple[FlagEngine, dict[int, _Served], bool]


def _details(resolution: Resolution, *, stale: bool) -> FlagResolutionDetails[Any]:
    """The OpenFeature form of an engine answer; a successful answer served from a stale
    configuration says so in its reason."""
    code = resolution.error_code
    reason = "STALE" if stale and code is None else resolution.reason.value
    return FlagResolutionDetails(
        resolution.value,
        error_code=_ERRORS[code.value] if code is not None else None,
        error_message=resolution.error_message,
        reason=_REASONS[reason],
        variant=resolution.variant,
        flag_metadata=resolution.metadata if resolution.metadata is not None else _EMPTY_METADATA,
    )


def _changed_keys(old: FlagEngine | None, new: FlagEngine) -> list[str]:
    if old is None:
        return sorted(new.flag_set.flags)
    before, after = old.flag_set.flags, new.flag_set.flags
    keys = set(before) | set(after)
    return sorted(k for k in keys if before.get(k) != after.get(k))
