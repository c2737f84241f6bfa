"""policies: versioned policy sets, the release calendar and freeze exceptions

Revision ID: policies_0001
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "policies_0001"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("modules", sa.JSON(), nullable=False),
        sa.Column("exceptions", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_policy_versions_version", "policy_versions", ["version"])
    op.create_table(
        "calendar_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("environment", sa.String(length=63), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("starts", sa.String(length=32), nullable=True),
        sa.Column("ends", sa.String(length=32), nullable=True),
        sa.Column("days", sa.String(length=40), nullable=True),
        sa.Column("from_time", sa.String(length=5), nullable=True),
        sa.Column("to_time", sa.String(length=5), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("environment", "name"),
    )
    op.create_table(
        "freeze_exceptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("environment", sa.String(length=63), nullable=False),
        sa.Column("service", sa.String(length=63), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("freeze_exceptions")
    op.drop_table("calendar_periods")
    op.drop_index("ix_policy_versions_version", table_name="policy_versions")
    op.drop_table("policy_versions")
