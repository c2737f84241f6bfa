from unlockstep.core.flags import FlagEngine, Reason, parse_flag_set
from unlockstep.core.flags.segments import (
    internal_users,
    region_segment,
    segment_name,
    segments_of,
    tenant_segment,
)


def engine() -> FlagEngine:
    evaluators = {
        segment_name("tenant", "sandbox"): tenant_segment(["t-2", "t-1", "t-1"]),
        segment_name("region", "pilot"): region_segment(["eu-north"]),
        segment_name("internal", "staff"): internal_users(["example.org", "example.com"]),
        "other": {"==": [1, 1]},
    }
    anyone = {
        "or": [
            {"$ref": "segment.tenant.sandbox"},
            {"$ref": "segment.region.pilot"},
            {"$ref": "segment.internal.staff"},
        ]
    }
    doc = {
        "$evaluators": evaluators,
        "flags": {
            "f": {
                "state": "ENABLED",
                "variants": {"on": True, "off": False},
                "defaultVariant": "off",
                "targeting": {"if": [anyone, "on", None]},
            }
        },
    }
    return FlagEngine(parse_flag_set(doc))


def test_segments_are_named_evaluators_flags_reference() -> None:
    flags = engine()
    assert flags.evaluate("f", False, {"tenantId": "t-1"}).reason == Reason.TARGETING_MATCH
    assert flags.evaluate("f", False, {"region": "eu-north"}).value is True
    assert flags.evaluate("f", False, {"email": "ana@example.com"}).value is True
    assert (
        flags.evaluate("f", False, {"email": "ana@elsewhere.io", "tenantId": "t-9"}).value is False
    )


def test_segment_rules_are_deterministic_and_found_by_prefix() -> None:
    assert tenant_segment(["b", "a", "b"]) == {"in": [{"var": "tenantId"}, ["a", "b"]]}
    found = segments_of({"segment.tenant.x": {}, "other": {}})
    assert list(found) == ["segment.tenant.x"]
