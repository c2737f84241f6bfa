"""Conditions on a measured value: ``result < 0.01``, ``result >= 0.95 and result <= 1``.

The language is deliberately tiny — comparisons of ``result`` with a number, joined by
``and`` / ``or`` (``and`` binds tighter) — so a condition from a file can be evaluated
without ``eval`` and refused with a clear message when it is anything else.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from unlockstep.errors import InvalidInput

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_CLAUSE = re.compile(
    rf"^\s*(?:(?P<name>result)\s*(?P<op><=|>=|==|!=|<|>)\s*(?P<num>{_NUMBER})"
    rf"|(?P<num2>{_NUMBER})\s*(?P<op2><=|>=|==|!=|<|>)\s*result)\s*$"
)


@dataclass(frozen=True, slots=True)
class Condition:
    """A parsed condition: alternatives (``or``) of conjunctions (``and``) of comparisons."""

    text: str
    alternatives: tuple[tuple[tuple[str, float], ...], ...]

    def holds(self, value: float) -> bool:
        if math.isnan(value):
            return False
        return any(
            all(_OPS[op](value, bound) for op, bound in clauses) for clauses in self.alternatives
        )


def parse_condition(text: str, where: str = "condition") -> Condition:
    """Parse ``text``; refused with where and what is expected when it is not a condition."""
    alternatives: list[tuple[tuple[str, float], ...]] = []
    for part in re.split(r"\s+or\s+", text.strip()):
        clauses: list[tuple[str, float]] = []
        for clause in re.split(r"\s+and\s+", part):
            match = _CLAUSE.match(clause)
            if match is None:
                raise InvalidInput(
                    f"cannot read condition {text!r} (at {clause.strip()!r})",
                    where=where,
                    hint="write comparisons of result with a number joined by and / or, "
                    "e.g. 'result < 0.01' or 'result >= 0.95 and result <= 1'",
                )
            if match["name"]:
                clauses.append((match["op"], float(match["num"])))
            else:
                clauses.append((_FLIP[match["op2"]], float(match["num2"])))
        alternatives.append(tuple(clauses))
    return Condition(text.strip(), tuple(alternatives))
