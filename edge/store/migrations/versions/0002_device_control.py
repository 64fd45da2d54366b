"""Refused events, counters, component status, kiosk lock, control requests
and configuration changes.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A refused event (the broker said no for good) leaves the pending set
    # but is kept; the pending index must now leave it out too.
    op.drop_index("ix_outbox_pending", "outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("refused_ms", sa.BigInteger))
        batch.add_column(sa.Column("refusal", sa.String(200)))
    op.create_index("ix_outbox_pending", "outbox", ["seq"],
                    sqlite_where=sa.text("acked_ms IS NULL AND refused_ms IS NULL"))
    op.create_table(
        "counters",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "component_status",
        sa.Column("component", sa.String(32), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(500)),
        sa.Column("since_ms", sa.BigInteger, nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "kiosk_lock",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("locked", sa.Boolean, nullable=False),
        sa.Column("reason", sa.String(200)),
        sa.Column("changed_by", sa.String(64)),
        sa.Column("changed_ms", sa.BigInteger, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("applied_version", sa.Integer, nullable=False, server_default="0"),
        sa.CheckConstraint("id = 1", name="ck_kiosk_lock_single_row"),
    )
    op.create_table(
        "control_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("args", sa.Text, nullable=False),
        sa.Column("requested_ms", sa.BigInteger, nullable=False),
        sa.Column("deadline_ms", sa.BigInteger, nullable=False),
        sa.Column("claimed_ms", sa.BigInteger),
        sa.Column("done_ms", sa.BigInteger),
        sa.Column("result", sa.Text),
        sa.Column("error", sa.String(2000)),
        sa.Column("state", sa.String(16), nullable=False, server_default="pending"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_control_requests_open", "control_requests", ["name", "id"],
                    sqlite_where=sa.text("state = 'pending'"))
    op.create_table(
        "config_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("previous_text", sa.Text, nullable=False),
        sa.Column("new_text", sa.Text, nullable=False),
        sa.Column("requested_ms", sa.BigInteger, nullable=False),
        sa.Column("deadline_ms", sa.BigInteger, nullable=False),
        sa.Column("response_topic", sa.String(1000)),
        sa.Column("correlation", sa.LargeBinary),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(2000)),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("config_changes")
    op.drop_index("ix_control_requests_open", "control_requests")
    op.drop_table("control_requests")
    op.drop_table("kiosk_lock")
    op.drop_table("component_status")
    op.drop_table("counters")
    op.drop_index("ix_outbox_pending", "outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("refusal")
        batch.drop_column("refused_ms")
    op.create_index("ix_outbox_pending", "outbox", ["seq"],
                    sqlite_where=sa.text("acked_ms IS NULL"))
