"""Flag sets as served: compiled once per revision, answered from memory.

Each app keeps one :class:`FlagEngines`. Per environment it holds a :class:`ServedSet`: the
compiled engine, every answer the engine precomputed already rendered as an OFREP JSON item,
and the flagd document (the SDK's sync body) rendered once with its ETag. Serving a request
reads no database and renders (almost) nothing:

- **Writes through this process** (a commit that wrote to the flag-set table, which every
  flag write does to move the set's revision) mark the cache behind; the next request first
  re-reads the revision counters in a worker thread, awaited, so a client always reads its
  own writes. Other writes (evaluation counts, contracts…) leave it as it is.
- **Writes through other processes** on the same database are picked up by a re-read of the
  counters at most every ``refresh_seconds`` (``UNLOCKSTEP_FLAG_REFRESH_SECONDS``, default 1):
  the first request after that starts it in a worker thread and does not wait for it, so
  another server process serves a change within about that interval.
- **Bounded**: at most ``max_environments`` environments with flags are kept (the least
  recently used goes), and names without any flag (typos, probes) are remembered in a
  separate bounded set that a refresh empties, so unknown names neither grow memory nor
  push out the real environments.

Only the event loop's thread changes the maps; worker threads read the database and build
``ServedSet`` values, which are immutable once built.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event
from starlette.concurrency import run_in_threadpool

from unlockstep.core.flags import FlagEngine, Reason, Resolution, parse_flag_set
from unlockstep.server.deps import etag_of
from unlockstep.services import flags as flag_service
from unlockstep.store import Store
from unlockstep.store import flags as flag_store
from unlockstep.store.flag_tables import FlagSetRow

log = logging.getLogger(__name__)


def dumps(value: Any) -> bytes:
    """Compact JSON as UTF-8 bytes (what ``JSONResponse`` sends)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def ofrep_item(key: str, resolution: Resolution) -> bytes:
    """One OFREP evaluation success: ``value`` only when a variant was served (otherwise the
    caller's default applies), ``variant`` null then."""
    body: dict[str, Any] = {"key": key, "reason": str(resolution.reason)}
    if resolution.variant is not None:
        body["value"] = resolution.value
    body["variant"] = resolution.variant
    body["metadata"] = dict(resolution.metadata or {})
    return dumps(body)


def ofrep_failure(key: str | None, code: str, details: str) -> bytes:
    body: dict[str, Any] = {"key": key} if key is not None else {}
    body.update({"errorCode": code, "errorDetails": details})
    return dumps(body)


class ServedSet:
    """One environment's flag set at one revision, ready to answer. Immutable."""

    __slots__ = (
        "answers", "document", "document_etag", "engine", "keys", "metadata", "quiet", "revision"
    )  # fmt: skip

    def __init__(self, revision: int, document: dict[str, Any], environment: str) -> None:
        self.revision = revision
        self.engine = FlagEngine(parse_flag_set(document, source=f"environment {environment}"))
        self.keys = tuple(self.engine.keys())
        # The engine returns these resolutions as the same objects on every evaluation.
        self.answers: dict[int, bytes] = {
            id(resolution): ofrep_item(key, resolution) for key, resolution in self.engine.served()
        }
        # Answers with neither a variant nor an error (disabled, a prerequisite off, no
        # default variant) differ only by flag and reason: the flag's metadata is fixed.
        self.quiet: dict[tuple[str, Reason], bytes] = {}
        for key in self.keys:
            metadata = self.engine.evaluate(key, None, None).metadata
            for reason in (Reason.DISABLED, Reason.DEFAULT):
                quiet = Resolution(None, None, reason, None, None, metadata)
                self.quiet[key, reason] = ofrep_item(key, quiet)
        self.metadata = dumps(dict(self.engine.flag_set.metadata))
        self.document = dumps(document)
        self.document_etag = etag_of(document)

    def item(self, key: str, resolution: Resolution) -> bytes:
        """The OFREP item for ``resolution`` (from ``engine.evaluate``): prebuilt when the
        engine served a precomputed answer or a quiet one, else rendered for this call."""
        body = self.answers.get(id(resolution))
        if body is not None:
            return body
        if resolution.error_code is not None:
            return ofrep_failure(key, resolution.error_code, resolution.error_message or "")
        if resolution.variant is None:
            body = self.quiet.get((key, resolution.reason))
            if body is not None:
                return body
        return ofrep_item(key, resolution)


