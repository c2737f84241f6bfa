"""flags: flag bodies per environment, flag sets, evaluation counts

Revision ID: flags_0001
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "flags_0001"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flag_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("environment", sa.String(length=63), nullable=False),
        sa.Column("set_metadata", sa.JSON(), nullable=False),
        sa.Column("evaluators", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("environment"),
    )
    op.create_table(
        "flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("environment", sa.String(length=63), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("environment", "key", name="uq_flags_environment_key"),
    )
    op.create_index("ix_flags_environment", "flags", ["environment"])
    op.create_index("ix_flags_key", "flags", ["key"])
    op.create_table(
        "flag_evaluation_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("environment", sa.String(length=63), nullable=False),
        sa.Column("flag", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("variant", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "environment", "flag", "day", "variant", "reason", name="uq_flag_evaluation_counts"
        ),
    )
    op.create_index("ix_flag_evaluation_counts_flag", "flag_evaluation_counts", ["flag"])


def downgrade() -> None:
    op.drop_index("ix_flag_evaluation_counts_flag", table_name="flag_evaluation_counts")
    op.drop_table("flag_evaluation_counts")
    op.drop_index("ix_flags_key", table_name="flags")
    op.drop_index("ix_flags_environment", table_name="flags")
    op.drop_table("flags")
    op.drop_table("flag_sets")
