"""Circulation: the transaction journal (online and offline), the title and
patron caches, and circulation's own small state (since when the ILS is
away).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OPERATIONS = "'checkout', 'checkin', 'renew'"
STATES = ("'pending', 'ils_done', 'done', 'refused', 'undone', 'queued', 'replayed', "
          "'conflict', 'failed'")


def upgrade() -> None:
    op.create_table(
        "circulation_journal",
        # AUTOINCREMENT: replay order is id order, and an id is never reused.
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("txn_id", sa.String(36), nullable=False, unique=True),
        sa.Column("batch_id", sa.String(36), nullable=False),
        sa.Column("operation", sa.String(16), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("item", sa.String(64), nullable=False),
        sa.Column("uids", sa.String(400), nullable=False, server_default=""),
        sa.Column("patron", sa.String(64)),
        sa.Column("title", sa.String(500)),
        sa.Column("transaction_time", sa.String(40), nullable=False),
        sa.Column("due", sa.String(40)),
        sa.Column("prior_due", sa.String(40)),
        sa.Column("routing", sa.Text),
        sa.Column("reason", sa.String(32)),
        sa.Column("detail", sa.String(2000)),
        sa.Column("alert", sa.String(64)),
        sa.Column("conflict", sa.String(32)),
        sa.Column("replay_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
        sa.Column("replayed_ms", sa.BigInteger),
        sa.CheckConstraint(f"operation IN ({OPERATIONS})", name="ck_journal_operation"),
        sa.CheckConstraint("mode IN ('online', 'offline')", name="ck_journal_mode"),
        sa.CheckConstraint(f"state IN ({STATES})", name="ck_journal_state"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_journal_open", "circulation_journal", ["id"],
                    sqlite_where=sa.text("state IN ('pending', 'ils_done')"))
    op.create_index("ix_journal_queued", "circulation_journal", ["id"],
                    sqlite_where=sa.text("state = 'queued'"))
    op.create_index("ix_journal_patron", "circulation_journal", ["patron", "mode", "state"])
    op.create_index("ix_journal_item", "circulation_journal", ["item", "id"])
    op.create_table(
        "circulation_titles",
        sa.Column("pii", sa.String(64), primary_key=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "circulation_patrons",
        # The id the device's rules make of a credential (card UID, barcode):
        # all it has to go on offline. patron_id is what the ILS calls them.
        sa.Column("credential_id", sa.String(64), primary_key=True),
        sa.Column("patron_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200)),
        sa.Column("language", sa.String(8)),
        sa.Column("blocked", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("block_reason", sa.String(500)),
        # PBKDF2-SHA256 of the PIN, set when the ILS accepted it: lets an
        # offline kiosk check a PIN without keeping it.
        sa.Column("pin_hash", sa.String(64)),
        sa.Column("pin_salt", sa.String(32)),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "circulation_state",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("circulation_state")
    op.drop_table("circulation_patrons")
    op.drop_table("circulation_titles")
    op.drop_index("ix_journal_item", "circulation_journal")
    op.drop_index("ix_journal_patron", "circulation_journal")
    op.drop_index("ix_journal_queued", "circulation_journal")
    op.drop_index("ix_journal_open", "circulation_journal")
    op.drop_table("circulation_journal")
