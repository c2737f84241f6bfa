"""safety nets: data sources, invariants and their runs, reconciliations, their runs and
discrepancies, and the notification outbox

Revision ID: safety_0001
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "safety_0001"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "data_sources",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("service", sa.String(length=63), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index("ix_data_sources_service", "data_sources", ["service"])
    op.create_table(
        "invariants",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("service", sa.String(length=63), nullable=False),
        sa.Column("owner", sa.String(length=63), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("every_seconds", sa.Float(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("state_since", _AT, nullable=False),
        sa.Column("last_run_at", _AT, nullable=True),
        sa.Column("next_run_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index("ix_invariants_service", "invariants", ["service"])
    op.create_index("ix_invariants_next_run_at", "invariants", ["next_run_at"])
    op.create_table(
        "invariant_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invariant", sa.String(length=100), nullable=False),
        sa.Column("started_at", _AT, nullable=False),
        sa.Column("finished_at", _AT, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("violations", sa.BigInteger(), nullable=True),
        sa.Column("at_least", sa.Boolean(), nullable=False),
        sa.Column("sample", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("trigger", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["invariant"], ["invariants.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_invariant_runs_name_id", "invariant_runs", ["invariant", "id"])
    op.create_table(
        "reconciliations",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("service", sa.String(length=63), nullable=False),
        sa.Column("owner", sa.String(length=63), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("every_seconds", sa.Float(), nullable=False),
        sa.Column("tolerance", sa.Integer(), nullable=False),
        sa.Column("next_run_at", _AT, nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index("ix_reconciliations_service", "reconciliations", ["service"])
    op.create_index("ix_reconciliations_next_run_at", "reconciliations", ["next_run_at"])
    op.create_table(
        "reconciliation_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reconciliation", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_at", _AT, nullable=False),
        sa.Column("progress_at", _AT, nullable=False),
        sa.Column("finished_at", _AT, nullable=True),
        sa.Column("left_rows", sa.BigInteger(), nullable=False),
        sa.Column("right_rows", sa.BigInteger(), nullable=False),
        sa.Column("matched", sa.BigInteger(), nullable=False),
        sa.Column("missing_left", sa.BigInteger(), nullable=False),
        sa.Column("missing_right", sa.BigInteger(), nullable=False),
        sa.Column("mismatched", sa.BigInteger(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("trigger", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["reconciliation"], ["reconciliations.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_reconciliation_runs_name_id", "reconciliation_runs", ["reconciliation", "id"]
    )
    op.create_table(
        "discrepancies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reconciliation", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("first_seen", _AT, nullable=False),
        sa.Column("last_seen", _AT, nullable=False),
        sa.Column("last_run", sa.Integer(), nullable=False),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", _AT, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["reconciliation"], ["reconciliations.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reconciliation", "key"),
    )
    op.create_index("ix_discrepancies_open", "discrepancies", ["reconciliation", "status"])
    op.create_table(
        "safety_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _AT, nullable=False),
        sa.Column("delivered_at", _AT, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_safety_notifications_next_attempt_at", "safety_notifications", ["next_attempt_at"]
    )


def downgrade() -> None:
    for table in (
        "safety_notifications",
        "discrepancies",
        "reconciliation_runs",
        "reconciliations",
        "invariant_runs",
        "invariants",
        "data_sources",
    ):
        op.drop_table(table)
