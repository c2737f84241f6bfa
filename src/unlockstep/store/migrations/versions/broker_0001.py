"""broker: Pact files, version branches and tags, main branches, environment display names,
webhooks and their deliveries (the Pact Broker API)

Revision ID: broker_0001
Revises: expectations_0001
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "broker_0001"
down_revision = "expectations_0001"
branch_labels = None
depends_on = None


def _fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{table}.id"], ondelete="CASCADE")


def _when() -> sa.Column[datetime]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "pacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consumer_service_id", sa.Integer(), nullable=False),
        sa.Column("consumer_version_id", sa.Integer(), nullable=False),
        sa.Column("provider_service_id", sa.Integer(), nullable=False),
        sa.Column("expectation_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("sha", sa.String(length=64), nullable=False),
        _when(),
        _fk("consumer_service_id", "services"),
        _fk("consumer_version_id", "versions"),
        _fk("provider_service_id", "services"),
        _fk("expectation_id", "expectations"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("consumer_version_id", "provider_service_id"),
    )
    op.create_index("ix_pacts_provider", "pacts", ["provider_service_id", "consumer_service_id"])
    op.create_index("ix_pacts_sha", "pacts", ["sha"])
    op.create_index("ix_pacts_expectation_id", "pacts", ["expectation_id"])
    for table, index in (
        ("version_branches", "ix_version_branches_service_name"),
        ("version_tags", "ix_version_tags_service_name"),
    ):
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("service_id", sa.Integer(), nullable=False),
            sa.Column("version_id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=False),
            _when(),
            _fk("service_id", "services"),
            _fk("version_id", "versions"),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("version_id", "name"),
        )
        op.create_index(index, table, ["service_id", "name"])
    op.create_table(
        "broker_services",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("main_branch", sa.String(length=200), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        _fk("service_id", "services"),
        sa.PrimaryKeyConstraint("service_id"),
    )
    op.create_table(
        "broker_environments",
        sa.Column("environment_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        _fk("environment_id", "environments"),
        sa.PrimaryKeyConstraint("environment_id"),
    )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("consumer", sa.String(length=63), nullable=True),
        sa.Column("provider", sa.String(length=63), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=True),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _when(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=60), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("log", sa.JSON(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _when(),
        _fk("webhook_id", "webhooks"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_webhook_deliveries_due", "webhook_deliveries", ["done", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("webhook_deliveries")
    op.drop_table("webhooks")
    op.drop_table("broker_environments")
    op.drop_table("broker_services")
    op.drop_table("version_tags")
    op.drop_table("version_branches")
    op.drop_table("pacts")
