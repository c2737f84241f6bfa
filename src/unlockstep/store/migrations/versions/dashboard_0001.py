"""dashboard: indexes for the estate graph and the matrix

The dashboard's estate page reads every distinct (consumer, provider, contract) of the
expectations; with ``ix_expectations_edges`` it scans that index alone instead of every
expectation row. The matrix (page and API) lists verifications newest first; with
``ix_verifications_newest`` a page is read off the index instead of sorting them all.

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
    op.create_index("ix_verifications_newest", "verifications", ["verified_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_verifications_newest", table_name="verifications")
    op.drop_index("ix_expectations_edges", table_name="expectations")
