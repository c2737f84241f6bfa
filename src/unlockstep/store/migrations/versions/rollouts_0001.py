"""rollouts: rollouts, analysis runs and their measurements

Revision ID: rollouts_0001
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "rollouts_0001"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

NOW = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rollouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag", sa.String(length=200), nullable=False),
        sa.Column("environment", sa.String(length=63), nullable=False),
        sa.Column("active_key", sa.String(length=300), nullable=True),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("stage_started_at", NOW, nullable=False),
        sa.Column("variant", sa.String(length=200), nullable=False),
        sa.Column("safe_variant", sa.String(length=200), nullable=False),
        sa.Column("flag_revision", sa.Integer(), nullable=False),
        sa.Column("next_at", NOW, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("plan_change", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", NOW, nullable=False),
        sa.Column("updated_at", NOW, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("active_key"),
    )
    op.create_index("ix_rollouts_flag", "rollouts", ["flag"])
    op.create_index("ix_rollouts_next_at", "rollouts", ["next_at"])
    op.create_table(
        "analysis_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rollout_id", sa.Integer(), nullable=True),
        sa.Column("stage", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("template", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("started_at", NOW, nullable=False),
        sa.Column("finished_at", NOW, nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["rollout_id"], ["rollouts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_analysis_runs_rollout_id", "analysis_runs", ["rollout_id"])
    op.create_table(
        "analysis_measurements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("check_name", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", NOW, nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["analysis_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "check_name", "seq", name="uq_analysis_measurements"),
    )


def downgrade() -> None:
    op.drop_table("analysis_measurements")
    op.drop_index("ix_analysis_runs_rollout_id", "analysis_runs")
    op.drop_table("analysis_runs")
    op.drop_index("ix_rollouts_next_at", "rollouts")
    op.drop_index("ix_rollouts_flag", "rollouts")
    op.drop_table("rollouts")
