"""Events of a device service on their way into the outbox.

A service (gate, book drop) must never wait for SQLite: an outbox write is
an fsync, which on an SD card can take tens of milliseconds. It puts events
in this queue and carries on; :meth:`EventQueue.run` writes them on a worker
thread, in order, retrying (with back-off) while the database is busy or
the disk fails, so an alarm is never lost to a transient error. An event
that breaks its schema is a bug: logged and dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3

from edge.contract import PayloadError
from edge.contract.envelope import Event
from edge.store import Store, StoreError

log = logging.getLogger(__name__)


class EventQueue:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        #: Events written since start.
        self.written = 0

    def emit(self, event: Event) -> None:
        self._queue.put_nowait(event)

    async def run(self) -> None:
        """Write events until cancelled."""
        while True:
            event = await self._queue.get()
            try:
                await self._append(event)
            finally:
                self._queue.task_done()

    async def _append(self, event: Event) -> None:
        delay = 0.5
        while True:
            try:
                await asyncio.to_thread(self.store.outbox.append, event)
                self.written += 1
                return
            except PayloadError as exc:
                log.error("event refused by its schema", extra={"fields": {
                    "type": event.type, "error": str(exc)}})
                return
            except (StoreError, sqlite3.Error, OSError) as exc:
                log.warning("cannot record an event; retrying in %.1f s", delay,
                            extra={"fields": {"type": event.type, "error": str(exc)}})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    async def drain(self, timeout_s: float = 10.0) -> None:
        """Until every event emitted so far is written (or the timeout)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await self._queue.join()
