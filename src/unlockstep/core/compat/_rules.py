"""The catalogue of rule ids: what each one means, whom it hurts, and the safer way.

Every engine declares its rules here (``declare``) so that rule ids stay stable, each has a
suggestion, and ``docs/rules.md`` is generated from this one table (``scripts/rules_doc.py``;
a test keeps the file current). A rule's *level* is not fixed: it depends on who is hurt
(``breaks``) and whose side the caller takes (``breaking_for``)::

    breaks in breaking_for      -> breaking
      ... but tolerable and the reader is tolerant (not strict_reader) -> warning
      ... but unprovable and the policy is LENIENT                     -> warning
    breaks is none              -> info
    otherwise                   -> warning

``tolerable``: a tolerant reader survives it (a new enum value, a new property in a closed
model). ``unprovable``: not provably safe, but safe in practice (a property added to an open
content model may clash with undeclared data nobody sends); STRICT policy calls it breaking.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from unlockstep.core.compat._model import Breaks, Level, Policy


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    kind: str  # the engine that reports it, e.g. "jsonschema"
    breaks: Breaks  # whom it typically hurts (some rules compute it per case)
    summary: str
    suggestion: str = ""
    tolerable: bool = False
    unprovable: bool = False


#: rule id -> rule, for every engine. Ids are unique across engines.
RULES: dict[str, Rule] = {}


def declare(rules: Iterable[Rule]) -> dict[str, Rule]:
    """Register ``rules``; returns them by id for the declaring module's own use."""
    own: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in RULES and RULES[rule.id] != rule:
            raise ValueError(f"rule id {rule.id!r} declared twice")
        RULES[rule.id] = rule
        own[rule.id] = rule
    return own


def level_for(
    rule: Rule,
    breaks: Breaks,
    *,
    breaking_for: frozenset[Breaks],
    policy: Policy,
    strict_reader: bool = False,
) -> Level:
    """The level of one occurrence of ``rule`` that hurts ``breaks``."""
    if breaks is Breaks.NONE:
        return Level.INFO
    if breaks not in breaking_for:
        return Level.WARNING
    if rule.tolerable and breaks is Breaks.READERS and not strict_reader:
        return Level.WARNING
    if rule.unprovable and policy is Policy.LENIENT:
        return Level.WARNING
    return Level.BREAKING
