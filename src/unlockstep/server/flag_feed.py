"""Flag configurations pushed to connected clients, and who holds which revision.

One :class:`FlagFeed` per app. A client — a flagd provider on the gRPC sync service
(``server/flagd_sync``) or an unlockstep SDK on the HTTP stream (``routers/flag_stream.py``) —
*subscribes* to an environment and is handed every new :class:`Configuration` of it: the whole
flagd document with the flag set's revision, never a diff, so a client that misses one (it was
disconnected) is whole again with the next.

- **When**: every commit that writes a flag set through this process wakes the feed's thread at
  once (the same hook that keeps ``flag_engines`` current); writes through other processes on
  the same database are found by a re-read of the revisions every ``refresh_seconds``. The
  thread reads the revisions of the watched environments in one statement and rebuilds only
  those that moved.
- **How**: subscriptions live on event loops (the gRPC server's and uvicorn's); the thread
  hands a new configuration to each loop with one ``call_soon_threadsafe``, and the loop
  wakes every subscription of that environment. A subscription keeps only the newest
  configuration: a slow client skips intermediate ones and gets the current one.
- **Who holds what**: each subscription records the revision its client holds (the gRPC
  service once the message is written to the stream, the HTTP stream when the client
  acknowledges it). :meth:`FlagFeed.status` shows, per environment, the revision, when it was
  written, which connected clients hold an older one (the laggards), and for the last
  revisions how long it took from the write to every connected client holding it.
- **Everywhere**: every ``report_seconds`` the thread writes this process's status per
  environment to the database (``store/flag_sync.py``); :meth:`FlagFeed.status_everywhere`
  adds the fresh reports of the other processes on the same database, so a client connected
  to any of them is shown (and named when it lags), each row with the process it is on.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import logging
import os
import secrets
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from unlockstep.core.flags import for_flagd, is_killed
from unlockstep.server.deps import etag_of
from unlockstep.server.flag_engines import dumps, write_counter
from unlockstep.services import flags as flag_service
from unlockstep.store import Store, flag_sync
from unlockstep.store import flags as flag_store

log = logging.getLogger(__name__)

#: How many completed propagations each environment remembers.
HISTORY = 20

#: Pauses (seconds) between looks after a wake-up that found no new revision yet.
_RECHECK = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2)


class Configuration:
    """One environment's flagd document at one revision. Immutable once built (the filtered
    views are cached as they are asked for)."""

    __slots__ = (
        "_event", "_views", "document", "environment", "killed", "recorded_at", "revision", "text"
    )  # fmt: skip

    def __init__(
        self,
        environment: str,
        revision: int,
        document: dict[str, Any],
        recorded_at: dt.datetime | None,
        killed: tuple[str, ...] = (),
    ) -> None:
        self.environment = environment
        self.revision = revision
        self.document = document
        self.text = dumps(document).decode()
        #: When the revision was written (the flag set's ``updated_at``); None: never had one.
        self.recorded_at = recorded_at
        #: Flags this revision turned off (a kill, or a disabled flag) that the last was serving.
        self.killed = killed
        self._views: dict[str, str] = {}
        self._event: bytes | None = None

    def event(self) -> bytes:
        """The configuration as one server-sent event (``routers/flag_stream.py``): ``id`` is
        the revision; ``data`` holds the revision, the ETag the sync endpoint gives the same
        document (so a fallback poll answers 304) and the document, on one line."""
        if self._event is None:
            data = dumps(
                {
                    "revision": self.revision,
                    "etag": etag_of(self.document),
                    "document": self.document,
                }
            )
            self._event = b"id: %d\nevent: configuration\ndata: %s\n\n" % (self.revision, data)
        return self._event

    def flagd_text(self, flag_set_id: str | None = None) -> str:
        """The document as flagd's providers evaluate it (prerequisites folded in:
        ``core.flags.for_flagd``), whole or only the flags of one flag set (a flag's
        ``metadata.flagSetId``, else the document's) with the shared metadata and
        ``$evaluators``."""
        key = flag_set_id or ""
        view = self._views.get(key)
        if view is None:
            document = self.document
            if flag_set_id is not None:
                default = document.get("metadata", {}).get("flagSetId")
                flags = {
                    key: body
                    for key, body in document.get("flags", {}).items()
                    if _flag_set_of(body, default) == flag_set_id
                }
                # prerequisites are read in the whole set, then the flags are picked
                folded = for_flagd(document)["flags"]
                document = {**document, "flags": {k: folded[k] for k in flags}}
            else:
                document = for_flagd(document)
            view = self._views[key] = dumps(document).decode()
        return view


def _flag_set_of(body: Any, default: Any) -> Any:
    metadata = body.get("metadata") if isinstance(body, dict) else None
    if isinstance(metadata, dict) and "flagSetId" in metadata:
        return metadata["flagSetId"]
    return default


def _turned_off(before: dict[str, Any] | None, after: dict[str, Any]) -> tuple[str, ...]:
    """Flags ``after`` kills (or disables) that ``before`` served."""
    if before is None:
        return ()
    old, new = before.get("flags", {}), after.get("flags", {})
    return tuple(sorted(key for key, body in new.items() if _off(body) and not _off(old.get(key))))


def _off(body: Any) -> bool:
    return isinstance(body, dict) and (body.get("state") == "DISABLED" or is_killed(body))


_ids = itertools.count(1)


class Subscription:
    """One connected client of one environment, on one event loop."""

    def __init__(
        self,
        feed: FlagFeed,
        environment: str,
        transport: str,
        client: str,
        latest: Configuration,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.id = next(_ids)
        self.feed = feed
        self.environment = environment
        self.transport = transport
        self.client = client
        self.connected_at = time.time()
        self.latest = latest
        self.loop = loop
        self._event = asyncio.Event()
        #: The revision the client holds (None until it holds one), and since when.
        self.held: int | None = None
        self.held_at: float | None = None

    async def next(self, after: int | None) -> Configuration:
        """The newest configuration, once its revision is not ``after``."""
        while True:
            latest = self.latest
            if latest.revision != after:
                return latest
            self._event.clear()
            await self._event.wait()

    def deliver(self, configuration: Configuration) -> None:
        """On the subscription's loop: a newer configuration is here."""
        if self.latest.revision != configuration.revision:
            self.latest = configuration
            self._event.set()

    def acknowledge(self, revision: int) -> None:
        """The client holds ``revision`` now."""
        if self.held != revision:
            self.held = revision
            self.held_at = time.time()
            self.feed.acknowledged(self)


@dataclass
class Propagation:
    """How long one revision took to reach every client connected while it was current."""

    revision: int
    recorded_at: dt.datetime | None
    killed: tuple[str, ...]
    clients: int
    complete_at: float | None = None

    @property
    def seconds(self) -> float | None:
        if self.complete_at is None or self.recorded_at is None:
            return None
        return max(0.0, self.complete_at - self.recorded_at.timestamp())


@dataclass
class _Environment:
    current: Configuration | None = None
    subscriptions: dict[int, Subscription] = field(default_factory=dict)
    history: deque[Propagation] = field(default_factory=lambda: deque(maxlen=HISTORY))
    pending: Propagation | None = None
    #: The subscriptions that do not hold the pending revision yet: an acknowledgement removes
    #: one (constant time; scanning every subscription per acknowledgement was quadratic, about
    #: 50 million steps for one kill at 10,000 streams).
    waiting: set[int] = field(default_factory=set)


class FlagFeed:
    """Configurations per environment, pushed to subscriptions (see the module docstring)."""

    def __init__(
        self, store: Store, *, refresh_seconds: float = 1.0, report_seconds: float = 5.0
    ) -> None:
        self.store = store
        self.refresh_seconds = refresh_seconds
        #: This process in the reports the processes share (unique across restarts).
        self.process = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.report_seconds = report_seconds
        self._reported: set[str] = set()
        self._next_report = 0.0
        self._lock = threading.Lock()
        self._environments: dict[str, _Environment] = {}
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._writes = write_counter(store.engine)

    # --- clients --------------------------------------------------------------------

    async def subscribe(self, environment: str, transport: str, client: str) -> Subscription:
        """Register a client of ``environment`` on the running loop; it is handed the current
        configuration at once (``next(None)``) and every later one."""
        self.start()
        current = await self.current(environment)
        subscription = Subscription(
            self, environment, transport, client, current, asyncio.get_running_loop()
        )
        with self._lock:
            state = self._environments.setdefault(environment, _Environment())
            state.subscriptions[subscription.id] = subscription
            if state.pending is not None:  # it counts once it holds the pending revision
                state.waiting.add(subscription.id)
            if state.current is not None and state.current.revision != current.revision:
                subscription.latest = state.current  # moved while this one was loading
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            state = self._environments.get(subscription.environment)
            if state is not None:
                state.subscriptions.pop(subscription.id, None)
                state.waiting.discard(subscription.id)
                self._complete(state)  # the last laggard may just have left

    def find(self, environment: str, subscription: int) -> Subscription | None:
        with self._lock:
            state = self._environments.get(environment)
            return state.subscriptions.get(subscription) if state is not None else None

    async def current(self, environment: str) -> Configuration:
        """The environment's configuration now (read from the database the first time)."""
        with self._lock:
            state = self._environments.get(environment)
            current = state.current if state is not None else None
        if current is not None:
            return current
        loaded = await asyncio.get_running_loop().run_in_executor(None, self._build, environment)
        return self._install(loaded)

    def acknowledged(self, subscription: Subscription) -> None:
        with self._lock:
            state = self._environments.get(subscription.environment)
            if state is not None:
                pending = state.pending
                held = subscription.held
                if pending is not None and held is not None and held >= pending.revision:
                    state.waiting.discard(subscription.id)
                self._complete(state)

    # --- the watcher thread ---------------------------------------------------------

    def start(self) -> None:
        """Start the thread that notices changes (once; the first subscription calls it)."""
        with self._lock:
            if self._thread is not None or self._stopped.is_set():
                return
            self._writes.listeners.append(self._wake.set)
            self._thread = threading.Thread(target=self._run, name="unlockstep-flag-feed")
            self._thread.daemon = True
            self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()
        if self._wake.set in self._writes.listeners:
            self._writes.listeners.remove(self._wake.set)
        if self._thread is not None:
            self._thread.join(timeout=5)
            if self._reported:
                with contextlib.suppress(Exception):  # stale rows are ignored, then deleted
                    flag_sync.delete_reports(self.store.engine, self.process)

    def report(self) -> None:
        """Write this process's status of every environment with connected clients (the
        thread's work every ``report_seconds``; tests call it). Nothing is written while
        there is nothing to report and nothing was."""
        environments = set(self.environments())
        if not environments and not self._reported:
            return
        now = dt.datetime.now(dt.UTC)
        statuses = {name: self.status(name) for name in environments}
        forget = now - dt.timedelta(seconds=self._fresh_seconds() * 10)
        flag_sync.write_reports(self.store.engine, self.process, statuses, now, forget)
        self._reported = environments

    def _fresh_seconds(self) -> float:
        """How old another process's report may be and still be shown: a few of its rounds."""
        return max(3 * self.report_seconds, 3 * self.refresh_seconds, 1.0)

    def status_everywhere(self, environment: str) -> dict[str, Any]:
        """:meth:`status`, with the clients that the other processes on the same database
        reported (fresh reports only) added to ``clients`` and ``laggards``, every client row
        naming its ``process``, and ``processes`` listing each process's own figures."""
        status = self.status(environment)
        since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=self._fresh_seconds())
        reports = flag_sync.read_reports(self.store.engine, environment, since)
        # the database's revision, not this process's: another may have written a newer one
        written = flag_store.read_set_revisions(self.store.engine, [environment])
        revision = written.get(environment, (status["revision"], None))[0]
        if revision is not None and revision != status["revision"]:
            status["revision"] = revision
            status["recordedAt"] = written[environment][1].isoformat()
        for row in status["clients"]:
            row["process"] = self.process
            held = row["revision"]
            row["current"] = revision is not None and held is not None and held >= revision
        processes = [_process_row(self.process, None, status)]
        for process, reported_at, other in reports:
            if process == self.process:
                continue
            for row in other.get("clients", []):
                held = row.get("revision")
                row["process"] = process
                row["current"] = revision is not None and held is not None and held >= revision
                status["clients"].append(row)
            processes.append(_process_row(process, reported_at, other))
        status["laggards"] = [row for row in status["clients"] if not row["current"]]
        status["processes"] = processes
        return status

    def check(self) -> bool:
        """Re-read the watched environments' revisions and push what moved (the thread's
        work; tests call it directly). True when something moved."""
        with self._lock:
            for name in [
                name
                for name, state in self._environments.items()
                if not state.subscriptions and not state.history and state.pending is None
            ]:  # read once (a fetch, a status, a probe) and nobody listens: forget it
                del self._environments[name]
            watched = {
                name: state.current.revision if state.current is not None else None
                for name, state in self._environments.items()
            }
        if not watched:
            return False
        revisions = flag_store.read_set_revisions(self.store.engine, watched)
        moved = False
        for environment, held in watched.items():
            revision = revisions.get(environment, (0, None))[0]
            if revision != held:
                self._install(self._build(environment))
                moved = True
        return moved

    def _run(self) -> None:
        while not self._stopped.is_set():
            woken = self._wake.wait(self.refresh_seconds)
            self._wake.clear()
            if self._stopped.is_set():
                return
            if time.monotonic() >= self._next_report:
                self._next_report = time.monotonic() + self.report_seconds
                try:
                    self.report()
                except Exception as error:  # the pushes go on; the others see it stale
                    log.warning("could not report the connected flag clients: %s", error)
            try:
                if self.check() or not woken:
                    continue
                # SQLAlchemy's commit event fires just before the database commits: a wake-up
                # may find nothing new yet. Look again shortly rather than a whole interval on.
                for pause in _RECHECK:
                    if self._stopped.wait(pause) or self.check():
                        break
            except Exception as error:  # keep the last configurations; retry next round
                log.warning("could not check the flag sets for changes: %s", error)
                self._stopped.wait(min(1.0, self.refresh_seconds or 1.0))

    def _build(self, environment: str) -> Configuration:
        """In a worker thread: the revision, then the document (a write landing between the
        two makes the document newer than its revision, which costs one more push)."""
        found = flag_store.read_set_revisions(self.store.engine, [environment])
        revision, recorded_at = found.get(environment, (0, None))
        document = flag_service.export_flag_set(self.store, environment)
        return Configuration(environment, revision, document, recorded_at)

    def _install(self, configuration: Configuration) -> Configuration:
        """Make ``configuration`` current (unless a newer one is) and hand it to every
        subscription of its environment, one hop per event loop."""
        groups: dict[asyncio.AbstractEventLoop, list[Subscription]] = {}
        with self._lock:
            state = self._environments.setdefault(configuration.environment, _Environment())
            current = state.current
            if current is not None and _not_newer(configuration, current):
                return current
            configuration.killed = _turned_off(
                current.document if current is not None else None, configuration.document
            )
            state.current = configuration
            if state.pending is not None:  # superseded before every client held it
                state.history.appendleft(state.pending)
            state.pending = Propagation(
                configuration.revision,
                configuration.recorded_at,
                configuration.killed,
                len(state.subscriptions),
            )
            state.waiting = {
                s.id
                for s in state.subscriptions.values()
                if s.held is None or s.held < configuration.revision
            }
            self._complete(state)
            for subscription in state.subscriptions.values():
                groups.setdefault(subscription.loop, []).append(subscription)
        for loop, subscriptions in groups.items():
            with contextlib.suppress(RuntimeError):  # a closed loop: its clients are gone
                loop.call_soon_threadsafe(_deliver, subscriptions, configuration)
        return configuration

    def _complete(self, state: _Environment) -> None:
        """Under the lock: the pending propagation is complete once every connected client
        holds its revision (or a later one)."""
        pending = state.pending
        if pending is None or state.waiting:
            return
        if state.subscriptions:
            pending.complete_at = max(s.held_at or 0.0 for s in state.subscriptions.values())
            state.history.appendleft(pending)
        state.pending = None

    # --- what the server shows ------------------------------------------------------

    def status(self, environment: str) -> dict[str, Any]:
        """The environment's revision, its connected clients and which revision each holds,
        the laggards, and the last propagations (JSON-ready, camelCase)."""
        now = time.time()
        with self._lock:
            state = self._environments.get(environment) or _Environment()
            current = state.current
            clients = sorted(state.subscriptions.values(), key=lambda s: s.id)
            pending = state.pending
            history = list(state.history)
        revision = current.revision if current is not None else None
        rows = [
            {
                "id": s.id,
                "client": s.client,
                "transport": s.transport,
                "connectedAt": _iso(s.connected_at),
                "revision": s.held,
                "heldSince": _iso(s.held_at) if s.held_at is not None else None,
                "current": revision is not None and s.held is not None and s.held >= revision,
            }
            for s in clients
        ]
        laggards = [row for row in rows if not row["current"]]
        recorded = current.recorded_at if current is not None else None
        return {
            "environment": environment,
            "revision": revision,
            "recordedAt": recorded.isoformat() if recorded is not None else None,
            "clients": rows,
            "laggards": laggards,
            "pending": _propagation(pending, now) if pending is not None else None,
            "propagations": [_propagation(p, now) for p in history],
        }

    def environments(self) -> list[str]:
        with self._lock:
            return sorted(n for n, s in self._environments.items() if s.subscriptions)


