"""The event outbox.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        # AUTOINCREMENT: a sequence number is never reused, even after deletes.
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("event_class", sa.String(16), nullable=False),
        sa.Column("device_time", sa.String(40), nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sent_ms", sa.BigInteger),
        sa.Column("acked_ms", sa.BigInteger),
        sa.CheckConstraint("event_class IN ('transaction', 'alert', 'conflict', 'health')",
                           name="ck_outbox_event_class"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_outbox_pending", "outbox", ["seq"],
                    sqlite_where=sa.text("acked_ms IS NULL"))
    op.create_index("ix_outbox_class", "outbox", ["event_class", "seq"])


def downgrade() -> None:
    op.drop_index("ix_outbox_class", "outbox")
    op.drop_index("ix_outbox_pending", "outbox")
    op.drop_table("outbox")
