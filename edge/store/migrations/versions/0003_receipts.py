"""Receipts from the centre: an event is done when the relay has stored it,
not only when the broker acknowledged it.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("confirmed_ms", sa.BigInteger))
    # Events acknowledged but not yet receipted, oldest first (the re-send check).
    op.create_index("ix_outbox_unconfirmed", "outbox", ["acked_ms"],
                    sqlite_where=sa.text("acked_ms IS NOT NULL AND confirmed_ms IS NULL"))
    # Whatever the broker acknowledged before this version counts as delivered.
    op.execute("UPDATE outbox SET confirmed_ms = acked_ms WHERE acked_ms IS NOT NULL")


def downgrade() -> None:
    op.drop_index("ix_outbox_unconfirmed", "outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("confirmed_ms")