def bulk_etag(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


class FlagEngines:
    """Served flag sets per environment for one app (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        *,
        refresh_seconds: float = 1.0,
        max_environments: int = 256,
        max_unknown: int = 1024,
    ) -> None:
        self.store = store
        self.refresh_seconds = refresh_seconds
        self.max_environments = max_environments
        self.max_unknown = max_unknown
        self._sets: OrderedDict[str, ServedSet] = OrderedDict()
        # Environments without flags (unknown names mostly), forgotten at every refresh.
        self._unknown: OrderedDict[str, ServedSet] = OrderedDict()
        self._writes = write_counter(store.engine)  # flag writes through this process
        self._synced = self._writes.value  # the write count the last refresh started at
        self._next_check = 0.0
        self._refreshing: asyncio.Task[None] | None = None

    # --- the hot path ---------------------------------------------------------------

    async def get(self, environment: str) -> ServedSet:
        """The served set of ``environment``; never a database read on the event loop."""
        if self._writes.value != self._synced:
            await self._catch_up()
        elif time.monotonic() >= self._next_check:
            self._refresh_task()  # not awaited: this request is served what is cached
        served = self._sets.get(environment)
        if served is not None:
            self._sets.move_to_end(environment)
            return served
        served = self._unknown.get(environment)
        if served is not None:
            return served
        return await self._load(environment)

    async def refresh(self) -> None:
        """Re-read the revision counters now and wait until what changed is served."""
        await self._refresh_task()  # one running may have read before the caller's write
        await self._refresh_task()

    def stats(self) -> dict[str, int]:
        """How many environments are held: with flags, and names without any."""
        return {"environments": len(self._sets), "unknown": len(self._unknown)}

    # --- loading and refreshing -----------------------------------------------------

    async def _load(self, environment: str) -> ServedSet:
        seen = self._writes.value
        revision, document = await run_in_threadpool(self._read, environment)
        served = await run_in_threadpool(ServedSet, revision, document, environment)
        if self._writes.value != seen:  # a write landed meanwhile: check again next request
            self._synced = min(self._synced, seen)
        if document["flags"]:
            self._install(environment, served)
        else:
            self._unknown[environment] = served
            while len(self._unknown) > self.max_unknown:
                self._unknown.popitem(last=False)
        return served

    def _install(self, environment: str, served: ServedSet) -> None:
        current = self._sets.get(environment)
        if current is not None and current.revision > served.revision:
            return  # a newer set arrived meanwhile
        self._sets[environment] = served
        self._sets.move_to_end(environment)
        self._unknown.pop(environment, None)
        while len(self._sets) > self.max_environments:
            self._sets.popitem(last=False)

    def _read(self, environment: str) -> tuple[int, dict[str, Any]]:
        """The revision, then the document the SDK syncs (``services.flags``, which stands in
        for flags stored invalid): a write landing between the two reads makes the document
        newer than its revision, which costs one more rebuild, never a stale set."""
        revision = flag_store.read_set_revision(self.store.engine, environment)
        return revision, flag_service.export_flag_set(self.store, environment)

    async def _catch_up(self) -> None:
        """Wait for a refresh that started after the writes seen now (at most two: the one
        running may have started before them). Still behind after that (the database failed)
        means serving what is cached."""
        target = self._writes.value
        for _ in range(2):
            if self._synced >= target:
                return
            await asyncio.shield(self._refresh_task())

    def _refresh_task(self) -> asyncio.Task[None]:
        """The refresh running now, or a new one."""
        task = self._refreshing
        loop = asyncio.get_running_loop()
        if task is None or task.get_loop() is not loop:  # (a loop that ended: tests)
            task = self._refreshing = loop.create_task(self._run_refresh())
        return task

    async def _run_refresh(self) -> None:
        me = asyncio.current_task()
        seen = self._writes.value
        try:
            environments = list(self._sets.items())
            changed = await run_in_threadpool(self._changed, environments)
        except Exception as error:  # keep serving what is cached; the next request retries
            log.warning("could not refresh the served flag sets: %s", error)
            return
        else:
            for environment, served in changed:
                self._install(environment, served)
            self._unknown.clear()
            self._synced = max(self._synced, seen)
        finally:
            self._next_check = time.monotonic() + self.refresh_seconds
            if self._refreshing is me:
                self._refreshing = None

    def _changed(self, environments: list[tuple[str, ServedSet]]) -> list[tuple[str, ServedSet]]:
        """In a worker thread: the environments whose revision moved, rebuilt."""
        changed = []
        for environment, served in environments:
            if flag_store.read_set_revision(self.store.engine, environment) != served.revision:
                revision, document = self._read(environment)
                changed.append((environment, ServedSet(revision, document, environment)))
        return changed


class WriteCounter:
    """Commits that wrote to the flag-set table through one SQLAlchemy engine."""

    __slots__ = ("_lock", "listeners", "value")

    def __init__(self) -> None:
        self.value = 0
        self._lock = threading.Lock()
        #: Called (in the committing thread) after each such commit: the push feed's wake-up.
        self.listeners: list[Callable[[], None]] = []

    def committed(self, connection: Any) -> None:
        if connection.info.pop(_WROTE, False):
            with self._lock:
                self.value += 1
            for listener in tuple(self.listeners):
                listener()


_COUNTERS: weakref.WeakKeyDictionary[Engine, WriteCounter] = weakref.WeakKeyDictionary()
_COUNTERS_LOCK = threading.Lock()


def write_counter(engine: Engine) -> WriteCounter:
    """The one write counter of ``engine`` (made and hooked up on first use)."""
    with _COUNTERS_LOCK:
        counter = _COUNTERS.get(engine)
        if counter is None:
            counter = _COUNTERS[engine] = WriteCounter()
            event.listen(engine, "after_cursor_execute", _note_write)
            event.listen(engine, "commit", counter.committed)
            event.listen(engine, "rollback", _forget_write)
        return counter


_WROTE = "unlockstep.wrote"


_FLAG_SETS = FlagSetRow.__tablename__


def _note_write(
    connection: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: Any
) -> None:
    """Every flag write moves its set's revision (``store.flags``): a write to the flag-set
    table is what makes the served sets behind; other writes (evaluation counts…) are not."""
    if (
        context is not None
        and (context.isupdate or context.isinsert or context.isdelete)
        and _FLAG_SETS in statement
    ):
        connection.info[_WROTE] = True


def _forget_write(connection: Any) -> None:
    connection.info.pop(_WROTE, None)
