"""``unlockstep serve`` and ``unlockstep demo``."""

from __future__ import annotations

import logging
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import click

from unlockstep.cli.context import settings as load_settings
from unlockstep.cli.output import emit_json, format_option
from unlockstep.errors import ConfigError

log = logging.getLogger(__name__)

ESTATE = Path(__file__).resolve().parents[3] / "examples" / "estate"


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise ConfigError(
                f"port {port} on {host} is already in use",
                hint="stop what runs there or pass --port with another number",
            ) from None


def _configure_logging() -> None:
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
def serve(host: str | None, port: int | None, database_url: str | None, workers: int) -> None:
    """Run the registry server (migrates the database first)."""
    import uvicorn

    from unlockstep.server.app import create_app
    from unlockstep.store import Store

    settings = load_settings(host=host, port=port, database_url=database_url)
    _configure_logging()
    _check_port_free(settings.host, settings.port)
    store = Store(settings.database_url)
    store.migrate()  # once, before any worker starts
    log.info("settings: %s", settings.masked())
    if workers == 1:
        uvicorn.run(create_app(settings, store), host=settings.host, port=settings.port)
        return
    store.dispose()
    os.environ["UNLOCKSTEP_DATABASE_URL"] = settings.database_url
    uvicorn.run(
        "unlockstep.server.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
    )


@click.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="keep the demo database in this folder (default: a fresh temporary folder)",
)
@click.option("--port", type=int, default=8080, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--estate",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=ESTATE,
    show_default="examples/estate in the source tree",
    help="the demo estate to load",
)
@format_option()
def demo(directory: Path | None, port: int, host: str, estate: Path, fmt: str) -> None:
    """Start a server on a fresh SQLite file with the seed's estate loaded."""
    import uvicorn

    from unlockstep.demo import load_estate
    from unlockstep.server.app import create_app
    from unlockstep.store import Store

    folder = directory or Path(tempfile.mkdtemp(prefix="unlockstep-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "unlockstep.db"
    if db.exists():
        db.unlink()
    _configure_logging()
    _check_port_free(host, port)
    settings = load_settings(
        database_url=f"sqlite:///{db}", host=host, port=port, require_token_for_reads=False
    )
    url = f"http://{host}:{port}"
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, Store(settings.database_url)),
            host=host,
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise ConfigError(f"the demo server did not start on {url}")
        time.sleep(0.05)
    summary = load_estate(estate, url)
    if fmt == "json":
        emit_json({"url": url, "database": str(db), "loaded": summary})
    else:
        click.echo(f"unlockstep demo is running at {url}  (database: {db})")
        click.echo(summary)
        click.echo(
            "\nTry, in another terminal (README.md has the whole tour):\n"
            f"  export UNLOCKSTEP_URL={url}\n"
            "  unlockstep services list\n"
            "  unlockstep services show case-service\n"
            "  unlockstep can-i-deploy --service case-service --version 1.4.0 --to production\n"
            "  unlockstep flags list --environment production\n"
            "  unlockstep plan list\n"
            "  unlockstep audit --entity case-service\n"
            f"  curl {url}/api/v1/health    (API docs: {url}/docs)\n"
            "Press Ctrl+C to stop."
        )
    sys.stdout.flush()
    try:
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        server.should_exit = True
        thread.join(5)


COMMANDS: tuple[click.Command, ...] = (serve, demo)
