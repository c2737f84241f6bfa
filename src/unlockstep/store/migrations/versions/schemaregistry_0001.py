"""schemaregistry: global schema ids, subjects bound to contracts, numbered subject versions,
references between them, references between contract versions (multi-file contracts) and
the registry's global settings

Revision ID: schemaregistry_0001
Revises: contracts_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "schemaregistry_0001"
down_revision = "contracts_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sr_schemas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("refs", sa.JSON(), nullable=False),
        sa.Column("serialized", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fingerprint"),
    )
    op.create_table(
        "sr_subjects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("compatibility", sa.String(length=30), nullable=True),
        sa.Column("mode", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contract_id"], ["contracts.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "sr_subject_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("schema_id", sa.Integer(), nullable=False),
        sa.Column("contract_version_id", sa.Integer(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["subject_id"], ["sr_subjects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["schema_id"], ["sr_schemas.id"]),
        sa.ForeignKeyConstraint(
            ["contract_version_id"], ["contract_versions.id"], ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subject_id", "number"),
    )
    op.create_index("ix_sr_subject_versions_schema", "sr_subject_versions", ["schema_id"])
    op.create_index(
        "ix_sr_subject_versions_contract_version", "sr_subject_versions", ["contract_version_id"]
    )
    op.create_table(
        "sr_references",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referrer_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["referrer_id"], ["sr_subject_versions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sr_references_target", "sr_references", ["subject", "number"])
    op.create_table(
        "contract_references",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_version_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_version_id"], ["contract_versions.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["target_id"], ["contract_versions.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("contract_version_id", "name"),
    )
    op.create_index("ix_contract_references_target", "contract_references", ["target_id"])
    op.create_table(
        "sr_settings",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("sr_settings")
    op.drop_index("ix_contract_references_target", table_name="contract_references")
    op.drop_table("contract_references")
    op.drop_index("ix_sr_references_target", table_name="sr_references")
    op.drop_table("sr_references")
    op.drop_index("ix_sr_subject_versions_contract_version", table_name="sr_subject_versions")
    op.drop_index("ix_sr_subject_versions_schema", table_name="sr_subject_versions")
    op.drop_table("sr_subject_versions")
    op.drop_table("sr_subjects")
    op.drop_table("sr_schemas")
