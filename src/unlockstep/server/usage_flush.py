"""Writing accepted usage points to the rollups: about once a second, before this process
answers a read, and when the server stops (``store.usage_ingest`` says why ingest is
batched and what a crash between flushes loses).

Flushing before a read (a ``GET``) means a client that exported and then asks (``usage
show``, a plan's blockers, a window) sees its export, as it did when every export was
written at once; with several server processes, another process's exports show within
``usage_flush_seconds``. A failed flush keeps the points for the next one and is logged;
the read is answered from what the database has.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from unlockstep.server.periodic import PeriodicFlush
from unlockstep.store.usage_ingest import UsageWriter

log = logging.getLogger(__name__)


class UsageFlush(PeriodicFlush):
    def __init__(self, writer: UsageWriter, seconds: float) -> None:
        super().__init__(seconds)
        self.writer = writer

    def flush(self) -> int:
        """Write what is pending (in a worker thread); the points written, 0 on failure."""
        try:
            return self.writer.flush()
        except Exception as error:  # the database is down: the points stay pending
            log.warning("could not write %d usage points: %s", self.writer.pending, error)
            return 0

    def due(self) -> bool:
        return bool(self.writer.pending)

    def install(self, app: FastAPI) -> None:
        """Flush before every read (``GET``: the API, dashboard pages, ``/metrics``) except
        OFREP's, so flag evaluations never wait on a flush."""

        @app.middleware("http")
        async def flush_before_reads(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            if (
                self.writer.pending
                and request.method in ("GET", "HEAD")
                and not request.url.path.startswith("/ofrep/")
            ):
                await run_in_threadpool(self.flush)
            return await call_next(request)
