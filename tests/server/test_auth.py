from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from unlockstep.server.app import create_app
from unlockstep.settings import Settings
from unlockstep.store import Store


def test_with_tokens_configured_writes_need_one_and_record_its_name(
    store: Store, tmp_path: Path
) -> None:
    settings = Settings(api_tokens={"ci-bot": SecretStr("s3cret")})
    with TestClient(create_app(settings, store)) as api:
        refused = api.put("/api/v1/environments/production", json={})
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
        ok = api.put(
            "/api/v1/environments/production",
            json={},
            headers={"Authorization": "Bearer s3cret"},
        )
        assert ok.status_code == 200
        assert api.get("/api/v1/audit").json()["items"][0]["actor"] == "ci-bot"


def test_tokens_parse_from_the_environment_form(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNLOCKSTEP_API_TOKENS", "ci-bot:first-secret, alice:second-secret")
    settings = Settings()
    assert set(settings.api_tokens) == {"ci-bot", "alice"}
    assert "first-secret" not in str(settings.masked())
