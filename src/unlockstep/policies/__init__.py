"""User policies in Rego v1 beside the built-in fitness functions.

Rego is evaluated by rego-cpp (PyPI ``regopy``, MIT) in a child process with a time limit, so
a policy that loops or crashes the engine cannot take the server or the CLI down with it:
it is reported as a problem naming the policy, and the check fails closed.

The names are loaded on first use (PEP 562): ``unlockstep.policies._rego`` imports nothing
heavy, so ``unlockstep policy check`` starts the Rego worker before it imports the built-in
rules and the plan parser, and the two start-ups overlap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from unlockstep._rego_worker import RULES, package_of
    from unlockstep.policies._rego import (
        DEFAULT_TIMEOUT,
        Evaluated,
        Module,
        PolicyError,
        Runner,
        is_test,
        read_modules,
    )
    from unlockstep.policies._set import (
        EXCEPTIONS_FILE,
        PolicySet,
        TestResult,
        digest,
        read_folder,
    )

_WHERE = {
    "RULES": "unlockstep._rego_worker",
    "package_of": "unlockstep._rego_worker",
    "DEFAULT_TIMEOUT": "unlockstep.policies._rego",
    "Evaluated": "unlockstep.policies._rego",
    "Module": "unlockstep.policies._rego",
    "PolicyError": "unlockstep.policies._rego",
    "Runner": "unlockstep.policies._rego",
    "read_modules": "unlockstep.policies._rego",
    "EXCEPTIONS_FILE": "unlockstep.policies._set",
    "PolicySet": "unlockstep.policies._set",
    "TestResult": "unlockstep.policies._set",
    "digest": "unlockstep.policies._set",
    "is_test": "unlockstep.policies._rego",
    "read_folder": "unlockstep.policies._set",
}

__all__ = [
    "DEFAULT_TIMEOUT",
    "EXCEPTIONS_FILE",
    "RULES",
    "Evaluated",
    "Module",
    "PolicyError",
    "PolicySet",
    "Runner",
    "TestResult",
    "digest",
    "is_test",
    "package_of",
    "read_folder",
    "read_modules",
]


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'unlockstep.policies' has no attribute {name!r}")
    value = getattr(import_module(where), name)
    globals()[name] = value
    return value
