"""What the agent asks of the device's other services, through the store.

The agent is its own process; the kiosk (with circulation) or the book drop
is another. They share the device's database, so that is where a remote
command meets the service that carries it out, durably:

* :class:`KioskLock` - the kiosk's lock (out-of-service screen). The agent
  sets it; the kiosk watches it (:meth:`KioskLock.changes`) and acknowledges
  what it shows. It survives restarts: a kiosk locked for maintenance stays
  locked after a reboot.
* :class:`ControlRequests` - a request/response mailbox for work only the
  service can do (``flush_offline_queue``: circulation replays its offline
  journal). The agent :meth:`~ControlRequests.call`\\ s; the service
  :meth:`~ControlRequests.serve`\\ s handlers such as
  :func:`offline_queue_handler` around its :class:`OfflineQueue`.
* :class:`StatusBoard` - each service reports its components (reader, ILS,
  printer...) so the agent's health telemetry can say how they are.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from edge.store.db import Database

ComponentStatus = Literal["ok", "degraded", "down", "unknown"]


def _now_ms(clock: Callable[[], float]) -> int:
    return int(clock() * 1000)


# ------------------------------------------------------------------ kiosk lock

@dataclass(frozen=True, slots=True)
class LockState:
    locked: bool
    reason: str | None
    changed_by: str | None
    changed_ms: int | None
    #: Increases with every change.
    version: int
    #: The last version the kiosk acknowledged showing.
    applied_version: int

    @property
    def applied(self) -> bool:
        return self.applied_version >= self.version


class KioskLock:
    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self._clock = clock

    def get(self) -> LockState:
        rows = self.db.query("SELECT locked, reason, changed_by, changed_ms, version, "
                             "applied_version FROM kiosk_lock WHERE id = 1")
        if not rows:
            return LockState(False, None, None, None, 0, 0)
        locked, reason, by, changed, version, applied = rows[0]
        return LockState(bool(locked), reason, by, changed, int(version), int(applied))

    def set(self, locked: bool, reason: str | None = None, by: str | None = None) -> LockState:
        """Lock or unlock; returns the new state (a new version, not yet applied)."""
        now = _now_ms(self._clock)
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO kiosk_lock (id, locked, reason, changed_by, changed_ms, version, "
                "applied_version) VALUES (1, ?, ?, ?, ?, 1, 0) ON CONFLICT(id) DO UPDATE SET "
                "locked = excluded.locked, reason = excluded.reason, changed_by = "
                "excluded.changed_by, changed_ms = excluded.changed_ms, version = version + 1",
                (int(locked), reason, by, now))
        return self.get()

    def acknowledge(self, version: int) -> None:
        """The kiosk now shows the state of ``version``."""
        with self.db.write() as conn:
            conn.execute("UPDATE kiosk_lock SET applied_version = max(applied_version, ?) "
                         "WHERE id = 1", (version,))

    async def wait_applied(self, version: int, timeout_s: float,
                           poll_s: float = 0.1) -> LockState:
        """The state once the kiosk has applied ``version``, or at the timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            state = await asyncio.to_thread(self.get)
            if state.applied_version >= version or loop.time() >= deadline:
                return state
            await asyncio.sleep(poll_s)

    async def changes(self, poll_s: float = 0.25) -> AsyncIterator[LockState]:
        """The current state, then each new one (for the kiosk to render)."""
        last_version = -1
        last_data = -1
        while True:
            data = await asyncio.to_thread(self.db.data_version)
            if data != last_data:
                last_data = data
                state = await asyncio.to_thread(self.get)
                if state.version != last_version:
                    last_version = state.version
                    yield state
            await asyncio.sleep(poll_s)


# ------------------------------------------------------------ control requests

@dataclass(frozen=True, slots=True)
class Outcome:
    state: Literal["done", "failed", "expired", "running"]
    result: dict[str, Any] | None = None
    error: str | None = None


