"""Rollout exposure: each stage's targeting is served by the ordinary flag engine, exposure
only grows (a user who got the new path keeps it as the percentage rises, with either
bucketing algorithm), and an abort serves the safe variant to everyone."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unlockstep.core.flags import FlagEngine, is_killed, parse_flag_set
from unlockstep.core.rollouts import (
    aborted_body,
    parse_rollout,
    stage_targeting,
    staged_body,
    variants_of,
)
from unlockstep.errors import InvalidInput

FLAG = {
    "state": "ENABLED",
    "variants": {"on": True, "off": False},
    "defaultVariant": "off",
    "metadata": {"owner": "dashboard-team"},
}
EVALUATORS = {
    "segment.internal.staff": {"ends_with": [{"var": "email"}, "@example.com"]},
}


def engine(body: dict[str, Any], bucketing: str = "flagd") -> FlagEngine:
    document = {
        "metadata": {"bucketing": bucketing},
        "$evaluators": EVALUATORS,
        "flags": {"risk.explanation.display": body},
    }
    flag_set = parse_flag_set(document)
    assert not flag_set.invalid, flag_set.invalid
    return FlagEngine(flag_set)


def serves(body: dict[str, Any], context: dict[str, Any], bucketing: str = "flagd") -> bool:
    value = engine(body, bucketing).evaluate("risk.explanation.display", False, context).value
    assert isinstance(value, bool)
    return value


def plan(stages: list[Any]) -> Any:
    return parse_rollout(
        {"flag": "risk.explanation.display", "environment": "production", "stages": stages}
    )


def bodies(stages: list[Any]) -> list[dict[str, Any]]:
    p = plan(stages)
    new, safe = variants_of(p, FLAG)
    return [staged_body(FLAG, stage_targeting(p, i, new, safe), safe) for i in range(len(p.stages))]


def test_segments_accumulate_then_percentages_apply_to_everyone_else() -> None:
    staged = bodies(
        [{"segment": "segment.internal.staff"}, {"tenants": ["t-1"]}, {"regions": ["eu"]}, 100]
    )
    staff = {"targetingKey": "u1", "email": "a@example.com"}
    tenant = {"targetingKey": "u2", "tenantId": "t-1"}
    regional = {"targetingKey": "u3", "region": "eu"}
    other = {"targetingKey": "u4", "region": "us"}
    assert [serves(b, staff) for b in staged] == [True, True, True, True]
    assert [serves(b, tenant) for b in staged] == [False, True, True, True]
    assert [serves(b, regional) for b in staged] == [False, False, True, True]
    assert [serves(b, other) for b in staged] == [False, False, False, True]


@given(
    percents=st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=6).map(sorted),
    users=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=40),
    bucketing=st.sampled_from(["flagd", "cbor"]),
)
def test_raising_the_percentage_never_moves_a_user_out_of_the_new_variant(
    percents: list[float], users: list[str], bucketing: str
) -> None:
    staged = bodies([{"percent": p} for p in percents])
    engines = [engine(b, bucketing) for b in staged]
    for user in users:
        got = [
            e.evaluate("risk.explanation.display", False, {"targetingKey": user}).value
            for e in engines
        ]
        assert got == sorted(got), f"{user!r} lost the new variant: {got}"


def test_percentages_split_about_as_asked() -> None:
    staged = bodies([5, 25])
    users = [{"targetingKey": f"user-{i}"} for i in range(4000)]
    shares = [sum(serves(b, u) for u in users) / len(users) for b in staged]
    assert shares[0] == pytest.approx(0.05, abs=0.015)
    assert shares[1] == pytest.approx(0.25, abs=0.03)


def test_a_percentage_going_down_is_refused() -> None:
    with pytest.raises(InvalidInput, match="goes down") as error:
        plan([5, 1])
    assert error.value.where == "rollout/stages/1/percent"


def test_abort_is_the_kill_switch_for_a_boolean_flag() -> None:
    staged = bodies([{"segment": "segment.internal.staff"}, 50])[-1]
    body = aborted_body(staged, "off")
    assert is_killed(body)
    for user in ("a", "b", "c"):
        assert serves(body, {"targetingKey": user, "email": "x@example.com"}) is False


def test_abort_of_a_non_boolean_flag_serves_the_safe_variant_without_targeting() -> None:
    flag = {"state": "ENABLED", "variants": {"v1": "old", "v2": "new"}, "defaultVariant": "v1"}
    p = parse_rollout(
        {"flag": "f", "environment": "e", "variant": "v2", "safeVariant": "v1", "stages": [50]}
    )
    new, safe = variants_of(p, flag)
    staged = staged_body(flag, stage_targeting(p, 0, new, safe), safe)
    body = aborted_body(staged, safe)
    assert "targeting" not in body
    assert body["defaultVariant"] == "v1"


def test_a_non_boolean_flag_needs_its_variants_named() -> None:
    flag = {"state": "ENABLED", "variants": {"v1": "old", "v2": "new"}, "defaultVariant": "v1"}
    with pytest.raises(InvalidInput, match="not boolean"):
        variants_of(plan([50]), flag)


def test_the_plan_reads_back_the_same() -> None:
    p = plan([{"segment": "segment.internal.staff", "approval": True}, "5%", 100])
    assert parse_rollout(p.to_dict()) == p
    assert [s.name for s in p.stages] == ["internal.staff", "5%", "100%"]
