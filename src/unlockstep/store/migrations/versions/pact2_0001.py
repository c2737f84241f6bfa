"""pact2: pacticipant labels; the consumers of a provider read off one index

``pacticipant_labels`` keeps the Pact Broker's labels on pacticipants (services).

can-i-deploy (and the Pact matrix it answers) asks which services expect something of a
provider. ``ix_expectations_provider_contract`` found the expectations but then read every
row of the provider's whole history for its consumer; with
``ix_expectations_provider_consumer`` the distinct consumers come from the index alone.

Revision ID: pact2_0001
Revises: broker_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "pact2_0001"
down_revision = "broker_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pacticipant_labels",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "service_id",
            sa.Integer(),
            sa.ForeignKey("services.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("service_id", "name"),
    )
    op.create_index("ix_pacticipant_labels_name", "pacticipant_labels", ["name"])
    op.create_index(
        "ix_expectations_provider_consumer",
        "expectations",
        ["provider_service_id", "consumer_service_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_pacticipant_labels_name", table_name="pacticipant_labels")
    op.drop_table("pacticipant_labels")
    op.drop_index("ix_expectations_provider_consumer", table_name="expectations")
