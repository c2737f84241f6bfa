from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from unlockstep.errors import InvalidInput, NotFound
from unlockstep.services import registry
from unlockstep.services.authz import Principal
from unlockstep.store import Store
from unlockstep.store import registry as rows
from unlockstep.store.audit import list_events
from unlockstep.store.tables import AuditEvent, Deployment


def admin(name: str) -> Principal:
    return Principal(name, None, frozenset({"admin"}))


@pytest.fixture
def seeded(store: Store) -> Store:
    registry.put_team(store, "tester", "case-platform-team")
    registry.put_service(store, admin("tester"), "case-service", owner="case-platform-team", tier=1)
    registry.put_environment(store, "tester", "production", production=True, description=None)
    registry.put_environment(store, "tester", "mobile", production=True, description=None)
    return store


def live(store: Store, service: str = "case-service") -> list[tuple[str, str, str, str]]:
    with store.session() as s:
        sid = rows.get_service(s, service).id
        return [
            (d.environment, d.version, d.kind, d.instance or "")
            for d in rows.live_versions(s, service_id=sid)
        ]


def test_a_deployment_replaces_the_version_live_in_that_environment(seeded: Store) -> None:
    registry.record_deployment(seeded, admin("ci"), "case-service", "1.0.0", "production")
    registry.record_deployment(seeded, admin("ci"), "case-service", "1.1.0", "production")
    assert live(seeded) == [("production", "1.1.0", "deployment", "")]


def test_recording_the_live_version_again_changes_nothing(seeded: Store) -> None:
    registry.record_deployment(seeded, admin("ci"), "case-service", "1.0.0", "production")
    again = registry.record_deployment(seeded, admin("ci"), "case-service", "1.0.0", "production")
    assert again.outcome == "unchanged"
    assert live(seeded) == [("production", "1.0.0", "deployment", "")]


def test_application_instances_are_replaced_independently(seeded: Store) -> None:
    registry.record_deployment(
        seeded, admin("ci"), "case-service", "1.0.0", "production", instance="eu"
    )
    registry.record_deployment(
        seeded, admin("ci"), "case-service", "1.0.0", "production", instance="us"
    )
    registry.record_deployment(
        seeded, admin("ci"), "case-service", "1.1.0", "production", instance="eu"
    )
    assert sorted(live(seeded)) == [
        ("production", "1.0.0", "deployment", "us"),
        ("production", "1.1.0", "deployment", "eu"),
    ]


def test_releases_keep_several_versions_supported_until_support_ends(seeded: Store) -> None:
    registry.record_release(seeded, admin("ci"), "case-service", "7", "mobile")
    registry.record_release(seeded, admin("ci"), "case-service", "8", "mobile")
    assert sorted(v for _, v, _, _ in live(seeded)) == ["7", "8"]
    registry.record_support_ended(seeded, admin("ci"), "case-service", "7", "mobile")
    assert [v for _, v, _, _ in live(seeded)] == ["8"]


def test_undeployment_ends_what_is_live_and_is_audited(seeded: Store) -> None:
    registry.record_deployment(seeded, admin("ci"), "case-service", "1.0.0", "production")
    ended = registry.record_undeployment(seeded, admin("ci"), "case-service", "production")
    assert ended[0].ended_at is not None
    assert live(seeded) == []
    with seeded.session() as s:
        events, _ = list_events(s, entity_type="deployment")
    assert events[0].action == "deployment.ended"
    assert events[0].before is not None and events[0].before["ended_at"] is None
    assert events[0].after is not None and events[0].after["ended_at"] is not None


def test_undeploying_what_is_not_deployed_is_not_found(seeded: Store) -> None:
    expected = "nothing of case-service is deployed in production"
    with pytest.raises(NotFound, match=expected):
        registry.record_undeployment(seeded, admin("ci"), "case-service", "production")


def test_every_write_records_actor_and_before_after(seeded: Store) -> None:
    registry.put_service(seeded, admin("alice"), "case-service", owner="case-platform-team", tier=2)
    with seeded.session() as s:
        events, _ = list_events(s, entity_key="case-service", entity_type="service")
    update = events[0]
    assert (update.actor, update.action) == ("alice", "service.updated")
    assert update.before is not None and update.after is not None
    assert (update.before["tier"], update.after["tier"]) == (1, 2)


@pytest.mark.parametrize(
    "name",
    ["", "Case Service", "case--service", "-case", "x" * 64, "case/service", "café"],
)
def test_invalid_service_names_are_refused_and_nothing_is_written(store: Store, name: str) -> None:
    with store.session() as s:
        before = s.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(InvalidInput):
        registry.put_service(store, admin("tester"), name)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_a_failed_deployment_leaves_no_version_behind(seeded: Store) -> None:
    with pytest.raises(NotFound):
        registry.record_deployment(seeded, admin("ci"), "case-service", "9.9.9", "nowhere")
    with seeded.session() as s, pytest.raises(NotFound):
        rows.get_version(s, rows.get_service(s, "case-service"), "9.9.9")


def test_racing_deployments_leave_exactly_one_live_version(seeded: Store) -> None:
    """Several processes may share one database: the unique live-deployment index keeps
    concurrent writers from both winning, and the loser is retried, never failed."""
    failures: list[BaseException] = []

    def deploy(number: str) -> None:
        try:
            registry.record_deployment(seeded, admin("ci"), "case-service", number, "production")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=deploy, args=(f"2.0.{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    with seeded.session() as s:
        count = s.scalar(
            select(func.count()).select_from(Deployment).where(Deployment.ended_at.is_(None))
        )
    assert count == 1


def test_an_underscore_in_an_audit_entity_key_matches_only_itself(seeded: Store) -> None:
    registry.put_service(seeded, admin("tester"), "a_b")
    registry.put_service(seeded, admin("tester"), "axb")
    registry.put_version(seeded, admin("tester"), "axb", "1.0.0")
    with seeded.session() as s:
        events, _ = list_events(s, entity_key="a_b")
    assert {e.entity_key for e in events} == {"a_b"}
