"""expectations: consumer expectations and verifications

Revision ID: expectations_0001
Revises: contracts_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "expectations_0001"
down_revision = "contracts_0001"
branch_labels = None
depends_on = None


def _fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{table}.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "expectations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consumer_service_id", sa.Integer(), nullable=False),
        sa.Column("consumer_version_id", sa.Integer(), nullable=False),
        sa.Column("provider_service_id", sa.Integer(), nullable=False),
        sa.Column("contract", sa.String(length=63), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("reader", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("consumer_service_id", "services"),
        _fk("consumer_version_id", "versions"),
        _fk("provider_service_id", "services"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("consumer_version_id", "provider_service_id", "contract"),
    )
    op.create_index(
        "ix_expectations_provider_contract", "expectations", ["provider_service_id", "contract"]
    )
    op.create_index("ix_expectations_consumer_service_id", "expectations", ["consumer_service_id"])
    op.create_table(
        "verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expectation_id", sa.Integer(), nullable=False),
        sa.Column("consumer_version_id", sa.Integer(), nullable=False),
        sa.Column("provider_version_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("build_url", sa.String(length=500), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        _fk("expectation_id", "expectations"),
        _fk("consumer_version_id", "versions"),
        _fk("provider_version_id", "versions"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("expectation_id", "provider_version_id", "source"),
    )
    op.create_index("ix_verifications_provider_version", "verifications", ["provider_version_id"])
    op.create_index("ix_verifications_consumer_version", "verifications", ["consumer_version_id"])

    # can-i-deploy asks which contracts one provider version published
    op.create_index("ix_contract_versions_version", "contract_versions", ["version_id"])


def downgrade() -> None:
    op.drop_index("ix_contract_versions_version", table_name="contract_versions")
    op.drop_table("verifications")
    op.drop_table("expectations")
