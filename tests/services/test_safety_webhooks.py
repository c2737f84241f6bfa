"""Who may hook a safety net's events: the guarded service's team, or admin for every
service (the same rule as any webhook); the events are validated like Pact's."""

from __future__ import annotations

import pytest

from unlockstep.errors import Forbidden
from unlockstep.services import registry, webhooks
from unlockstep.services.authz import Principal
from unlockstep.services.webhooks import WebhookSpec
from unlockstep.store import Store

ROOT = Principal("root", None, frozenset({"admin"}))
PAYMENTS = Principal("pay-ci", "payments", frozenset({"write"}))
SEARCH = Principal("search-ci", "search", frozenset({"write"}))
BREACHES = ["invariant.breached", "reconciliation.breached"]


@pytest.fixture
def estate(store: Store) -> Store:
    registry.put_team(store, "root", "payments")
    registry.put_team(store, "root", "search")
    registry.put_service(store, ROOT, "pay", owner="payments")
    return store


def test_the_owning_team_hooks_its_services_breaches(estate: Store) -> None:
    spec = WebhookSpec(url="http://hooks.example/pay", events=BREACHES, provider="pay")
    view, created, secret = webhooks.put_webhook(estate, PAYMENTS, spec)
    assert (view.events, view.provider, created, secret is not None) == (
        BREACHES, "pay", True, True,
    )  # fmt: skip


def test_another_team_may_not_hook_the_service_nor_anyone_every_service(estate: Store) -> None:
    theirs = WebhookSpec(url="http://hooks.example/x", events=BREACHES, provider="pay")
    with pytest.raises(Forbidden):
        webhooks.put_webhook(estate, SEARCH, theirs)
    every = WebhookSpec(url="http://hooks.example/x", events=BREACHES)
    with pytest.raises(Forbidden):
        webhooks.put_webhook(estate, PAYMENTS, every)
    assert webhooks.list_webhooks(estate) == []
    webhooks.put_webhook(estate, ROOT, every)  # admin may
