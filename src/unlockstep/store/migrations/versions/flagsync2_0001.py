"""flag sync: each server process reports which revision its connected flag clients hold

Revision ID: flagsync2_0001
Revises: flags_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "flagsync2_0001"
down_revision = "flags_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "flag_sync_reports",
        sa.Column("process", sa.String(length=200), nullable=False),
        sa.Column("environment", sa.String(length=63), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("process", "environment"),
    )


def downgrade() -> None:
    op.drop_table("flag_sync_reports")
