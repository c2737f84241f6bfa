"""User policies in Rego v1 beside the built-in fitness functions.

Rego is evaluated by rego-cpp (PyPI ``regopy``, MIT) in a child process with a time limit, so
a policy that loops or crashes the engine cannot take the server or the CLI down with it:
it is reported as a problem naming the policy, and the check fails closed.
"""

from __future__ import annotations

from unlockstep._rego_worker import RULES, package_of
from unlockstep.policies._rego import DEFAULT_TIMEOUT, Evaluated, Module, PolicyError, Runner
from unlockstep.policies._set import (
    EXCEPTIONS_FILE,
    PolicySet,
    TestResult,
    digest,
    is_test,
    read_folder,
)

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
]
