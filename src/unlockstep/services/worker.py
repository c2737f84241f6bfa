"""Background work inside ``unlockstep serve``: periodic jobs, each run by exactly one process.

A :class:`Job` is a name, an interval and a function of the store. The :class:`Worker` runs in
a daemon thread of every server process; before each run of a job it takes the job's lease
(``store/leases.py``), so with several server processes on one PostgreSQL exactly one of them
runs it, and when that process dies another takes over once the lease expires (three
intervals, at least 30 s). A job's own progress lives in its tables, so a restart resumes
where the last run stopped. A job that raises is logged and run again at its next interval;
it never stops the worker or the server.

Features add their jobs in ``services/schedule.py``. Work that must not wait for a whole
interval calls :meth:`Worker.wake`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from unlockstep.store import Store, leases

log = logging.getLogger("unlockstep.worker")

#: The shortest a lease lasts, however short the job's interval.
MIN_LEASE = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Job:
    """``run(store, now)`` every ``every`` seconds, in one process of the estate at a time."""

    name: str
    every: float
    run: Callable[[Store, datetime], None]

    @property
    def lease(self) -> timedelta:
        return max(MIN_LEASE, timedelta(seconds=3 * self.every))


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Worker:
    store: Store
    jobs: Sequence[Job]
    holder: str = field(default_factory=_holder)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _due: dict[str, datetime] = field(default_factory=dict, init=False)
    _wake: threading.Event = field(default_factory=threading.Event, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)

    def run_due(self) -> list[str]:
        """Run every job whose time has come and whose lease this process holds; the names
        of the jobs it ran."""
        ran: list[str] = []
        for job in self.jobs:
            now = self.clock()
            if self._due.get(job.name, now) > now:
                continue
            self._due[job.name] = now + timedelta(seconds=job.every)
            try:
                if not leases.acquire(self.store, f"job:{job.name}", self.holder, now, job.lease):
                    continue
                job.run(self.store, now)
                ran.append(job.name)
            except Exception:  # a job's failure must never stop the others or the server
                log.exception("background job %s failed; it runs again in %ss", job.name, job.every)
        return ran

    def wake(self) -> None:
        """Run every job now rather than at its next interval (e.g. after a write that a job
        acts on)."""
        self._due.clear()
        self._wake.set()

    def start(self) -> None:
        if not self.jobs or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="unlockstep-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the loop and give this process's leases up so another process takes over at
        once."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        for job in self.jobs:
            try:
                leases.release(self.store, f"job:{job.name}", self.holder)
            except Exception:
                log.warning("could not release the lease of job %s", job.name)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_due()
            now = self.clock()
            nearest = min(self._due.values(), default=now + timedelta(seconds=1))
            self._wake.wait(max(0.05, min(1.0, (nearest - now).total_seconds())))
            self._wake.clear()
