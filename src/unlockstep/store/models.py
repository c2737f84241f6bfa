"""Imports every table module so ``Base.metadata`` knows all tables (Alembic, tests)."""

from unlockstep.store import (  # noqa: F401
    approval_tables,
    broker_tables,
    contract_tables,
    expectation_tables,
    flag_tables,
    lease_tables,
    plans,
    policy_tables,
    rollout_tables,
    safety_tables,
    schema_registry_tables,
    tables,
    token_tables,
    usage_tables,
)
