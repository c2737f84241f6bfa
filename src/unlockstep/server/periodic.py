"""A flush that runs in the background while the server runs: every ``seconds`` in a worker
thread (when there is something to write), and once more when the server stops."""

from __future__ import annotations

import asyncio

from starlette.concurrency import run_in_threadpool


class PeriodicFlush:
    """Subclasses write what they hold in :meth:`flush` and say in :meth:`due` whether a tick
    has anything to write. ``seconds`` of 0 means no background task: only the final flush."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._task: asyncio.Task[None] | None = None

    def flush(self) -> int:
        raise NotImplementedError

    def due(self) -> bool:
        return True

    def start(self) -> None:
        if self._task is None and self.seconds > 0:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        await run_in_threadpool(self.flush)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.seconds)
            if self.due():
                await run_in_threadpool(self.flush)
