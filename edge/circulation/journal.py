"""The circulation journal: one row per item per transaction, in the device
store, written *before* each step it records (docs/adr/0008).

States of an entry::

    online:  pending -> ils_done -> done          (ILS first, then the tag)
                     \\-> refused                   (the ILS said no; nothing changed)
                      ils_done -> undone            (tag failed; checked back in)
    offline: pending -> queued -> replayed | conflict | failed
                     \\-> undone                    (tag failed; never replayed)

``pending`` and ``ils_done`` are unfinished: on restart
:mod:`edge.circulation.recovery` completes or undoes them. Every state change
that completes something writes its outbox events in the same SQLite
transaction, so an entry and its event are recorded together or not at all.

Synchronous (each write is an fsync); call it through ``asyncio.to_thread``.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from edge.contract.envelope import Event
from edge.contract.ids import Uuid7Source
from edge.store import Store

OPEN_STATES: Final = ("pending", "ils_done")
FINAL_STATES: Final = ("done", "refused", "undone", "replayed", "conflict", "failed")

_COLUMNS: Final = ("id", "txn_id", "batch_id", "operation", "mode", "state", "item", "uids",
                   "patron", "title", "transaction_time", "due", "prior_due", "routing",
                   "reason", "detail", "alert", "conflict", "replay_attempts", "created_ms",
                   "updated_ms", "replayed_ms")
_SELECT: Final = f"SELECT {', '.join(_COLUMNS)} FROM circulation_journal"
#: Columns :meth:`Journal.update` may change.
_MUTABLE: Final = frozenset({"state", "mode", "title", "due", "prior_due", "routing", "reason",
                             "detail", "alert", "conflict", "replay_attempts", "replayed_ms",
                             "uids"})


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    txn_id: str
    batch_id: str
    operation: str
    mode: str
    state: str
    item: str
    uids: tuple[str, ...]
    patron: str | None
    title: str | None
    #: RFC 3339 with the library's UTC offset.
    transaction_time: str
    #: ISO 8601 (library-local) as the ILS gave it, or the offline policy's.
    due: str | None
    prior_due: str | None
    routing: dict[str, Any] | None
    reason: str | None
    detail: str | None
    alert: str | None
    conflict: str | None
    replay_attempts: int
    created_ms: int
    updated_ms: int
    replayed_ms: int | None

    @property
    def open(self) -> bool:
        return self.state in OPEN_STATES

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Entry:
        values = dict(zip(_COLUMNS, row, strict=True))
        values["uids"] = tuple(u for u in str(values["uids"] or "").split(",") if u)
        routing = values["routing"]
        values["routing"] = json.loads(routing) if routing else None
        return cls(**values)


@dataclass(frozen=True, slots=True)
class NewEntry:
    operation: str
    mode: str
    item: str
    transaction_time: str
    uids: tuple[str, ...] = ()
    patron: str | None = None
    title: str | None = None
    due: str | None = None
    prior_due: str | None = None


@dataclass(frozen=True, slots=True)
class Counts:
    queued: int
    unfinished: int
    conflicts: int
    failed: int


class Journal:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.db = store.db
        self._clock = clock
        self._ids = Uuid7Source(lambda: secrets.randbits(62))
        self._ids_lock = threading.Lock()

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def new_id(self) -> str:
        with self._ids_lock:
            return self._ids.next(self._now_ms())

    # ------------------------------------------------------------- writing

    def begin(self, entries: Sequence[NewEntry], *, state: str = "pending",
              batch_id: str | None = None, events: Iterable[Event] = ()) -> list[Entry]:
        """Record new entries (one transaction, durable on return)."""
        now = self._now_ms()
        batch = batch_id or self.new_id()
        ids: list[int] = []
        with self.db.write() as conn:
            for new in entries:
                cur = conn.execute(
                    "INSERT INTO circulation_journal (txn_id, batch_id, operation, mode, state, "
                    "item, uids, patron, title, transaction_time, due, prior_due, created_ms, "
                    "updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (self.new_id(), batch, new.operation, new.mode, state, new.item,
                     ",".join(new.uids), new.patron, new.title, new.transaction_time, new.due,
                     new.prior_due, now, now))
                assert cur.lastrowid is not None
                ids.append(cur.lastrowid)
            for event in events:
                self.store.outbox.append(event, conn=conn)
            rows = conn.execute(f"{_SELECT} WHERE id IN ({','.join('?' * len(ids))}) "
                                "ORDER BY id", ids).fetchall() if ids else []
        return [Entry.from_row(row) for row in rows]

    def update(self, entry_id: int, events: Iterable[Event] = (), **changes: Any) -> Entry:
        """Change an entry and record ``events`` in one transaction."""
        unknown = set(changes) - _MUTABLE
        if unknown:
            raise ValueError(f"journal columns that cannot change: {sorted(unknown)}")
        if "routing" in changes and changes["routing"] is not None:
            changes["routing"] = json.dumps(changes["routing"], ensure_ascii=False,
                                            sort_keys=True)
        if "uids" in changes:
            changes["uids"] = ",".join(changes["uids"])
        changes["updated_ms"] = self._now_ms()
        sets = ", ".join(f"{name} = ?" for name in changes)
        with self.db.write() as conn:
            conn.execute(f"UPDATE circulation_journal SET {sets} WHERE id = ?",
                         (*changes.values(), entry_id))
            for event in events:
                self.store.outbox.append(event, conn=conn)
            row = conn.execute(f"{_SELECT} WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise KeyError(f"no journal entry {entry_id}")
        return Entry.from_row(row)

    def record_events(self, events: Iterable[Event]) -> None:
        """Events without a journal change (alerts), in one transaction."""
        with self.db.write() as conn:
            for event in events:
                self.store.outbox.append(event, conn=conn)

    # ------------------------------------------------------------- reading

    def get(self, entry_id: int) -> Entry:
        rows = self.db.query(f"{_SELECT} WHERE id = ?", (entry_id,))
        if not rows:
            raise KeyError(f"no journal entry {entry_id}")
        return Entry.from_row(rows[0])

    def unfinished(self) -> list[Entry]:
        """Entries a crash (or a lost ILS) left in the middle, oldest first."""
        return [Entry.from_row(r) for r in self.db.query(
            f"{_SELECT} WHERE state IN ('pending', 'ils_done') ORDER BY id")]

    def queued(self, limit: int = 10_000) -> list[Entry]:
        """Offline transactions waiting for replay, in the order they were made."""
        return [Entry.from_row(r) for r in self.db.query(
            f"{_SELECT} WHERE state = 'queued' ORDER BY id LIMIT ?", (limit,))]

    def offline_loans(self, patron: str) -> int:
        """Offline checkouts of ``patron`` not yet replayed (or unfinished)."""
        return int(self.db.scalar(
            "SELECT count(*) FROM circulation_journal WHERE patron = ? AND mode = 'offline' "
            "AND operation = 'checkout' AND state IN ('pending', 'queued')", (patron,)))

    def offline_entries(self, patron: str) -> list[Entry]:
        return [Entry.from_row(r) for r in self.db.query(
            f"{_SELECT} WHERE patron = ? AND mode = 'offline' AND state IN ('pending', "
            "'queued') ORDER BY id", (patron,))]

    def problems(self, since_ms: int = 0, limit: int = 1000) -> list[Entry]:
        """Replayed entries with a conflict or that failed, and entries with a
        staff alert, newest first."""
        return [Entry.from_row(r) for r in self.db.query(
            f"{_SELECT} WHERE (state IN ('conflict', 'failed') OR alert IS NOT NULL) "
            "AND updated_ms >= ? ORDER BY id DESC LIMIT ?", (since_ms, limit))]

    def offline_history(self, since_ms: int = 0, limit: int = 10_000) -> list[Entry]:
        return [Entry.from_row(r) for r in self.db.query(
            f"{_SELECT} WHERE mode = 'offline' AND created_ms >= ? ORDER BY id LIMIT ?",
            (since_ms, limit))]

    def counts(self) -> Counts:
        by_state = {str(state): int(n) for state, n in self.db.query(
            "SELECT state, count(*) FROM circulation_journal WHERE state IN ('queued', "
            "'pending', 'ils_done', 'conflict', 'failed') GROUP BY state")}
        return Counts(by_state.get("queued", 0),
                      by_state.get("pending", 0) + by_state.get("ils_done", 0),
                      by_state.get("conflict", 0), by_state.get("failed", 0))

    # ------------------------------------------------------- small state

    def get_state(self, name: str) -> str | None:
        value = self.db.scalar("SELECT value FROM circulation_state WHERE name = ?", (name,))
        return None if value is None else str(value)

    def set_state(self, name: str, value: str | None) -> None:
        with self.db.write() as conn:
            if value is None:
                conn.execute("DELETE FROM circulation_state WHERE name = ?", (name,))
            else:
                conn.execute("INSERT INTO circulation_state (name, value) VALUES (?, ?) "
                             "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                             (name, value))
