"""The circulation service's moving parts: its event stream to the UI, its
status (ILS, queue, reader, lock) and the supervised background tasks that
keep them current. A base of :class:`~edge.circulation.service.CirculationService`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from drivers.cards import CardPresented as CardEvent
from drivers.cards import CardReader
from drivers.rfid import Reader, ReaderState
from drivers.rfid.errors import ReaderError
from edge.circulation.ilslink import IlsLink
from edge.circulation.journal import Journal
from edge.circulation.model import (
    CardPresented,
    CardUid,
    LockChanged,
    OfflineStatus,
    QueueChanged,
    ReaderChanged,
    ScannedCode,
    ServiceEvent,
    Stack,
    StackChanged,
)
from edge.circulation.offline import OfflinePolicy
from edge.circulation.settings import CirculationSettings
from edge.circulation.stackwatch import PadWatcher
from edge.store import Store
from edge.store.control import LockState

log = logging.getLogger(__name__)


class Background:
    store: Store
    settings: CirculationSettings
    clock: Callable[[], datetime]
    reader: Reader | None
    journal: Journal
    ils: IlsLink
    policy: OfflinePolicy
    watcher: PadWatcher | None
    _subscribers: set[asyncio.Queue[ServiceEvent]]
    _tasks: set[asyncio.Task[None]]
    _lock_state: LockState
    _status: OfflineStatus
    _reader_state: str
    _started: bool
    _own_reader: bool

    # ------------------------------------------------------------ events

    def _emit(self, event: ServiceEvent) -> None:
        for queue in self._subscribers:
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                log.warning("a subscriber is not reading; event dropped")

    def _stack_changed(self, stack: Stack) -> None:
        self._emit(StackChanged(stack))

    def _reader_event(self, state: str, error: str | None) -> None:
        if state != self._reader_state:
            self._reader_state = state
            self._emit(ReaderChanged(state, error))
            self._spawn("status report", self._report, "reader")

    # ------------------------------------------------------------ status

    async def _refresh_status(self) -> None:
        counts = await asyncio.to_thread(self.journal.counts)
        now = self.clock()
        since = self.ils.offline_since
        status = OfflineStatus(
            ils_online=self.ils.online, offline_since=since.replace(tzinfo=None) if since
            else None, queued=counts.queued, conflicts=counts.conflicts + counts.failed,
            unfinished=counts.unfinished,
            accepting=self.ils.online or self.policy.accepting(since, now))
        if status != self._status:
            self._status = status
            self._emit(QueueChanged(status))

    # ------------------------------------------------------------ tasks

    def _spawn(self, name: str, work: Callable[..., Coroutine[Any, Any, None]],
               *args: Any) -> None:
        """Run ``work(*args)`` as a supervised task (not once closing). The
        coroutine is made inside the task, so a task cancelled before it
        starts leaves no coroutine never awaited."""
        if not self._started:
            return
        task = asyncio.create_task(self._supervised(name, work, *args), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _supervised(self, name: str, work: Callable[..., Coroutine[Any, Any, None]],
                          *args: Any) -> None:
        try:
            await work(*args)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the task supervisor: log with the traceback
            log.exception("circulation task failed", extra={"fields": {"task": name}})

    async def _keep_reader(self) -> None:
        """Open the reader until it answers, then poll the pad."""
        assert self.reader is not None and self.watcher is not None
        delay = 0.5
        while self.reader.state is not ReaderState.CONNECTED:
            try:
                await self.reader.open()
            except ReaderError as exc:
                self._reader_event(ReaderState.DISCONNECTED.value, str(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
        await self.watcher.run()

    async def _watch_lock(self) -> None:
        async for state in self.store.kiosk_lock.changes():
            self._lock_state = state
            self._emit(LockChanged(state.locked, state.reason, state.version))

    async def _watch_cards(self, reader: CardReader) -> None:
        async with contextlib.aclosing(reader.events()) as stream:
            async for event in stream:
                if not isinstance(event, CardEvent):
                    continue
                if event.text:  # a card number written on the card
                    self._emit(CardPresented(ScannedCode(event.text, "nfc-text")))
                elif event.uri:  # a digital library card on a phone
                    self._emit(CardPresented(ScannedCode(event.uri, "nfc-uri")))
                elif event.uid is not None:
                    self._emit(CardPresented(CardUid(event.uid, event.reader)))

    async def _report_status(self) -> None:
        while True:
            await self._report("ils")
            await self._report("reader")
            await asyncio.sleep(self.settings.status_interval_s)

    async def _report(self, component: str) -> None:
        board = self.store.status
        if component == "ils":
            status = self._status
            if status.ils_online:
                await asyncio.to_thread(board.report, "ils", "ok", None)
            else:
                detail = f"offline since {status.offline_since}; {status.queued} queued"
                await asyncio.to_thread(board.report, "ils", "degraded" if status.accepting
                                        else "down", detail)
        elif self.reader is not None and self._own_reader:
            ok = self._reader_state == ReaderState.CONNECTED.value
            await asyncio.to_thread(board.report, "reader", "ok" if ok else "down",
                                    None if ok else self._reader_state)
