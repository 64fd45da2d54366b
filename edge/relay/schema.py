"""The relay's database (SQLAlchemy Core: SQLite by default, PostgreSQL in
production). Created on first use; ``relay_meta`` records its version."""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from edge.relay.stats import COUNTERS, INGEST

SCHEMA_VERSION: Final = "1"
metadata = MetaData()

events = Table(
    "events", metadata,
    #: Arrival order at this database.
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    #: The device's UUIDv7: an event is stored once, whoever receives it.
    Column("event_id", String(36), nullable=False, unique=True),
    Column("site", String(64), nullable=False),
    Column("device", String(64), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("type", String(64), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("device_time", String(40), nullable=False),
    Column("day", String(10), nullable=False),
    #: When the relay stored it (Unix milliseconds).
    Column("received_ms", BigInteger, nullable=False),
    #: The relay that stored it.
    Column("relay", String(130), nullable=False),
    #: The payload as JSON text (PostgreSQL: ``payload::jsonb`` to query it).
    Column("payload", Text, nullable=False),
    #: What the relay added (the title of an alarmed item), JSON text, kept
    #: apart from what the device sent.
    Column("enrichment", Text),
    Index("ix_events_device_seq", "site", "device", "seq"),
    Index("ix_events_site_day", "site", "day"),
)

devices = Table(
    "devices", metadata,
    Column("site", String(64), primary_key=True),
    Column("device", String(64), primary_key=True),
    Column("online", Boolean),
    Column("state_time", String(40)),
    Column("state_reason", String(64)),
    Column("role", String(16)),
    Column("isil", String(16)),
    Column("software", String(64)),
    Column("started", String(40)),
    Column("last_seen", DateTime(timezone=True)),
    Column("last_seq", BigInteger),
    Column("outbox_pending", Integer),
    Column("health_time", String(40)),
    Column("health", JSON),
)

daily_stats = Table(
    "daily_stats", metadata,
    Column("site", String(64), primary_key=True),
    Column("device", String(64), primary_key=True),
    Column("day", String(10), primary_key=True),
    *(Column(name, BigInteger, nullable=False, server_default="0")
      for name in (*COUNTERS, *INGEST)),
)

rejections = Table(
    "rejections", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("topic", String(1000), nullable=False),
    Column("site", String(64)),
    Column("device", String(64)),
    Column("reason", String(32), nullable=False),
    Column("detail", String(1000), nullable=False),
    Column("size", Integer, nullable=False),
    #: The first bytes, escaped, to see what was sent.
    Column("sample", String(300), nullable=False),
)

relay_meta = Table(
    "relay_meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
)
