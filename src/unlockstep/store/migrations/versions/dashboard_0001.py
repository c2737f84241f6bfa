"""dashboard: a covering index for the estate graph (who consumes whom, by contract)

The dashboard's estate page reads every distinct (consumer, provider, contract) of the
expectations; with this index it scans the index alone instead of every expectation row.

Revision ID: dashboard_0001
Revises: expectations_0001
"""

from __future__ import annotations

from alembic import op

revision = "dashboard_0001"
down_revision = "expectations_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_expectations_edges",
        "expectations",
        ["consumer_service_id", "provider_service_id", "contract"],
    )


def downgrade() -> None:
    op.drop_index("ix_expectations_edges", table_name="expectations")
