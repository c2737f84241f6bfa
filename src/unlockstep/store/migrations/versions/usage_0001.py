"""usage: series, stream cursors, hourly and daily rollups, refused points

Revision ID: usage_0001
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "usage_0001"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "usage_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("environment", sa.String(length=63), nullable=False),
        sa.Column("metric", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("consumer", sa.String(length=200), nullable=False),
        sa.Column("contract", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=100), nullable=False),
        sa.Column("operation", sa.String(length=300), nullable=False),
        sa.Column("field", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_usage_series_service", "usage_series", ["service"])
    op.create_index("ix_usage_series_metric_service", "usage_series", ["metric", "service"])
    op.create_table(
        "usage_streams",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("time", sa.BigInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("seen_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_usage_streams_series_id", "usage_streams", ["series_id"])
    op.create_index("ix_usage_streams_seen_on", "usage_streams", ["seen_on"])
    for name, column in (("usage_hourly", sa.Column("hour", sa.BigInteger(), nullable=False)),
                         ("usage_daily", sa.Column("day", sa.Date(), nullable=False))):  # fmt: skip
        op.create_table(
            name,
            sa.Column("series_id", sa.Integer(), nullable=False),
            column,
            sa.Column("amount", sa.Float(), nullable=False),
            sa.Column("total", sa.Float(), nullable=False),
            sa.Column("points", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("series_id", column.name),
        )
        op.create_index(f"ix_{name}_{column.name}", name, [column.name])
    op.create_table(
        "usage_rejections",
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("service", "day", "reason"),
    )


def downgrade() -> None:
    for name in ("usage_rejections", "usage_daily", "usage_hourly", "usage_streams"):
        op.drop_table(name)
    op.drop_table("usage_series")
