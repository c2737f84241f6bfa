"""pact2: the consumers of a provider read off one index

can-i-deploy (and the Pact matrix it answers) asks which services expect something of a
provider. ``ix_expectations_provider_contract`` found the expectations but then read every
row of the provider's whole history for its consumer; with
``ix_expectations_provider_consumer`` the distinct consumers come from the index alone.

Revision ID: pact2_0001
Revises: broker_0001
"""

from __future__ import annotations

from alembic import op

revision = "pact2_0001"
down_revision = "broker_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_expectations_provider_consumer",
        "expectations",
        ["provider_service_id", "consumer_service_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_expectations_provider_consumer", table_name="expectations")
