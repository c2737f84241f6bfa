"""A flag's targeting (flagd's JSON Logic) as lines a person reads: "if segment
tenant.sandbox → on", "otherwise 10% on, 90% off". Unknown operators are shown as compact
JSON, so nothing is hidden; the rule itself is never changed."""

from __future__ import annotations

import json
from typing import Any

_INFIX = {
    "==": "=",
    "===": "=",
    "!=": "≠",
    "!==": "≠",
    "<": "<",
    "<=": "≤",
    ">": ">",
    ">=": "≥",
    "in": "in",
    "starts_with": "starts with",
    "ends_with": "ends with",
}


def expression(logic: Any) -> str:
    """One JSON Logic expression as text."""
    if isinstance(logic, dict) and len(logic) == 1:
        op, args = next(iter(logic.items()))
        items = args if isinstance(args, list) else [args]
        if op == "var":
            return str(items[0]) if items else "context"
        if op == "$ref":  # a shared evaluator, named like "segment.tenant.pilot" or not
            return str(args) if str(args).startswith("segment") else f"segment {args}"
        if op in _INFIX and len(items) == 2:
            left, right = (expression(a) for a in items)
            return f"{left} {_INFIX[op]} {right}"
        if op in ("and", "or"):
            joined = f" {op} ".join(_grouped(a) for a in items)
            return joined or ("true" if op == "and" else "false")
        if op in ("!", "not"):
            return f"not {_grouped(items[0])}" if items else "not"
        if op == "fractional":
            return split(items)
        if op == "sem_ver" and len(items) == 3:
            return f"{expression(items[0])} {items[1]} version {expression(items[2])}"
    if isinstance(logic, str):
        return json.dumps(logic, ensure_ascii=False)
    if logic is None:
        return "the default variant"
    return json.dumps(logic, ensure_ascii=False, separators=(",", ":"))


def _grouped(logic: Any) -> str:
    text = expression(logic)
    is_junction = isinstance(logic, dict) and next(iter(logic), "") in ("and", "or")
    return f"({text})" if is_junction else text


def split(items: list[Any]) -> str:
    """``fractional``: "10% on, 90% off" (by the context's targeting key unless named)."""
    buckets = [b for b in items if isinstance(b, list) and b]
    by = "" if len(buckets) == len(items) else f" by {expression(items[0])}"
    total = sum(b[1] for b in buckets if len(b) > 1 and isinstance(b[1], (int, float))) or 1
    shares = []
    for bucket in buckets:
        weight = bucket[1] if len(bucket) > 1 and isinstance(bucket[1], (int, float)) else 1
        shares.append(f"{round(100 * weight / total, 1):g}% {bucket[0]}")
    return ", ".join(shares) + by


def _outcome(logic: Any) -> str:
    if isinstance(logic, str):
        return logic
    return expression(logic)


def describe(targeting: Any) -> list[str]:
    """The targeting as lines, first match wins; ``[]`` for none (the default variant)."""
    if not targeting:
        return []
    if (
        isinstance(targeting, dict)
        and set(targeting) == {"if"}
        and isinstance(targeting["if"], list)
    ):
        args = targeting["if"]
        lines = []
        for i in range(0, len(args) - 1, 2):
            word = "if" if i == 0 else "else if"
            lines.append(f"{word} {expression(args[i])} → {_outcome(args[i + 1])}")
        if len(args) % 2 == 1:
            lines.append(f"otherwise → {_outcome(args[-1])}")
        return lines
    return [f"always → {_outcome(targeting)}"]
