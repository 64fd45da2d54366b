"""SQLAlchemy engines on the device store (for sqlmodel users and Alembic).

The same pragmas as :mod:`edge.store.db`, and explicit transactions: the
``pysqlite`` driver's own transaction handling is switched off and SQLAlchemy
emits ``BEGIN`` itself (SQLAlchemy's documented recipe), so DDL is
transactional and SAVEPOINTs work. ``immediate=True`` begins with ``BEGIN
IMMEDIATE``: the write lock is taken up front, so a read-then-write
transaction is never overtaken by another process.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection

from edge.store.db import BUSY_TIMEOUT_MS, apply_pragmas


def store_engine(path: Path | str, *, immediate: bool = False) -> Engine:
    engine = create_engine(
        f"sqlite:///{Path(path)}",
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        apply_pragmas(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)

    return engine
