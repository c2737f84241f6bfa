"""Analysis: metric checks with conditions and limits, judged pass / fail / inconclusive,
and the baseline-vs-canary judge (Mann-Whitney U). Pure: providers that fetch the numbers
live in ``services/analysis_providers.py``.

Modules: ``_condition`` (``result < 0.01``), ``_checks`` (templates, one measurement's
phase, a check's and an analysis's status), ``_mannwhitney`` (the test), ``_judge``
(baseline vs canary)."""

from unlockstep.core.analysis._checks import (
    PHASES,
    Check,
    Judge,
    Phase,
    Status,
    Template,
    analysis_status,
    check_status,
    instantiate,
    judge_value,
    parse_check,
    parse_template,
    seconds,
)
from unlockstep.core.analysis._condition import Condition, parse_condition
from unlockstep.core.analysis._judge import Verdict, judge_samples
from unlockstep.core.analysis._mannwhitney import MannWhitney, mann_whitney, ranks

__all__ = [
    "PHASES",
    "Check",
    "Condition",
    "Judge",
    "MannWhitney",
    "Phase",
    "Status",
    "Template",
    "Verdict",
    "analysis_status",
    "check_status",
    "instantiate",
    "judge_samples",
    "judge_value",
    "mann_whitney",
    "parse_check",
    "parse_condition",
    "parse_template",
    "ranks",
    "seconds",
]
