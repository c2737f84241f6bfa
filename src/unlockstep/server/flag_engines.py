"""Compiled flag engines per environment, rebuilt only when the flag set's revision moves.

Every OFREP request reads one integer (the environment's flag-set revision, on a plain pooled
connection rather than an ORM session); the flagd document is exported and compiled once per
revision. With several server processes on one database each keeps its own cache and they
all follow the same revision counter, so a write in one is served by all on their next request.
"""

from __future__ import annotations

import threading

from unlockstep.core.flags import FlagEngine, parse_flag_set
from unlockstep.store import Store
from unlockstep.store import flags as flag_store


class EngineCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._engines: dict[str, tuple[int, FlagEngine]] = {}

    def engine(self, store: Store, environment: str) -> tuple[int, FlagEngine]:
        revision = flag_store.read_set_revision(store.engine, environment)
        cached = self._engines.get(environment)
        if cached is not None and cached[0] == revision:
            return cached
        with store.session() as session:  # revision and document from one transaction
            revision = flag_store.set_revision(session, environment)
            document = flag_store.export_flag_set(session, environment)
        engine = FlagEngine(parse_flag_set(document, source=f"environment {environment}"))
        with self._lock:
            self._engines[environment] = (revision, engine)
        return revision, engine
