"""Contracts and expectations: content addresses and judging a publish, consumer
expectations (Pact files too), static verification, impact and the can-i-deploy decision.

Other packages import from here, never from the ``_private`` modules.
"""

from __future__ import annotations

from unlockstep.core.contracts._can_i_deploy import (
    Counterpart,
    Decision,
    Evidence,
    Gate,
    Integration,
    Subject,
    decide,
)
from unlockstep.core.contracts._choose import PACT_ONLY, choose_contract, pact_contract
from unlockstep.core.contracts._deprecations import deprecated_elements
from unlockstep.core.contracts._expectations import Expectation, parse
from unlockstep.core.contracts._impact import (
    Element,
    deprecated_uses,
    elements,
    offers,
    reads,
)
from unlockstep.core.contracts._judge import (
    Registered,
    canonical_hash,
    engine_for,
    judge,
    parse_mode,
    parse_policy,
)
from unlockstep.core.contracts._pact import is_pact, read_any
from unlockstep.core.contracts._verification import Problem, Verification, unverifiable, verify

__all__ = [
    "PACT_ONLY",
    "Counterpart",
    "Decision",
    "Element",
    "Evidence",
    "Expectation",
    "Gate",
    "Integration",
    "Problem",
    "Registered",
    "Subject",
    "Verification",
    "canonical_hash",
    "choose_contract",
    "decide",
    "deprecated_elements",
    "deprecated_uses",
    "elements",
    "engine_for",
    "is_pact",
    "judge",
    "offers",
    "pact_contract",
    "parse",
    "parse_mode",
    "parse_policy",
    "read_any",
    "reads",
    "unverifiable",
    "verify",
]
