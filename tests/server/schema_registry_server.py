"""A live unlockstep server on a free port, for clients that open their own connections
(Confluent's ``SchemaRegistryClient``): uvicorn in a thread of the test process."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from tests.prometheus import free_port
from unlockstep.server.app import create_app
from unlockstep.settings import Settings
from unlockstep.store import Store


@contextmanager
def live_server(store: Store, settings: Settings) -> Iterator[str]:
    """The base URL of the schema-registry API (``…/confluent``) while the block runs."""
    port = free_port()
    app = create_app(settings.model_copy(update={"worker": False}), store)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/confluent"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
