"""The pure can-i-deploy decision: plain values in, a decision out."""

from __future__ import annotations

import pytest

from unlockstep.core.contracts._can_i_deploy import (
    Counterpart,
    Evidence,
    Integration,
    Subject,
    decide,
)

VERIFIED = Evidence("verified", "static")
FAILED = Evidence("failed", "static", problems=({"element": "GET /x 200", "reason": "gone"},))
REPORTED_OK = Evidence("verified", "provider-test", build_url="https://ci/1")


def provider(*counterparts: Counterpart, has_contract: bool = True) -> Subject:
    integration = Integration(
        "provider", "web", "api", "api-v1", counterparts, subject_has_contract=has_contract
    )
    return Subject("api", "2.0.0", (integration,))


@pytest.mark.parametrize(
    ("counterparts", "answer"),
    [
        ((Counterpart("1.0", "deployed in prod", (VERIFIED,)),), "yes"),
        ((Counterpart("1.0", "deployed in prod", (FAILED,)),), "no"),
        ((Counterpart("1.0", "deployed in prod"),), "unknown"),
        (
            (
                Counterpart("1.0", "released in prod", (FAILED,)),
                Counterpart("1.1", "released in prod", (VERIFIED,)),
            ),
            "no",
        ),
        (
            (
                Counterpart("1.0", "released in prod"),
                Counterpart("1.1", "released in prod", (FAILED,)),
            ),
            "no",
        ),
        ((Counterpart("1.0", "deployed in prod", (VERIFIED, FAILED)),), "no"),
        ((Counterpart("1.0", "deployed in prod", (REPORTED_OK,)),), "yes"),
    ],
    ids=[
        "verified",
        "failed",
        "no evidence is unknown",
        "an older co-resident release that fails makes it no",
        "no outranks unknown",
        "a failure from any source fails the pair",
        "a reported result is evidence",
    ],
)
def test_every_live_counterpart_version_decides(
    counterparts: tuple[Counterpart, ...], answer: str
) -> None:
    assert decide([provider(*counterparts)], "prod").answer == answer


def test_a_provider_nobody_consumes_may_deploy() -> None:
    decision = decide([Subject("new", "1.0.0", (), has_expectations=False)], "prod")
    assert decision.answer == "yes"
    assert any("nothing there can break" in n for n in decision.notes)
    assert any("published no expectations" in n for n in decision.notes)


def test_a_consumer_whose_provider_is_not_live_is_unknown_with_a_next_action() -> None:
    consumer = Subject("web", "3.0.0", (Integration("consumer", "web", "api", "api-v1"),))
    decision = decide([consumer], "eu")
    assert decision.answer == "unknown"
    result = decision.to_dict()["integrations"][0]
    assert result["missing"] == ["api is not live in eu"]
    assert "deploy api to eu first" in result["next_action"]


def test_a_missing_contract_says_to_publish_it() -> None:
    decision = decide([provider(Counterpart("1.0", "deployed in prod"), has_contract=False)], "p")
    assert "publish contract api-v1" in decision.to_dict()["integrations"][0]["next_action"]


def test_the_decision_is_json_with_a_summary_and_evidence() -> None:
    body = decide([provider(Counterpart("1.0", "deployed in prod", (FAILED,)))], "prod").to_dict()
    assert body["deployable"] is False
    assert body["summary"] == {"yes": 0, "no": 1, "unknown": 0}
    version = body["integrations"][0]["versions"][0]
    assert version["evidence"][0]["problems"][0]["reason"] == "gone"
    assert "gone" in version["reason"]
