"""Shared pieces of the rollout tests: an environment with the flag, a scripted provider
whose answers a test sets per check, a controllable clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from unlockstep.core.analysis import Check
from unlockstep.services import analysis_providers
from unlockstep.services.analysis_providers import Context, ProviderError, Reading

T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
FLAG = "risk.explanation.display"
BODY: dict[str, Any] = {
    "state": "ENABLED",
    "variants": {"on": True, "off": False},
    "defaultVariant": "off",
    "metadata": {"owner": "investigator-ux-team", "killSwitch": True},
}
EVALUATORS = {"segment.internal.staff": {"ends_with": [{"var": "email"}, "@example.com"]}}


def seed(api: TestClient, environment: str = "production") -> None:
    api.put(f"/api/v1/environments/{environment}", json={"production": True}).raise_for_status()
    document = {"$evaluators": EVALUATORS, "flags": {FLAG: BODY}}
    api.put(
        f"/api/v1/environments/{environment}/flagset", json={"document": document}
    ).raise_for_status()


@dataclass
class Script:
    """Answers of the ``scripted`` provider: per check name, a value or ``"down"`` (the
    provider is unreachable) — the last answer repeats."""

    answers: dict[str, list[Any]] = field(default_factory=dict)
    asked: list[tuple[str, dt.datetime]] = field(default_factory=list)

    def __call__(self, check: Check, now: dt.datetime, context: Context) -> Reading:
        self.asked.append((check.name, now))
        queue = self.answers.get(check.name) or [None]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if answer == "down":
            raise ProviderError("unavailable", "cannot reach the metrics source")
        return Reading(value=answer)


@pytest.fixture(name="script")
def script_fixture() -> Iterator[Script]:
    s = Script()
    analysis_providers.register("scripted", s)
    yield s
    analysis_providers._PROVIDERS.pop("scripted", None)


def check(name: str = "errors", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "provider": {"scripted": {}},
        "successCondition": "result < 0.05",
        "interval": "30s",
        "initialDelay": "30s",
        "count": 2,
        **extra,
    }


def rollout(stages: list[Any], **extra: Any) -> dict[str, Any]:
    return {
        "flag": FLAG,
        "environment": "production",
        "analysis": {"name": "health", "checks": [check()]},
        "stages": stages,
        **extra,
    }
