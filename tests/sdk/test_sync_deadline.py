"""A server that trickles bytes cannot hold the provider: a poll has one deadline, so the
provider goes STALE and ``set_provider_and_wait`` returns while the server is still sending.
Nothing here asserts wall-clock time: the trickling server records whether it got to the end
of its answer, and the provider must have given up before it did."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from openfeature import api
from openfeature.exception import ProviderNotReadyError
from openfeature.flag_evaluation import Reason

from unlockstep.sdk import UnlockstepProvider

from ..server.flag_app import FLAGS


class Trickler:
    """Answers every request with a 200 whose headers, or body, arrive one byte at a time,
    each byte well inside any read timeout; the whole answer takes minutes."""

    def __init__(self, *, part: str) -> None:
        self.part = part
        self.finished = threading.Event()
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                continue
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        body = b'{"flags": {}}' + b" " * 3000
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        head += b"Content-Length: %d\r\n\r\n" % len(body)
        slow, fast = (head, b"") if self.part == "headers" else (body, head)
        with connection:
            connection.recv(65536)
            try:
                connection.sendall(fast)
                for byte in slow:
                    if self.stop.wait(0.05):
                        return
                    connection.sendall(bytes([byte]))
                if self.part == "headers":
                    connection.sendall(body)
            except OSError:
                return  # the client gave up: what it should do
        self.finished.set()

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


@pytest.fixture(params=["headers", "body"])
def trickler(request: pytest.FixtureRequest) -> Iterator[Trickler]:
    server = Trickler(part=request.param)
    yield server
    server.close()


def test_a_trickling_server_makes_a_configured_provider_stale(trickler: Trickler) -> None:
    provider = UnlockstepProvider(trickler.url, bootstrap=FLAGS, poll_interval=3600, timeout=0.5)
    try:
        assert provider.sync() is False
        assert not trickler.finished.is_set()
        assert provider.stale
        details = provider.resolve_boolean_details("decision.submit.v2", False)
        assert details.reason == Reason.STALE
        assert provider.sync() is False  # the hanging poll is not stacked with another
    finally:
        provider.shutdown()


def test_set_provider_and_wait_returns_while_the_server_still_trickles(
    trickler: Trickler,
) -> None:
    provider = UnlockstepProvider(trickler.url, poll_interval=3600, timeout=0.5)
    try:
        with pytest.raises(ProviderNotReadyError):
            api.set_provider_and_wait(provider, "sdk-trickle")
        assert not trickler.finished.is_set()
        details = api.get_client("sdk-trickle").get_boolean_details("decision.submit.v2", True)
        assert details.value is True and details.error_code is not None
    finally:
        api.clear_providers()
        provider.shutdown()
