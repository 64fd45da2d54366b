"""The device's event outbox: every event the device owes the centre, in
order, durable before the producer is told it is recorded.

Producers (circulation, the gate, the book drop, the agent's own health)
call :meth:`Outbox.append`; the agent drains with :meth:`Outbox.pending`,
:meth:`Outbox.record_delivery` (after the broker's PUBACK) and
:meth:`Outbox.mark_refused`, records the centre's receipts with
:meth:`Outbox.confirm`, sends again what a broker acknowledged but the
centre never receipted (:meth:`Outbox.requeue_unconfirmed`), and applies
:meth:`Outbox.enforce` (the retention policy) now and then.

An event's life: pending -> acknowledged by the broker (``acked_ms``) ->
confirmed by the centre's receipt (``confirmed_ms``). Only confirmed events
leave the device's books.

Retention: the outbox has a capacity in pending events. Acknowledged events
are kept for ``keep_acked_s`` (local history) and go first when space is
short; then pending *health* events, oldest first. Transactions, alerts and
conflicts are never dropped: past capacity they are still kept (the disk is
the hard limit) and the agent raises the alarm, which it raises already at
``alarm_ratio`` of capacity.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from edge.contract.envelope import MAX_EVENT_BYTES, Event, PayloadError, encode_payload
from edge.contract.ids import Uuid7Source
from edge.contract.receipts import runs
from edge.store.db import Database

if TYPE_CHECKING:
    import sqlite3

#: Room left in an event for the envelope around the payload.
ENVELOPE_ALLOWANCE = 1024


class EventChecker(Protocol):
    def check_event(self, event: Event) -> None: ...


@dataclass(frozen=True, slots=True)
class Appended:
    seq: int
    event_id: str
    device_time: str


@dataclass(frozen=True, slots=True)
class Pending:
    """An event not yet acknowledged by the broker."""

    seq: int
    event_id: str
    type: str
    schema: int
    device_time: str
    payload: str
    event_class: str
    attempts: int


@dataclass(frozen=True, slots=True)
class Depth:
    #: Waiting to be sent (not acknowledged by the broker).
    pending: int
    by_class: dict[str, int]
    oldest_pending_ms: int | None
    refused: int
    dropped_health: int
    total_rows: int
    #: Acknowledged by the broker, not yet receipted by the centre.
    unconfirmed: int = 0


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    capacity: int = 200_000
    alarm_ratio: float = 0.8
    keep_acked_s: float = 24 * 3600.0
    #: An event is done when the centre receipted it (False: when the broker
    #: acknowledged it, for a centre that sends no receipts).
    confirmations: bool = True

    @property
    def alarm_at(self) -> int:
        return max(1, int(self.capacity * self.alarm_ratio))


@dataclass(frozen=True, slots=True)
class RetentionReport:
    pending: int
    capacity: int
    deleted_acked: int
    dropped_health: int
    #: Pending events at or above the alarm threshold.
    alarm: bool
    #: Still above capacity after dropping everything it may drop.
    over_capacity: bool


def _local_time(unix_s: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(unix_s, zone).isoformat(timespec="milliseconds")


class Outbox:
    """The ``outbox`` table of a device store.

    ``checker`` validates each event against the contract's schemas before it
    is recorded (:class:`edge.mqtt.validation.ContractValidator`); ``None``
    skips it (only for bulk loads of events already checked). ``timezone``
    gives the device time its offset; ``clock`` returns Unix seconds.
    """

    def __init__(self, db: Database, *, checker: EventChecker | None,
                 timezone: str = "Asia/Ho_Chi_Minh",
                 clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self._checker = checker
        self._zone = ZoneInfo(timezone)
        self._clock = clock
        self._ids = Uuid7Source(lambda: secrets.randbits(62))
        self._ids_lock = threading.Lock()

    # ------------------------------------------------------------ producers

    def _row(self, event: Event) -> tuple[str, str, int, str, str, int, str]:
        if self._checker is not None:
            self._checker.check_event(event)
        payload = encode_payload(event.payload)
        size = len(payload.encode("utf-8"))
        if size > MAX_EVENT_BYTES - ENVELOPE_ALLOWANCE:
            raise PayloadError("oversized", "/payload", f"payload of {size} bytes exceeds "
                               f"{MAX_EVENT_BYTES - ENVELOPE_ALLOWANCE}")
        now = self._clock()
        with self._ids_lock:
            event_id = self._ids.next(int(now * 1000))
        return (event_id, event.type, event.schema, event.event_class,
                _local_time(now, self._zone), int(now * 1000), payload)

    _INSERT = ("INSERT INTO outbox (event_id, type, schema_version, event_class, device_time, "
               "created_ms, payload) VALUES (?, ?, ?, ?, ?, ?, ?)")

    def append(self, event: Event, *, conn: sqlite3.Connection | None = None) -> Appended:
        """Record ``event``; when this returns without ``conn`` it is on disk.

        With ``conn`` (a connection inside the caller's open transaction, e.g.
        ``session.connection().connection.driver_connection`` of a sqlmodel
        session on the same store) the event is written in that transaction
        and is durable when the caller commits: a journal entry and its event
        are recorded together or not at all. Raises
        :class:`~edge.contract.PayloadError` if the event breaks its schema.
        """
        row = self._row(event)
        if conn is not None:
            seq = conn.execute(self._INSERT, row).lastrowid
        else:
            with self.db.write() as own:
                seq = own.execute(self._INSERT, row).lastrowid
        if seq is None:
            raise RuntimeError("SQLite returned no rowid for an insert")
        return Appended(seq, row[0], row[4])

    def append_many(self, events: Sequence[Event]) -> int:
        """Record several events in one transaction (bulk loads, tests)."""
        rows = [self._row(event) for event in events]
        with self.db.write() as conn:
            conn.executemany(self._INSERT, rows)
        return len(rows)

    # ---------------------------------------------------------------- drain

    def pending(self, after_seq: int = 0, limit: int = 500) -> list[Pending]:
        """Unacknowledged, unrefused events after ``after_seq``, in order."""
        rows = self.db.query(
            "SELECT seq, event_id, type, schema_version, device_time, payload, event_class, "
            "attempts FROM outbox WHERE acked_ms IS NULL AND refused_ms IS NULL AND seq > ? "
            "ORDER BY seq LIMIT ?", (after_seq, limit))
        return [Pending(*row) for row in rows]

    def record_delivery(self, acked: Sequence[int], attempted: Sequence[int] = ()) -> None:
        """In one transaction: ``acked`` events were acknowledged by the broker
        (PUBACK); ``attempted`` ones were handed to it (attempts + 1)."""
        if not acked and not attempted:
            return
        now = int(self._clock() * 1000)
        with self.db.write() as conn:
            if attempted:
                conn.executemany(
                    "UPDATE outbox SET attempts = attempts + 1, sent_ms = COALESCE(sent_ms, ?) "
                    "WHERE seq BETWEEN ? AND ?", [(now, a, b) for a, b in runs(attempted)])
            if acked:
                conn.executemany("UPDATE outbox SET acked_ms = ? WHERE seq BETWEEN ? AND ? AND "
                                 "acked_ms IS NULL", [(now, a, b) for a, b in runs(acked)])

    def mark_refused(self, seq: int, reason: str) -> None:
        """The broker refused the event for good (e.g. not authorised): keep it,
        out of the pending set, with the reason, for staff to see."""
        now = int(self._clock() * 1000)
        with self.db.write() as conn:
            conn.execute("UPDATE outbox SET refused_ms = ?, refusal = ? WHERE seq = ?",
                         (now, reason[:200], seq))
            _bump(conn, "refused", 1)

    def requeue_since(self, since_ms: int) -> int:
        """Make events acknowledged at or after ``since_ms`` pending again (the
        broker lost them); returns how many. Their ids do not change, so the
        relay stores each once."""
        with self.db.write() as conn:
            return int(conn.execute("UPDATE outbox SET acked_ms = NULL WHERE acked_ms >= ?",
                                    (since_ms,)).rowcount)

    def confirm(self, ranges: Sequence[tuple[int, int]]) -> int:
        """The centre has stored the events in ``ranges`` (first, last seq)."""
        if not ranges:
            return 0
        now = int(self._clock() * 1000)
        with self.db.write() as conn:
            return int(conn.executemany(
                "UPDATE outbox SET confirmed_ms = ?, acked_ms = COALESCE(acked_ms, ?) "
                "WHERE seq BETWEEN ? AND ? AND confirmed_ms IS NULL",
                [(now, now, a, b) for a, b in ranges]).rowcount)

    def newest_acked_ms(self, ranges: Sequence[tuple[int, int]]) -> int | None:
        """When the broker acknowledged the newest of the not yet confirmed
        events in ``ranges`` (an event receipted before its PUBACK was
        recorded counts as acknowledged now); None if there is none."""
        now = int(self._clock() * 1000)
        newest: int | None = None
        for first, last in ranges:
            value = self.db.scalar(
                "SELECT max(COALESCE(acked_ms, ?)) FROM outbox WHERE seq BETWEEN ? AND ? "
                "AND confirmed_ms IS NULL AND refused_ms IS NULL", (now, first, last))
            if value is not None and (newest is None or int(value) > newest):
                newest = int(value)
        return newest

    def requeue_unconfirmed(self, older_than_ms: int) -> int:
        """Make pending again the events the broker acknowledged before
        ``older_than_ms`` but the centre never receipted; how many."""
        with self.db.write() as conn:
            return int(conn.execute(
                "UPDATE outbox SET acked_ms = NULL WHERE acked_ms IS NOT NULL AND "
                "confirmed_ms IS NULL AND acked_ms < ? AND refused_ms IS NULL",
                (older_than_ms,)).rowcount)

    def refused(self, limit: int = 100) -> list[tuple[int, str, str, str]]:
        """(seq, event id, type, reason) of refused events, newest first."""
        return [(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in self.db.query(
            "SELECT seq, event_id, type, refusal FROM outbox WHERE refused_ms IS NOT NULL "
            "ORDER BY seq DESC LIMIT ?", (limit,))]

    # ----------------------------------------------------------- retention

    def depth(self) -> Depth:
        by_class = {str(cls): int(n) for cls, n in self.db.query(
            "SELECT event_class, count(*) FROM outbox WHERE acked_ms IS NULL AND "
            "refused_ms IS NULL GROUP BY event_class")}
        oldest = self.db.scalar("SELECT min(created_ms) FROM outbox WHERE acked_ms IS NULL "
                                "AND refused_ms IS NULL")
        refused = self.db.scalar("SELECT count(*) FROM outbox WHERE refused_ms IS NOT NULL")
        total = self.db.scalar("SELECT count(*) FROM outbox")
        unconfirmed = self.db.scalar("SELECT count(*) FROM outbox WHERE acked_ms IS NOT NULL "
                                     "AND confirmed_ms IS NULL AND refused_ms IS NULL")
        return Depth(sum(by_class.values()), by_class, oldest, int(refused),
                     self.counter("dropped_health"), int(total), int(unconfirmed))

    def counter(self, name: str) -> int:
        value = self.db.scalar("SELECT value FROM counters WHERE name = ?", (name,))
        return int(value or 0)

    def enforce(self, policy: RetentionPolicy) -> RetentionReport:
        """Apply the retention policy (see the module's docstring)."""
        now_ms = int(self._clock() * 1000)
        done = "confirmed_ms" if policy.confirmations else "acked_ms"
        owed = f"{done} IS NULL AND refused_ms IS NULL"
        with self.db.write() as conn:
            deleted = conn.execute(
                f"DELETE FROM outbox WHERE {done} IS NOT NULL AND {done} < ?",
                (now_ms - int(policy.keep_acked_s * 1000),)).rowcount
            total = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
            if total > policy.capacity:  # short of room: history goes first
                deleted += conn.execute(
                    f"DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE {done} "
                    "IS NOT NULL ORDER BY seq LIMIT ?)", (total - policy.capacity,)).rowcount
            pending = conn.execute(f"SELECT count(*) FROM outbox WHERE {owed}").fetchone()[0]
            dropped = 0
            if pending > policy.capacity:
                dropped = conn.execute(
                    "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE event_class "
                    f"= 'health' AND {owed} ORDER BY seq LIMIT ?)",
                    (pending - policy.capacity,)).rowcount
                pending -= dropped
                _bump(conn, "dropped_health", dropped)
        return RetentionReport(pending, policy.capacity, deleted, dropped,
                               alarm=pending >= policy.alarm_at,
                               over_capacity=pending > policy.capacity)


def _bump(conn: sqlite3.Connection, name: str, by: int) -> None:
    if by:
        conn.execute("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT(name) "
                     "DO UPDATE SET value = value + excluded.value", (name, by))
