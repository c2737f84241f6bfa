"""A real Prometheus for tests (Debian package ``prometheus``; ``.ci/run`` installs it).

``prometheus`` (session-scoped) starts one server on a free loopback port that scrapes
``metrics_target`` every second; a test sets the exposition text the target serves with
``metrics_target.set(...)`` and waits for Prometheus to see it with ``prometheus.wait_for``.
Use metric names of your own: the server is shared by the whole run.

For history older than the run (``zero for 14 days``), start a private server with
:func:`start_prometheus` and ``backfill=`` OpenMetrics text: ``promtool`` writes it into the
server's data directory as blocks before the server starts.

Tests that use these skip with the reason when no ``prometheus`` binary can be found.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

EXPOSITION = "text/plain; version=0.0.4; charset=utf-8"


def find(binary: str) -> str | None:
    found = shutil.which(binary)
    return found or (f"/usr/bin/{binary}" if Path(f"/usr/bin/{binary}").exists() else None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _QuietServer(ThreadingHTTPServer):
    """Prometheus hangs up on a scrape it has stopped waiting for; the broken pipe that leaves is
    not the test's business (the default handler prints it to stderr, where CLI tests read)."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class MetricsTarget:
    """A scrape target whose ``/metrics`` body the test controls."""

    def __init__(self) -> None:
        self.text = ""
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = target.text.encode()
                self.send_response(200)
                self.send_header("Content-Type", EXPOSITION)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def set(self, text: str) -> None:
        self.text = text if text.endswith("\n") else text + "\n"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class PrometheusServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def query(self, promql: str) -> list[dict[str, object]]:
        body = httpx.get(f"{self.url}/api/v1/query", params={"query": promql}).json()
        assert body["status"] == "success", body
        return list(body["data"]["result"])

    def wait_for(
        self,
        promql: str,
        accept: Callable[[list[dict[str, object]]], bool] = bool,
        timeout: float = 30.0,
    ) -> list[dict[str, object]]:
        """Poll until ``promql``'s result satisfies ``accept`` (default: not empty)."""
        deadline = time.monotonic() + timeout
        while True:
            result = self.query(promql)
            if accept(result):
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"Prometheus never satisfied {promql!r}; last: {result}")
            time.sleep(0.25)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_prometheus(
    root: Path, targets: list[str], *, backfill: str | None = None, interval: str = "1s"
) -> PrometheusServer:
    binary = find("prometheus")
    if binary is None:
        pytest.skip("no prometheus binary (apt-get install prometheus; .ci/run installs it)")
    data = root / "data"
    data.mkdir(parents=True)
    if backfill is not None:
        promtool = find("promtool")
        if promtool is None:
            pytest.skip("no promtool binary to backfill history (it ships with prometheus)")
        source = root / "backfill.om"
        source.write_text(backfill if backfill.rstrip().endswith("# EOF") else backfill + "# EOF\n")
        subprocess.run(
            # blocks of up to 31 days: the default (2h) writes hundreds for a month of history
            [
                promtool,
                "tsdb",
                "create-blocks-from",
                "openmetrics",
                "--max-block-duration=744h",
                str(source),
                str(data),
            ],
            check=True,
            capture_output=True,
        )
    config = root / "prometheus.yml"
    listed = ", ".join(f"'{target}'" for target in targets)
    config.write_text(
        f"global:\n  scrape_interval: {interval}\n  evaluation_interval: {interval}\n"
        "scrape_configs:\n  - job_name: fixture\n    static_configs:\n"
        f"      - targets: [{listed}]\n"
    )
    port = free_port()
    log = root / "prometheus.log"
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            "--storage.tsdb.retention.time=3650d",
            f"--web.listen-address=127.0.0.1:{port}",
            "--web.enable-lifecycle",
        ],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    server = PrometheusServer(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{server.url}/-/ready", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"prometheus did not start:\n{log.read_text()[-2000:]}")
        time.sleep(0.1)


@pytest.fixture(scope="session")
def metrics_target() -> Iterator[MetricsTarget]:
    target = MetricsTarget()
    yield target
    target.close()


@pytest.fixture(scope="session")
def prometheus(
    tmp_path_factory: pytest.TempPathFactory, metrics_target: MetricsTarget
) -> Iterator[PrometheusServer]:
    server = start_prometheus(tmp_path_factory.mktemp("prometheus"), [metrics_target.address])
    yield server
    server.stop()