def _not_newer(candidate: Configuration, current: Configuration) -> bool:
    """An older revision, or the same one with the same document (a rebuild that found the
    document newer than its revision is the same revision with another text: it is newer)."""
    if candidate.revision != current.revision:
        return candidate.revision < current.revision
    return candidate.text == current.text


def _deliver(subscriptions: list[Subscription], configuration: Configuration) -> None:
    for subscription in subscriptions:
        subscription.deliver(configuration)


def _process_row(
    process: str, reported_at: dt.datetime | None, status: dict[str, Any]
) -> dict[str, Any]:
    return {
        "process": process,
        "reportedAt": reported_at.isoformat() if reported_at is not None else None,
        "revision": status.get("revision"),
        "clients": len(status.get("clients", [])),
        "pending": status.get("pending"),
        "propagations": status.get("propagations", []),
    }


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat()


def _propagation(p: Propagation, now: float) -> dict[str, Any]:
    waiting = None
    if p.complete_at is None and p.recorded_at is not None:
        waiting = max(0.0, now - p.recorded_at.timestamp())
    return {
        "revision": p.revision,
        "recordedAt": p.recorded_at.isoformat() if p.recorded_at is not None else None,
        "killed": list(p.killed),
        "clients": p.clients,
        "seconds": p.seconds,
        "waitingSeconds": waiting,
    }
