"""Policies: fitness functions over the plan, flag, contract or deploy under check and a
snapshot of the registry around it. Built-in rules live here; user rules are Rego v1, run
by ``unlockstep.policies`` (a child process) and read back through ``from_rego``."""

from __future__ import annotations

from unlockstep.core.policies._builtins import (
    BY_ID,
    CRITICAL_TIERS,
    RULES,
    Rule,
    is_critical,
    plan_contracts,
    rules_markdown,
)
from unlockstep.core.policies._builtins import run as run_builtins
from unlockstep.core.policies._decide import (
    RULE_SEVERITY,
    apply_exceptions,
    decide,
    from_rego,
    parse_exceptions,
    rule_id,
)
from unlockstep.core.policies._hidden import MODES, hidden_gates, mode_for
from unlockstep.core.policies._model import (
    API_VERSION,
    Decision,
    Finding,
    PolicyException,
    Problem,
    Severity,
    Subject,
    empty_registry,
)
from unlockstep.core.policies._report import FORMATS, render
from unlockstep.core.policies._subjects import flag_spec, subjects_from_text, subjects_of

__all__ = [
    "API_VERSION",
    "BY_ID",
    "CRITICAL_TIERS",
    "FORMATS",
    "MODES",
    "RULES",
    "RULE_SEVERITY",
    "Decision",
    "Finding",
    "Omitted",
    "PolicyException",
    "Problem",
    "Rule",
    "Severity",
    "Subject",
    "apply_exceptions",
    "decide",
    "empty_registry",
    "flag_spec",
    "from_rego",
    "hidden_gates",
    "is_critical",
    "mode_for",
    "omitted_consumers",
    "parse_exceptions",
    "plan_contracts",
    "render",
    "rule_id",
    "rules_markdown",
    "run_builtins",
    "subjects_from_text",
    "subjects_of",
]
