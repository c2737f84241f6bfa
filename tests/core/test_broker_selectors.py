"""Consumer version selectors, pending and WIP pacts (``core.broker.select``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from unlockstep.core.broker import (
    Candidate,
    ProviderState,
    live_in,
    on_branch,
    provider_states,
    select,
)
from unlockstep.errors import InvalidInput

OLD = datetime(2026, 1, 1, tzinfo=UTC)
NEW = datetime(2026, 6, 1, tzinfo=UTC)


def c(consumer: str, version: str, order: int, sha: str | None = None, **kw: Any) -> Candidate:
    return Candidate(
        consumer, version, sha or f"{consumer}-{version}", kw.pop("at", OLD), order, **kw
    )


ESTATE = [
    c("web", "1", 1, branches=("main",), main_branch="main", live=(("production", "release"),)),
    c("web", "2", 2, branches=("main",), main_branch="main", live=(("production", "release"),)),
    c("web", "3", 3, branches=("feat",), main_branch="main", tags=("beta",), at=NEW),
    c("app", "7", 4, branches=("trunk",), main_branch="trunk", live=(("staging", "deployment"),)),
    c("app", "8", 5, sha="app-7", branches=("trunk",), main_branch="trunk"),
]


def picked(
    selectors: list[dict[str, Any]], branch: str | None = None
) -> list[tuple[str, list[str]]]:
    found = select(
        ESTATE, selectors, provider_branch=branch, verified=lambda _: True, include_pending=False
    )
    return [(s.consumer, s.versions) for s in found]


@pytest.mark.parametrize(
    ("selectors", "branch", "expected"),
    [
        ([{"mainBranch": True}], None, [("app", ["8"]), ("web", ["2"])]),
        ([{"branch": "feat"}], None, [("web", ["3"])]),
        ([{"branch": "nope", "fallbackBranch": "main"}], None, [("web", ["2"])]),
        ([{"matchingBranch": True}], "feat", [("web", ["3"])]),
        ([{"matchingBranch": True}], None, []),
        # every live version, not only the newest (released versions coexist)
        ([{"deployedOrReleased": True}], None, [("app", ["7"]), ("web", ["2"]), ("web", ["1"])]),
        ([{"released": True}], None, [("web", ["2"]), ("web", ["1"])]),
        ([{"deployed": True}], None, [("app", ["7"])]),
        ([{"environment": "staging"}], None, [("app", ["7"])]),
        ([{"latest": True}], None, [("app", ["8"]), ("web", ["3"])]),
        ([{"tag": "beta", "latest": True}], None, [("web", ["3"])]),
        ([{"consumer": "web", "mainBranch": True}], None, [("web", ["2"])]),
    ],
)
def test_each_selector_picks_the_versions_it_names(
    selectors: list[dict[str, Any]], branch: str | None, expected: list[Any]
) -> None:
    assert picked(selectors, branch) == expected


def test_versions_with_the_same_pact_content_are_verified_once() -> None:
    assert picked([{"deployed": True}, {"mainBranch": True, "consumer": "app"}]) == [
        ("app", ["7", "8"])
    ]


def test_no_selectors_means_the_main_branch_and_everything_live() -> None:
    assert picked([]) == picked([{"mainBranch": True}, {"deployedOrReleased": True}])


def test_an_unknown_selector_key_is_refused_with_where() -> None:
    with pytest.raises(InvalidInput) as error:
        picked([{"mainBranch": True, "latestOnBranch": "x"}])
    assert error.value.where == "consumerVersionSelectors"


def test_a_pact_no_build_has_verified_is_pending_and_wip_adds_new_unselected_ones() -> None:
    verified = {"web-2"}
    found = select(
        ESTATE,
        [{"mainBranch": True, "consumer": "web"}],
        provider_branch="main",
        verified=verified.__contains__,
        include_pending=True,
        wip_since=datetime(2026, 3, 1, tzinfo=UTC),
    )
    flags = {(s.consumer, tuple(s.versions)): (s.pending, s.wip) for s in found}
    assert flags == {("web", ("2",)): (False, False), ("web", ("3",)): (True, True)}


def test_without_pending_status_nothing_is_pending_and_no_wip_is_added() -> None:
    found = select(
        ESTATE,
        [{"mainBranch": True}],
        provider_branch=None,
        verified=lambda _: False,
        include_pending=False,
        wip_since=OLD,
    )
    assert [s.pending or s.wip for s in found] == [False, False]


def versions(found: list[Candidate]) -> list[tuple[str, str]]:
    return [(f.consumer, f.version) for f in found]


def test_get_pacts_without_a_branch_reads_each_consumers_own_main_branch() -> None:
    assert versions(on_branch(ESTATE, None)) == [
        ("web", "1"),
        ("web", "2"),
        ("app", "7"),
        ("app", "8"),
    ]
    assert versions(on_branch(ESTATE, None, latest=True)) == [("web", "2"), ("app", "8")]


def test_get_pacts_on_a_branch_for_one_consumer_and_newest_only() -> None:
    assert versions(on_branch(ESTATE, "feat")) == [("web", "3")]
    assert versions(on_branch(ESTATE, "main", consumer="web", latest=True)) == [("web", "2")]
    assert on_branch(ESTATE, "main", consumer="app") == []


def test_pacts_live_in_an_environment_are_every_live_version() -> None:
    assert versions(live_in(ESTATE, "production")) == [("web", "1"), ("web", "2")]
    assert live_in(ESTATE, "nowhere") == []


def test_provider_states_from_v2_and_v3_pacts_are_listed_once_with_their_consumers() -> None:
    v2 = {"interactions": [{"providerState": "a case exists"}, {"description": "no state"}]}
    v3 = {
        "interactions": [
            {"providerStates": [{"name": "a case exists"}, {"name": "a user", "params": {"id": 1}}]}
        ],
        "messages": [{"providerStates": [{"name": "a user", "params": {"id": 2}}]}],
    }
    found = provider_states([("web", v2), ("app", v3), ("web", v3)])
    assert found == [
        ProviderState("a case exists", None, ("app", "web")),
        ProviderState("a user", {"id": 1}, ("app", "web")),
        ProviderState("a user", {"id": 2}, ("app", "web")),
    ]


def test_provider_states_ignore_what_is_not_a_state() -> None:
    odd = {"interactions": ["text", {"providerState": ""}, {"providerStates": [{"id": 1}, "x"]}]}
    assert provider_states([("web", odd)]) == []
