"""Reusable targeting rules for stable canary units (seed §16: tenant, region, internal users).

A segment is a flagd ``$evaluators`` entry named ``segment.<kind>.<name>``; flags reference it
with ``{"$ref": "segment.tenant.sandbox"}``, so every flagd provider understands it and one
edit moves every flag that uses it. These helpers build the rules; nothing here is special
to the evaluator.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SEGMENT_PREFIX = "segment."
SEGMENT_KINDS = {
    "tenant": "tenantId",
    "region": "region",
    "workflow": "workflowStage",
}


def segment_name(kind: str, name: str) -> str:
    return f"{SEGMENT_PREFIX}{kind}.{name}"


def attribute_in(attribute: str, values: Iterable[str]) -> dict[str, Any]:
    """``context[attribute]`` is one of ``values``."""
    return {"in": [{"var": attribute}, sorted(set(values))]}


def tenant_segment(tenants: Iterable[str]) -> dict[str, Any]:
    return attribute_in(SEGMENT_KINDS["tenant"], tenants)


def region_segment(regions: Iterable[str]) -> dict[str, Any]:
    return attribute_in(SEGMENT_KINDS["region"], regions)


def internal_users(email_domains: Iterable[str]) -> dict[str, Any]:
    """Users whose ``email`` ends with one of the company's domains."""
    rules = [{"ends_with": [{"var": "email"}, f"@{domain}"]} for domain in sorted(email_domains)]
    return rules[0] if len(rules) == 1 else {"or": rules}


def segments_of(evaluators: dict[str, Any]) -> dict[str, Any]:
    """The ``$evaluators`` entries that follow the segment naming convention."""
    return {key: rule for key, rule in evaluators.items() if key.startswith(SEGMENT_PREFIX)}
