"""CLI tests talk to the API in-process (fixtures shared with the server tests)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.server.conftest import api, store  # noqa: F401  (fixtures)
from unlockstep.cli import context
from unlockstep.cli.client import Client


@pytest.fixture
def cli_api(api: TestClient, monkeypatch: pytest.MonkeyPatch) -> TestClient:  # noqa: F811
    """Registry commands reach the in-process app instead of the network."""
    monkeypatch.setattr(
        context, "client", lambda: Client("http://testserver", transport=api._transport)
    )
    return api
