"""What the JSON Schema walk (``core/jsonschema/_walk.py``) and its object and combinator rules
(``core/jsonschema/_objects.py``) share: whom a change hurts, as the rules write it (``W``,
``R``, ``B``, ``N`` and the sets a trial's answer is tested against), ``combine`` for a
group of changes, and the limits that keep the walk inside Python's stack.
"""

from __future__ import annotations

from collections.abc import Iterable

from unlockstep.core.compat import Breaks

W, R, B, N = Breaks.WRITERS, Breaks.READERS, Breaks.BOTH, Breaks.NONE
NARROWING = frozenset({W, B})
NOBODY: frozenset[Breaks] = frozenset()
ONLY_WRITERS = frozenset({W})
ONLY_READERS = frozenset({R})
WIDENING = frozenset({R, B})


def combine(found: Iterable[Breaks]) -> Breaks:
    """Whom a group of changes hurts, as one value."""
    seen = set(found)
    if B in seen or {W, R} <= seen:
        return B
    if W in seen:
        return W
    if R in seen:
        return R
    return N


#: Limits that keep the walk inside Python's stack: trials nested in trials, schema levels in
#: a trial walk and in the reporting walk. Past them pairs are assumed equal (see docs).
TRIAL_NESTING = 6
TRIAL_DEPTH = 40
MAIN_DEPTH = 120
