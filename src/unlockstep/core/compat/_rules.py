"""The catalogue of rule ids: what each one means, whom it hurts, and the safer way.

Every engine declares its rules here (``declare``) so that rule ids stay stable, each has a
suggestion, and ``docs/rules.md`` is generated from this one table (``scripts/rules_doc.py``;
a test keeps the file current). A rule's *level* is not fixed: it depends on who is hurt
(``breaks``) and whose side the caller takes (``breaking_for``)::

    breaks in breaking_for      -> breaking
      ... but tolerable and the reader is tolerant (not strict_reader) -> warning
      ... but unprovable and the policy is LENIENT                     -> warning
    breaks is none              -> info
    otherwise                   -> warning (``unprotected``: an API engine says info)

A rule may declare a ``floor``: the least level an occurrence has, hurt or not (a property
removed from a request is ignored by the new provider, but old clients still send it and mean
it: a warning, never information).

A rule whose level does not depend on whose side the caller takes (a migration's locking
hazard stalls everyone; an optional response header removed is a warning whoever reads it)
declares it as ``level``; ``level_for`` returns it for every occurrence that hurts someone
(an occurrence that hurts nobody is still ``info``, unless the rule itself hurts nobody).

Engines call ``judge`` with the rule id they emit (prefixed ids resolve through their family).

``tolerable``: a tolerant reader survives it (a new enum value, a new property in a closed
model). ``unprovable``: not provably safe, but safe in practice (a property added to an open
content model may clash with undeclared data nobody sends); STRICT policy calls it breaking.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

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
    level: Level | None = None  # fixed, whoever is protected (migration rules)
    floor: Level | None = None  # the least level in the context the id names (OpenAPI)


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


@dataclass(frozen=True, slots=True)
class Family:
    """Rule ids made of a ``prefix`` and an id of the ``base`` engine: an engine that compares
    embedded schemas (OpenAPI bodies, AsyncAPI payloads) reports the JSON Schema engine's
    findings as ``request-property-removed``, ``message-payload-enum-value-added``…"""

    prefix: str
    kind: str  # the engine that reports them
    base: str  # the kind whose rule ids follow the prefix
    context: str  # where such a finding is, e.g. "in a message payload"


#: prefix -> family; ``rule_of`` resolves a prefixed id through it.
FAMILIES: dict[str, Family] = {}
_LONGEST_FIRST: list[str] = []  # the prefixes, longest first (``request-parameter-`` first)


def declare_family(family: Family) -> None:
    if FAMILIES.get(family.prefix, family) != family:
        raise ValueError(f"rule prefix {family.prefix!r} declared twice")
    FAMILIES[family.prefix] = family
    _LONGEST_FIRST[:] = sorted(FAMILIES, key=len, reverse=True)


def rule_of(rule_id: str) -> Rule | None:
    """The catalogue entry for ``rule_id``: declared as it is, or a declared family's prefix
    before an id of the family's base kind; ``None`` when the catalogue does not know it."""
    if rule_id in RULES:
        return RULES[rule_id]
    for prefix in _LONGEST_FIRST:
        family = FAMILIES[prefix]
        base = RULES.get(rule_id.removeprefix(prefix)) if rule_id.startswith(prefix) else None
        if base is not None and base.kind == family.base:
            summary = f"{family.context}: {base.summary}"
            return replace(base, id=rule_id, kind=family.kind, summary=summary)
    return None


#: every side: for an engine whose ``breaks`` already names only the party it protects
EVERYONE = frozenset({Breaks.READERS, Breaks.WRITERS, Breaks.BOTH})


def judge(
    rule_id: str,
    breaks: Breaks,
    *,
    policy: Policy,
    breaking_for: frozenset[Breaks] = EVERYONE,
    strict_reader: bool = False,
) -> Level:
    """The level of an occurrence of the catalogued rule ``rule_id``. A rule id missing from
    the catalogue is a bug (``tests/core/test_rule_catalogue.py`` looks for them); it is
    judged as a plain rule (breaking when it hurts a protected side) rather than failing a
    user's check."""
    rule = RULES.get(rule_id) or rule_of(rule_id) or Rule(rule_id, "", breaks, "")
    return level_for(
        rule, breaks, breaking_for=breaking_for, policy=policy, strict_reader=strict_reader
    )


def level_for(
    rule: Rule,
    breaks: Breaks,
    *,
    breaking_for: frozenset[Breaks],
    policy: Policy,
    strict_reader: bool = False,
    unprotected: Level | None = None,
) -> Level:
    """The level of one occurrence of ``rule`` that hurts ``breaks``. ``unprotected``: the
    level of an occurrence that hurts only a side the check does not protect (an API engine
    says ``info``: that side is the provider's own new version); ``None``: a warning."""
    level = _level(rule, breaks, breaking_for, policy, strict_reader, unprotected)
    return at_least(level, rule.floor)


#: levels in order of severity
SEVERITY = {Level.INFO: 0, Level.WARNING: 1, Level.BREAKING: 2}


def at_least(level: Level, floor: Level | None) -> Level:
    """``level``, raised to ``floor`` when that is more severe."""
    return floor if floor is not None and SEVERITY[floor] > SEVERITY[level] else level


def _level(
    rule: Rule,
    breaks: Breaks,
    breaking_for: frozenset[Breaks],
    policy: Policy,
    strict_reader: bool,
    unprotected: Level | None,
) -> Level:
    if rule.level is not None and (breaks is not Breaks.NONE or rule.breaks is Breaks.NONE):
        return rule.level
    if breaks is Breaks.NONE:
        return Level.INFO
    if breaks not in breaking_for:
        return unprotected or Level.WARNING
    if rule.tolerable and breaks is Breaks.READERS and not strict_reader:
        return Level.WARNING
    if rule.unprovable and policy is Policy.LENIENT:
        return Level.WARNING
    return Level.BREAKING
