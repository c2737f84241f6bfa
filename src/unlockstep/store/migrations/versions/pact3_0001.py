"""pact3: which publication or verification triggered a webhook delivery

``webhook_deliveries.trigger`` names what fired the delivery (``pact/<provider>/<consumer>/
<version>`` or ``verification/<provider>/<consumer>/<sha>/<provider version>``), so the Pact
API's ``pb:triggered-webhooks`` link lists the deliveries of one publication or verification
result from an index. Deliveries enqueued before this revision have none.

Revision ID: pact3_0001
Revises: pact2_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "pact3_0001"
down_revision = "pact2_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(sa.Column("trigger", sa.String(600), nullable=True))
    op.create_index("ix_webhook_deliveries_trigger", "webhook_deliveries", ["trigger"])


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_trigger", table_name="webhook_deliveries")
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_column("trigger")
