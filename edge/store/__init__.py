"""The device's local store: one SQLite database per device (WAL,
``synchronous = FULL``) holding the event outbox, control and status tables
and, from later issues, the transaction journal, caches and audit trail;
Alembic migrations (``edge/store/migrations``) applied when it is opened.

    store = open_store(config.store.path, timezone=config.library.timezone)
    store.outbox.append(events.checkout(item="3001", due="2026-12-05"))  # durable on return
    with Session(store.engine) as session: ...        # sqlmodel, same file

Everything here is synchronous (SQLite calls block for an fsync); call it
from async code with ``asyncio.to_thread``.
"""

from __future__ import annotations

import functools
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from edge.store.control import ControlRequests, KioskLock, StatusBoard
from edge.store.db import HEAD_REVISION, Database, connect, current_revision
from edge.store.errors import SchemaMismatchError, StoreError
from edge.store.outbox import Outbox, RetentionPolicy

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from edge.mqtt.validation import ContractValidator

__all__ = ["HEAD_REVISION", "Database", "Outbox", "RetentionPolicy", "SchemaMismatchError",
           "Store", "StoreError", "open_store"]


class Store:
    """An opened device store. Its parts share one ``sqlite3`` connection;
    :attr:`engine` gives SQLAlchemy (sqlmodel) access to the same file."""

    def __init__(self, db: Database, *, timezone: str = "Asia/Ho_Chi_Minh",
                 validate: bool = True, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.path = db.path
        self.timezone = timezone
        self._validate = validate
        self._clock = clock
        self._engine: Engine | None = None

    @functools.cached_property
    def validator(self) -> ContractValidator:
        """The contract's JSON Schemas, compiled (on first use)."""
        from edge.mqtt.validation import ContractValidator

        return ContractValidator()

    @functools.cached_property
    def outbox(self) -> Outbox:
        checker = self.validator if self._validate else None
        return Outbox(self.db, checker=checker, timezone=self.timezone, clock=self._clock)

    @functools.cached_property
    def kiosk_lock(self) -> KioskLock:
        return KioskLock(self.db, self._clock)

    @functools.cached_property
    def requests(self) -> ControlRequests:
        return ControlRequests(self.db, self._clock)

    @functools.cached_property
    def status(self) -> StatusBoard:
        return StatusBoard(self.db, self._clock)

    @property
    def engine(self) -> Engine:
        """A SQLAlchemy engine on this store (created on first use)."""
        if self._engine is None:
            from edge.store.engine import store_engine

            self._engine = store_engine(self.path)
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def open_store(path: Path | str, *, timezone: str = "Asia/Ho_Chi_Minh", validate: bool = True,
               upgrade: bool = True, upgrade_in_child: bool = False,
               clock: Callable[[], float] = time.time) -> Store:
    """Open (and create) the device store at ``path``, migrated to this
    software's schema. ``upgrade_in_child`` runs a needed migration in a
    child process (the agent, to keep Alembic out of its memory);
    ``upgrade=False`` refuses a store that is not current instead."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        probe = connect(path)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(str(path), f"cannot open: {exc}") from exc
    try:
        found = current_revision(probe)
    finally:
        probe.close()
    if found != HEAD_REVISION:
        if not upgrade:
            raise SchemaMismatchError(str(path), found, HEAD_REVISION)
        from edge.store import migrate

        if upgrade_in_child:
            migrate.upgrade_in_child(path)
        else:
            migrate.upgrade(path)
    db = Database(path)
    db.check_revision()
    return Store(db, timezone=timezone, validate=validate, clock=clock)
