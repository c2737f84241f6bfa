"""Named flag documents shared by the flag tests (flagd testbed shapes plus our own)."""

from __future__ import annotations

from typing import Any

SUITS = [["clubs", 25], ["diamonds", 25], ["hearts", 25], ["spades", 25]]
SUIT_VARIANTS = {name: name for name, _ in SUITS} | {"wild": "wild"}


def flag(
    variants: dict[str, Any], default: str | None, targeting: Any = None, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"state": "ENABLED", "variants": variants, "defaultVariant": default}
    if targeting is not None:
        body["targeting"] = targeting
    body.update(extra)
    return body


BOOL = {"on": True, "off": False}

# flagd testbed: flags/custom-ops.json (fractional family) as described by its gherkin suite.
FRACTIONAL_FLAGS: dict[str, Any] = {
    "fractional-flag": flag(
        SUIT_VARIANTS,
        "wild",
        {"fractional": [{"cat": [{"var": "$flagd.flagKey"}, {"var": "user.name"}]}, *SUITS]},
    ),
    "fractional-flag-shorthand": flag(
        {"heads": "heads", "tails": "tails", "draw": "draw"},
        "draw",
        {"fractional": [["heads"], ["tails", 1]]},
    ),
    "fractional-flag-A-shared-seed": flag(
        SUIT_VARIANTS,
        "wild",
        {"fractional": [{"cat": ["shared-seed", {"var": "user.name"}]}, *SUITS]},
    ),
    "fractional-hash-edge-flag": flag(
        {"lower": "lower", "upper": "upper"},
        None,
        {"fractional": [{"var": "targetingKey"}, ["lower", 50], ["upper", 50]]},
    ),
    "fractional-nested-if-flag": flag(
        {"premium": "premium", "standard": "standard"},
        None,
        {
            "fractional": [
                {"var": "targetingKey"},
                [{"if": [{"==": [{"var": "tier"}, "premium"]}, "premium", "standard"]}, 50],
                ["standard", 50],
            ]
        },
    ),
    "fractional-nested-weight-flag": flag(
        {"red": "red", "blue": "blue"},
        None,
        {
            "fractional": [
                {"var": "targetingKey"},
                ["red", {"if": [{"==": [{"var": "tier"}, "premium"]}, 100, 0]}],
                ["blue", 10],
            ]
        },
    ),
}


def document(flags: dict[str, Any], bucketing: str | None = None, **top: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"flags": flags, **top}
    if bucketing is not None:
        doc["metadata"] = {"bucketing": bucketing}
    return doc
