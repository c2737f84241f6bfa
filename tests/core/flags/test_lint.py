import datetime as dt
from typing import Any

from unlockstep.core.flags import parse_flag_set
from unlockstep.core.flags.lint import has_errors, lint

from .fixtures import BOOL, document, flag

TODAY = dt.date(2026, 9, 1)
GOOD = {
    "type": "release",
    "owner": "decision-platform-team",
    "created": "2026-08-20",
    "expires": "2026-09-25",
}


def rules(flags: dict[str, Any], owners: list[str] | None = None) -> set[tuple[str, str]]:
    return {(f.flag, f.rule) for f in lint(parse_flag_set(document(flags)), TODAY, owners)}


def test_a_disciplined_flag_passes() -> None:
    findings = lint(parse_flag_set(document({"f": flag(BOOL, "on", metadata=GOOD)})), TODAY)
    assert findings == [] and not has_errors(findings)


def test_missing_owner_type_and_expiry_are_errors() -> None:
    assert rules({"f": flag(BOOL, "on")}) == {("f", "owner"), ("f", "type"), ("f", "expires")}


def test_expiry_in_the_past_is_an_error() -> None:
    assert ("f", "expired") in rules(
        {"f": flag(BOOL, "on", metadata={**GOOD, "expires": "2026-08-31"})}
    )


def test_unknown_owner_is_an_error_when_teams_are_known() -> None:
    assert rules({"f": flag(BOOL, "on", metadata=GOOD)}, ["messaging-team"]) == {
        ("f", "known-owner")
    }


def test_ops_flags_must_be_kill_switches() -> None:
    assert ("f", "kill-switch") in rules({"f": flag(BOOL, "on", metadata={**GOOD, "type": "ops"})})


def test_prerequisites_must_exist_and_not_cycle() -> None:
    found = rules(
        {
            "a": flag(BOOL, "on", metadata={**GOOD, "prerequisites": "b"}),
            "b": flag(BOOL, "on", metadata={**GOOD, "prerequisites": "a"}),
            "c": flag(BOOL, "on", metadata={**GOOD, "prerequisites": "nowhere"}),
        }
    )
    assert ("a", "prerequisite-cycle") in found
    assert ("c", "prerequisite") in found


def test_broken_targeting_and_dangling_refs_are_errors() -> None:
    found = rules(
        {
            "a": flag(BOOL, "on", {"nope": []}, metadata=GOOD),
            "b": flag(BOOL, "on", {"if": [{"$ref": "missing"}, "on", "off"]}, metadata=GOOD),
            "c": flag(BOOL, "maybe", metadata=GOOD),
        }
    )
    assert found == {("a", "targeting"), ("b", "targeting"), ("c", "default-variant")}


def test_a_release_flag_planned_past_its_lifetime_is_a_warning() -> None:
    findings = lint(
        parse_flag_set(
            document({"f": flag(BOOL, "on", metadata={**GOOD, "expires": "2027-01-01"})})
        ),
        TODAY,
    )
    assert [(f.rule, f.level) for f in findings] == [("lifetime", "warning")]
    assert not has_errors(findings)


def test_a_fractional_weight_that_is_not_an_integer_is_named_where_it_is() -> None:
    targeting = {"if": [True, {"fractional": [["on", 50.5], ["off", 49]]}, None]}
    findings = lint(
        parse_flag_set(document({"f": flag(BOOL, "on", targeting, metadata=GOOD)})), TODAY
    )
    assert [(f.rule, f.level) for f in findings] == [("fractional-weight", "error")]
    assert "targeting/if/1/fractional/0/1" in findings[0].message and "50.5" in findings[0].message
