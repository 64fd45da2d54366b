"""The device's SQLite database, through the standard library's ``sqlite3``.

One file per device, shared by its processes (kiosk or gate or book drop,
and the agent): WAL so readers never wait for the writer, ``synchronous =
FULL`` so a committed transaction survives power loss, a busy timeout so two
writers queue instead of failing. Transactions are explicit (``BEGIN
IMMEDIATE`` for writes, taking the write lock up front so a read-then-write
cannot be overtaken).

The outbox, control and status tables are used through this module so that
the agent, which only drains, stays small (no SQLAlchemy in its process);
services that want sqlmodel use :meth:`Store.engine` on the same file.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from edge.store.errors import SchemaMismatchError, StoreError

#: The Alembic revision this software's code expects (tests check it is the
#: head of ``edge/store/migrations``). A migration added later bumps it.
HEAD_REVISION: Final = "0004"
BUSY_TIMEOUT_MS: Final = 10_000
PRAGMAS: Final = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA foreign_keys = ON",
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
)


def apply_pragmas(conn: sqlite3.Connection) -> None:
    for pragma in PRAGMAS:
        row = conn.execute(pragma).fetchone()
        if pragma.startswith("PRAGMA journal_mode") and (row is None or row[0] != "wal"):
            raise sqlite3.OperationalError(f"cannot switch to WAL (got {row})")


def connect(path: Path | str) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are begun explicitly)
    with the store's pragmas, usable from a worker thread."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False)
    try:
        apply_pragmas(conn)
    except sqlite3.Error:
        conn.close()
        raise
    return conn


def current_revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:  # no such table: a new database
        return None
    return None if row is None else str(row[0])


class Database:
    """One ``sqlite3`` connection to the store, shared by the objects built on
    it (outbox, kiosk lock, requests, status) and serialised by a lock, so
    they can be called from worker threads (``asyncio.to_thread``)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self._conn = connect(self.path)
        except sqlite3.Error as exc:
            raise StoreError(str(self.path), f"cannot open: {exc}") from exc
        self._lock = threading.RLock()

    def check_revision(self, expected: str = HEAD_REVISION) -> None:
        with self._lock:
            found = current_revision(self._conn)
        if found != expected:
            raise SchemaMismatchError(str(self.path), found, expected)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def data_version(self) -> int:
        """Changes whenever another connection commits (cheap change polling)."""
        return int(self.scalar("PRAGMA data_version"))

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``), durable
        when the block ends; rolled back if it raises."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