Handler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class ControlRequests:
    """Requests from the agent to the device's services, in the store."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self._clock = clock

    def submit(self, name: str, args: Mapping[str, Any], timeout_s: float) -> int:
        now = _now_ms(self._clock)
        with self.db.write() as conn:
            cur = conn.execute(
                "INSERT INTO control_requests (name, args, requested_ms, deadline_ms) "
                "VALUES (?, ?, ?, ?)", (name, json.dumps(dict(args)), now,
                                        now + int(timeout_s * 1000)))
            if cur.lastrowid is None:
                raise RuntimeError("SQLite returned no rowid for an insert")
            return cur.lastrowid

    def claim(self, names: Sequence[str]) -> tuple[int, str, dict[str, Any]] | None:
        """The oldest open request for one of ``names``, now claimed by the
        caller, or None. Requests past their deadline are expired instead."""
        now = _now_ms(self._clock)
        marks = ",".join("?" * len(names))
        with self.db.write() as conn:
            conn.execute("UPDATE control_requests SET state = 'expired' WHERE state = "
                         "'pending' AND deadline_ms <= ?", (now,))
            row = conn.execute(
                f"SELECT id, name, args FROM control_requests WHERE state = 'pending' AND "
                f"name IN ({marks}) ORDER BY id LIMIT 1", tuple(names)).fetchone()
            if row is None:
                return None
            conn.execute("UPDATE control_requests SET state = 'running', claimed_ms = ? "
                         "WHERE id = ?", (now, row[0]))
        return int(row[0]), str(row[1]), json.loads(row[2])

    def complete(self, request_id: int, result: Mapping[str, Any] | None = None,
                 error: str | None = None) -> None:
        with self.db.write() as conn:
            conn.execute(
                "UPDATE control_requests SET state = ?, done_ms = ?, result = ?, error = ? "
                "WHERE id = ?", ("failed" if error is not None else "done",
                                 _now_ms(self._clock),
                                 None if result is None else json.dumps(dict(result)),
                                 None if error is None else error[:2000], request_id))

    def outcome(self, request_id: int) -> Outcome | None:
        rows = self.db.query("SELECT state, result, error FROM control_requests WHERE id = ?",
                             (request_id,))
        if not rows or rows[0][0] == "pending":
            return None
        state, result, error = rows[0]
        return Outcome(state, None if result is None else json.loads(result), error)

    def expire_if_unclaimed(self, request_id: int) -> bool:
        with self.db.write() as conn:
            return conn.execute("UPDATE control_requests SET state = 'expired' WHERE id = ? "
                                "AND state = 'pending'", (request_id,)).rowcount == 1

    async def call(self, name: str, args: Mapping[str, Any], timeout_s: float,
                   poll_s: float = 0.05) -> Outcome:
        """Submit a request and wait for its outcome. Nobody claimed it in
        time: ``expired`` (the service is not running). Claimed but not done:
        ``running``."""
        request_id = await asyncio.to_thread(self.submit, name, args, timeout_s)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while loop.time() < deadline:
            outcome = await asyncio.to_thread(self.outcome, request_id)
            if outcome is not None and outcome.state in ("done", "failed"):
                return outcome
            await asyncio.sleep(poll_s)
        if await asyncio.to_thread(self.expire_if_unclaimed, request_id):
            return Outcome("expired")
        outcome = await asyncio.to_thread(self.outcome, request_id)
        return outcome if outcome is not None else Outcome("expired")

    async def serve(self, handlers: Mapping[str, Handler], poll_s: float = 0.1) -> None:
        """Carry out requests for ``handlers`` until cancelled (the service's
        side). A handler's :class:`~edge.errors.EdgeError` or ``ValueError``
        becomes the request's error; anything else propagates to the
        service's supervisor after being recorded."""
        names = tuple(handlers)
        while True:
            claimed = await asyncio.to_thread(self.claim, names)
            if claimed is None:
                await asyncio.sleep(poll_s)
                continue
            request_id, name, args = claimed
            try:
                result = await handlers[name](args)
            except (ValueError, OSError) as exc:
                await asyncio.to_thread(self.complete, request_id, None, str(exc))
                continue
            except BaseException as exc:
                await asyncio.to_thread(self.complete, request_id, None,
                                        f"{type(exc).__name__}: {exc}")
                raise
            await asyncio.to_thread(self.complete, request_id, result)



@dataclass(frozen=True, slots=True)
class FlushReport:
    replayed: int
    conflicts: int
    remaining: int


class OfflineQueue(Protocol):
    """Circulation's offline journal, as the ``flush_offline_queue`` command
    sees it: replay now what was recorded while the ILS was unreachable."""

    async def flush(self) -> FlushReport: ...


def offline_queue_handler(queue: OfflineQueue) -> Handler:
    """The :class:`ControlRequests` handler for ``flush_offline_queue``."""

    async def handle(_args: dict[str, Any]) -> dict[str, Any]:
        report = await queue.flush()
        return {"replayed": report.replayed, "conflicts": report.conflicts,
                "remaining": report.remaining}

    return handle


# ---------------------------------------------------------------- status board

@dataclass(frozen=True, slots=True)
class ComponentState:
    status: ComponentStatus
    detail: str | None
    since_ms: int
    updated_ms: int


class StatusBoard:
    """Components' status, reported by the services that own them."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self._clock = clock

    def report(self, component: str, status: ComponentStatus, detail: str | None = None) -> None:
        now = _now_ms(self._clock)
        with self.db.write() as conn:
            conn.execute(
                "INSERT INTO component_status (component, status, detail, since_ms, updated_ms) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(component) DO UPDATE SET "
                "since_ms = CASE WHEN status = excluded.status THEN since_ms ELSE "
                "excluded.since_ms END, status = excluded.status, detail = excluded.detail, "
                "updated_ms = excluded.updated_ms", (component, status, detail, now, now))

    def snapshot(self) -> dict[str, ComponentState]:
        return {str(name): ComponentState(status, detail, int(since), int(updated))
                for name, status, detail, since, updated in self.db.query(
                    "SELECT component, status, detail, since_ms, updated_ms FROM "
                    "component_status ORDER BY component")}
