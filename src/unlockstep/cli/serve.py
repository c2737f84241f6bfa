"""``unlockstep serve``."""

from __future__ import annotations

import importlib.util
import logging
import os
import socket
from typing import Any

import click

from unlockstep.errors import ConfigError

log = logging.getLogger(__name__)

#: Seconds a stopping server waits for open requests (flag streams) before it cuts them.
STREAM_GRACE = 3


def fast_stack() -> dict[str, Any]:
    """uvicorn's fast event loop and HTTP parser (required dependencies; uvloop is not built
    for Windows, which keeps asyncio's loop). Measured with bench/ofrep.py they halve the
    server CPU of an OFREP evaluation against asyncio + h11."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"
    return {"loop": loop, "http": "httptools"}


def check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise ConfigError(
                f"port {port} on {host} is already in use",
                hint="stop what runs there or pass --port with another number",
            ) from None


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)


@click.command("serve")
@click.option("--host", help="interface to listen on [default: 127.0.0.1]")
@click.option("--port", type=int, help="port [default: 8080]")
@click.option(
    "--database-url", help="sqlite:///file.db (default ./unlockstep.db) or postgresql://…"
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="server processes sharing the database (use PostgreSQL for more than one)",
)
@click.option(
    "--sync-port",
    type=click.IntRange(1, 65535),
    help="serve flagd's gRPC sync service (flagd.sync.v1) on this port for flagd in-process "
    "providers [default: UNLOCKSTEP_SYNC_PORT; unset: not served]",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="log every request (costs about half of an OFREP evaluation's server CPU)",
)
def serve(
    host: str | None,
    port: int | None,
    database_url: str | None,
    workers: int,
    sync_port: int | None,
    access_log: bool,
) -> None:
    """Run the registry server (migrates the database first).

    It runs on uvicorn with uvloop and httptools (the fast event loop and HTTP parser).
    """
    import uvicorn

    from unlockstep.cli.context import settings as load_settings
    from unlockstep.server.app import create_app
    from unlockstep.store import Store

    settings = load_settings(host=host, port=port, database_url=database_url, sync_port=sync_port)
    configure_logging()
    check_port_free(settings.host, settings.port)
    if settings.sync_port is not None:
        check_port_free(settings.sync_host or settings.host, settings.sync_port)
    store = Store(settings.database_url)
    store.migrate()  # once, before any worker starts
    log.info("settings: %s", settings.masked())
    # Open flag streams (SSE) never end by themselves: on stop, they are cut after this many
    # seconds and their clients reconnect (to another process, or to this one restarted).
    stack: dict[str, Any] = {
        **fast_stack(), "access_log": access_log, "timeout_graceful_shutdown": STREAM_GRACE
    }  # fmt: skip
    if workers == 1:
        uvicorn.run(create_app(settings, store), host=settings.host, port=settings.port, **stack)
        return
    store.dispose()
    os.environ["UNLOCKSTEP_DATABASE_URL"] = settings.database_url
    if settings.session_secret is None:  # one dashboard session key for every worker
        import secrets

        os.environ["UNLOCKSTEP_SESSION_SECRET"] = secrets.token_urlsafe(32)
    if settings.sync_port is not None:  # every worker binds it (SO_REUSEPORT)
        os.environ["UNLOCKSTEP_SYNC_PORT"] = str(settings.sync_port)
    uvicorn.run(
        "unlockstep.server.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        **stack,
    )


COMMANDS: tuple[click.Command, ...] = (serve,)
