"""schemaregistry: a subject's mode set before the subject has a version (IMPORT first, then
the imported registrations)

Revision ID: schemareg3_0001
Revises: schemaregistry_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "schemareg3_0001"
down_revision = "schemaregistry_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sr_pending_modes",
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("subject"),
    )


def downgrade() -> None:
    op.drop_table("sr_pending_modes")
