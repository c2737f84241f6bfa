"""Built-in fitness functions: each rule has a passing and a failing fixture, findings name
the rule, the input path and the fix; exceptions waive, and an expired one is a finding."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from unlockstep.core import policies as core
from unlockstep.core.policies import Severity, Subject
from unlockstep.errors import ParseError

PROD = {"name": "production", "production": True}
TIER1 = {"services": {"case-service": {"tier": "1", "owner": "case-platform-team"}}}


def plan(**contracts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "change": "c",
        "services": {"case-service": {"role": "producer"}},
        "contracts": contracts,
    }


def flag(**spec: Any) -> Subject:
    return Subject("FeatureFlag", "new-checkout", spec)


def rp(spec: dict[str, Any]) -> Subject:
    return Subject("ReleasePlan", "c", spec)


def deploy(**spec: Any) -> Subject:
    return Subject("Deployment", "case-service@2.0.0", {"service": "case-service", **spec})


OWNED = {"owner": "t", "expiresAt": "2026-12-31"}
API_REMOVAL = {"id": "old-api", "change": "remove-endpoint", "consumers": ["a"], "usageMetric": "m"}
EVENT_BREAK = {"id": "ev", "change": "remove-event-field", "consumers": ["a"]}
DROP = {"id": "t", "change": "drop-column", "consumers": []}
WORKFLOW = {"id": "wf", "change": "change-workflow-rule", "consumers": []}
DEPRECATED_OP = {"get": {"deprecated": True, "responses": {}}}

#: rule -> (passing subject, failing subject, registry, expected path of the failure)
CASES: dict[str, tuple[Subject, Subject, dict[str, Any], str]] = {
    "flag-has-owner": (flag(**OWNED), flag(expiresAt="2026-12-31"), {}, "/spec/owner"),
    "flag-has-expiry": (flag(**OWNED), flag(owner="t"), {}, "/spec/expiresAt"),
    "deprecated-endpoint-usage-metric": (
        Subject(
            "Contract",
            "api",
            {
                "document": {
                    "paths": {"/v1/a": {"get": {**DEPRECATED_OP["get"], "x-usage-metric": "m"}}}
                }
            },
        ),
        Subject("Contract", "api", {"document": {"paths": {"/v1/a": DEPRECATED_OP}}}),
        {},
        "/spec/document/paths/~1v1~1a/get/x-usage-metric",
    ),
    "api-removal-needs-deprecation": (
        rp(plan(api=[{**API_REMOVAL, "deprecation": {"sunset": "2026-10-01"}}])),
        rp(plan(api=[API_REMOVAL])),
        {},
        "/spec/contracts/api/0/deprecation",
    ),
    "event-breaking-change-needs-adr": (
        rp(plan(events=[{**EVENT_BREAK, "adr": "https://adr.example/12"}])),
        rp(plan(events=[EVENT_BREAK])),
        {},
        "/spec/contracts/events/0/adr",
    ),
    "table-drop-needs-zero-usage": (
        rp(plan(tables=[{**DROP, "usageMetric": "reads_total"}])),
        rp(plan(tables=[DROP])),
        {},
        "/spec/contracts/tables/0/usageMetric",
    ),
    "workflow-change-needs-versioning-note": (
        rp(plan(workflows=[{**WORKFLOW, "versioningNote": "old instances finish on v1"}])),
        rp(plan(workflows=[WORKFLOW])),
        {},
        "/spec/contracts/workflows/0/versioningNote",
    ),
    "contract-change-lists-consumers": (
        rp(plan(api=[{"id": "a", "change": "add-endpoint", "consumers": []}])),
        rp(plan(api=[{"id": "a", "change": "add-endpoint"}])),
        {},
        "/spec/contracts/api/0/consumers",
    ),
    "plan-omits-known-consumer": (
        rp(plan(api=[{"id": "a", "provider": "case-service", "consumers": ["dashboard-service"]}])),
        rp(plan(api=[{"id": "a", "provider": "case-service", "consumers": []}])),
        {"services": {"case-service": {"consumers": ["dashboard-service"]}}},
        "/spec/contracts/api/0/consumers",
    ),
    "tier1-deploy-needs-canary": (
        deploy(canary="case-service-canary"),
        deploy(),
        {**TIER1, "environment": PROD},
        "/spec/canary",
    ),
    "tier1-rollback-compatible": (
        deploy(canary="c", rollback={"version": "1.9.0", "breaks": []}),
        deploy(canary="c", rollback={"version": "1.9.0", "breaks": ["case-api: removed GET /x"]}),
        {**TIER1, "environment": PROD},
        "/spec/rollback/breaks",
    ),
}


def test_every_builtin_rule_has_a_passing_and_a_failing_fixture() -> None:
    assert sorted(CASES) == sorted(rule.id for rule in core.RULES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_builtin_rule_passes_its_good_fixture_and_fails_its_bad_one(rule_id: str) -> None:
    good, bad, registry, path = CASES[rule_id]
    assert [f for f in core.run_builtins(good, registry) if f.rule == rule_id] == []
    found = [f for f in core.run_builtins(bad, registry) if f.rule == rule_id]
    assert len(found) == 1, found
    finding = found[0]
    assert finding.path == path
    assert finding.fix == core.BY_ID[rule_id].fix and finding.fix
    assert finding.severity is core.BY_ID[rule_id].severity
    assert finding.blocks is (finding.severity is Severity.DENY)
    assert finding.subject == f"{bad.kind}/{bad.name}"


def test_canary_reads_the_tier_the_registry_knows_not_only_the_plan() -> None:
    spec = {"change": "c", "services": {"case-service": {"role": "producer"}}}
    assert [f.rule for f in core.run_builtins(rp(spec), TIER1)] == ["tier1-deploy-needs-canary"]
    assert core.run_builtins(rp(spec), {"services": {"case-service": {"tier": "2"}}}) == []
    # the plan may state the tier itself when the registry has none
    spec["services"]["case-service"]["tier"] = 1
    assert [f.rule for f in core.run_builtins(rp(spec), {})] == ["tier1-deploy-needs-canary"]


def test_a_tier1_deploy_outside_production_needs_no_canary() -> None:
    staging = {**TIER1, "environment": {"name": "staging", "production": False}}
    assert core.run_builtins(deploy(), staging) == []


def test_a_first_deploy_has_nothing_to_roll_back_to() -> None:
    assert core.run_builtins(deploy(canary="c"), {**TIER1, "environment": PROD}) == []


def test_seed_example_flags_in_a_plan_are_checked_by_the_same_rules() -> None:
    found = core.run_builtins(rp({"change": "c", "flags": [{"key": "f", "owner": "t"}]}), {})
    assert [(f.rule, f.path) for f in found] == [("flag-has-expiry", "/spec/flags/0/expires")]


def _finding(rule: str = "flag-has-owner", subject: str = "FeatureFlag/legacy-a") -> core.Finding:
    return core.Finding(rule, Severity.DENY, "m", subject, "/spec/owner", "fix")


def _exception(expires: date, subject: str = "FeatureFlag/legacy-*") -> core.PolicyException:
    return core.PolicyException(
        "legacy", "flag-has-owner", subject, "ops-team", "migrating", expires
    )


def test_a_live_exception_waives_the_finding_it_matches_and_says_which() -> None:
    out = core.apply_exceptions([_finding()], [_exception(date(2027, 1, 1))], date(2026, 12, 1))
    assert out[0].excepted_by == "legacy" and not out[0].blocks
    assert core.decide(out, [], ["FeatureFlag/legacy-a"]).allowed


def test_an_exception_matches_by_rule_and_subject_glob_only() -> None:
    other = _finding(subject="FeatureFlag/new")
    out = core.apply_exceptions([other], [_exception(date(2027, 1, 1))], date(2026, 12, 1))
    assert out[0].blocks


def test_an_expired_exception_waives_nothing_and_is_itself_a_finding() -> None:
    out = core.apply_exceptions([_finding()], [_exception(date(2026, 11, 30))], date(2026, 12, 1))
    assert out[0].blocks
    expired = [f for f in out if f.rule == "policy-exception-expired"]
    assert len(expired) == 1
    assert "ops-team" in expired[0].message and "2026-11-30" in expired[0].message
    assert expired[0].fix


def test_exceptions_file_requires_owner_reason_and_expiry() -> None:
    with pytest.raises(ParseError) as e:
        core.parse_exceptions("exceptions:\n  - rule: flag-has-owner\n    owner: t\n")
    assert "reason" in str(e.value) and "expires" in str(e.value)
    parsed = core.parse_exceptions(
        "exceptions:\n  - {id: x, rule: r, subject: 'A/*', owner: t, reason: why,\n"
        "     expires: 2027-01-01}\n"
    )
    assert parsed[0].expires == date(2027, 1, 1) and parsed[0].subject == "A/*"


def test_a_problem_blocks_even_with_no_finding() -> None:
    decision = core.decide([], [core.Problem("p/deny", "timed out")], ["X/y"])
    assert not decision.allowed


def test_rego_messages_as_strings_or_objects_become_findings() -> None:
    subject = Subject("FeatureFlag", "f", {}, "flags.yaml", {"/spec/owner": 7})
    found, problems = core.from_rego(
        subject,
        "release/flags/deny",
        ["plain", {"msg": "object", "path": "/spec/owner", "fix": "add one", "rule": "my-rule"}],
    )
    assert problems == []
    assert [(f.rule, f.message, f.path, f.fix, f.line) for f in found] == [
        ("release.flags", "plain", "", "", None),
        ("my-rule", "object", "/spec/owner", "add one", 7),
    ]
    warned, _ = core.from_rego(subject, "release/flags/warn", ["w"])
    assert warned[0].severity is Severity.WARN and not warned[0].blocks


def test_a_rego_v0_partial_set_is_a_problem_saying_how_to_write_v1() -> None:
    _, problems = core.from_rego(Subject("X", "y", {}), "p/deny", {"old": True})
    assert "deny contains msg if" in problems[0].message


def test_subjects_from_a_flagd_file_lift_lifecycle_metadata() -> None:
    text = (
        "flags:\n  f:\n    state: ENABLED\n    variants: {on: true}\n    defaultVariant: on\n"
        "    metadata:\n      owner: t\n      expires: 2026-12-31\n"
    )
    (subject,) = core.subjects_from_text(text, "flags.yaml")
    assert (subject.kind, subject.name) == ("FeatureFlag", "f")
    assert subject.spec["owner"] == "t" and str(subject.spec["expiresAt"]) == "2026-12-31"
    assert subject.line("/spec/expiresAt") == 8


def test_the_policy_input_is_the_resource_plus_the_registry() -> None:
    value = flag(owner="t").as_input({"services": {}, "environment": None})
    assert value["kind"] == "FeatureFlag" and value["metadata"] == {"name": "new-checkout"}
    assert value["spec"] == {"owner": "t"} and value["registry"]["services"] == {}


def test_a_plan_that_omits_a_consumer_seen_only_in_usage_telemetry_is_warned() -> None:
    registry = {
        "services": {
            "case-service": {
                "consumers": ["dashboard-service"],
                "observedConsumers": {"audit-service": ["production"]},
            }
        }
    }
    change = {"id": "a", "provider": "case-service", "consumers": ["dashboard-service"]}
    found = [
        f
        for f in core.run_builtins(rp(plan(api=[change])), registry)
        if f.rule == "plan-omits-known-consumer"
    ]
    assert [f.message for f in found] == [
        "a changes case-service, which audit-service calls according to usage telemetry "
        "(production), but the plan does not name it (nor does the catalog)"
    ]
    named = {**change, "consumers": ["dashboard-service", "audit-service"]}
    assert not [
        f
        for f in core.run_builtins(rp(plan(api=[named])), registry)
        if f.rule == "plan-omits-known-consumer"
    ]
