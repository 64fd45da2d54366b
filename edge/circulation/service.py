"""The circulation service: the one object a kiosk or a book drop calls
(docs/circulation.md). It owns the item reader's pad, the ILS link, the
journal and the caches of one device, runs on the process's asyncio loop,
and answers every request with a typed result.

    service = service_from_config(loaded)          # edge.circulation.factory
    async with service:
        async for event in service.events(): ...   # stack, progress, ILS, lock
        found = await service.identify(CardUid(uid))
        result = await service.checkout(found.patron)

Background tasks (started by :meth:`start`): the pad poll, the patron card
reader, the ILS probe while offline (then recovery and replay), the agent's
"flush offline queue" requests, the kiosk lock, and status reports.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from types import TracebackType

from drivers.cards import CardReader
from drivers.rfid import Reader, ReaderState
from drivers.rfid.errors import ReaderError
from edge.circulation.account import Accounts
from edge.circulation.background import Background
from edge.circulation.caches import Caches
from edge.circulation.errors import IlsUnavailable
from edge.circulation.identify import Identifier, PatronRules
from edge.circulation.ilslink import IlsLink
from edge.circulation.model import (
    Credential,
    IdentifyResult,
    IlsChanged,
    ItemResult,
    LockChanged,
    OfflineStatus,
    Operation,
    Patron,
    ReaderChanged,
    ServiceEvent,
    ServiceStatus,
    Stack,
    StackChanged,
    StackItem,
    SummaryResult,
    TransactionResult,
)
from edge.circulation.offline import OfflinePolicy
from edge.circulation.reasons import Reason
from edge.circulation.receipt import Receipt, build_receipt
from edge.circulation.recovery import Recovery, RecoveryReport
from edge.circulation.replay import Replayer
from edge.circulation.settings import CirculationSettings
from edge.circulation.stackwatch import PadWatcher
from edge.circulation.tagsec import TagSecurity
from edge.circulation.transactions import Checkpoint, Engine, Unit, no_checkpoint
from edge.store import Store
from edge.store.control import FlushReport, LockState, offline_queue_handler

log = logging.getLogger(__name__)

#: Events kept for a subscriber that is not reading; older ones are dropped.
SUBSCRIBER_BACKLOG = 1000


class CirculationService(Background):
    """``clock`` returns the library's local time (aware). ``checkpoint`` is
    called after each durable step of a transaction (tests).
    ``own_reader=False``: the caller opens, polls and closes the reader (a
    book drop); the service watches no pad and only writes tags, for
    :meth:`checkin_read`."""

    def __init__(self, *, store: Store, ils: IlsLink, reader: Reader | None,
                 settings: CirculationSettings, clock: Callable[[], datetime],
                 card_reader: CardReader | None = None, rules: PatronRules | None = None,
                 checkpoint: Checkpoint = no_checkpoint, own_store: bool = False,
                 own_reader: bool = True) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.reader = reader
        self.card_reader = card_reader
        self.journal = ils.journal
        self.caches = Caches(store)
        self.ils = ils
        ils.on_change = self._ils_changed
        self.policy = OfflinePolicy(settings.offline, self.journal)
        self.tags = (TagSecurity(reader, settings.security, retries=settings.write_retries)
                     if reader is not None else None)
        self.engine = Engine(
            journal=self.journal, caches=self.caches, ils=ils, tags=self.tags,
            policy=self.policy, now=clock, emit=self._emit, institution=settings.institution,
            checkpoint=checkpoint, on_queue=self._queue_changed)
        self.recovery = Recovery(self.engine)
        self.replayer = Replayer(self.engine)
        self.identifier = Identifier(rules or PatronRules(settings.patron), ils, self.caches,
                                     settings.offline)
        self.accounts = Accounts(ils, self.caches, self.journal)
        self.watcher = (PadWatcher(reader, settings.pad, tag_model=settings.tags.model,
                                   title_source=self._title, on_change=self._stack_changed,
                                   on_reader=self._reader_event)
                        if reader is not None and own_reader else None)
        self._own_store = own_store
        self._own_reader = own_reader
        self._subscribers: set[asyncio.Queue[ServiceEvent]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._operation = asyncio.Lock()
        self._lock_state = LockState(False, None, None, None, 0, 0)
        self._status = OfflineStatus(True, None, 0, 0, 0, True)
        self._reader_state = reader.state.value if reader is not None else "absent"
        self._started = False
        #: PII -> (operation, patron, result) of what was done to items still
        #: on the pad, so a repeated request does not do it twice.
        self._recent: dict[str, tuple[Operation, str | None, ItemResult]] = {}

    # ================================================================ life cycle

    async def start(self) -> None:
        """Open the reader (retrying in the background if it is not there),
        take over an offline period, finish interrupted transactions, and
        start the background tasks."""
        if self._started:
            return
        self._started = True
        await self.ils.restore()
        await self.ils.probe()
        if self.reader is not None:
            self.reader.add_state_listener(lambda state: self._reader_event(state.value, None))
        if self.reader is not None and self._own_reader:
            with contextlib.suppress(ReaderError):
                if self.reader.state is ReaderState.CLOSED:
                    await self.reader.open()
        await self.recover()
        if self.ils.online:
            await self.flush()
        await self._refresh_status()
        if self.watcher is not None:
            self._spawn("reader", self._keep_reader)
        self._spawn("ILS probe", self._watch_ils)
        self._spawn("control requests", self.store.requests.serve,
                    {"flush_offline_queue": offline_queue_handler(self)})
        self._spawn("kiosk lock", self._watch_lock)
        self._spawn("status board", self._report_status)
        if self.card_reader is not None:
            self._spawn("patron cards", self._watch_cards, self.card_reader)

    async def close(self) -> None:
        self._started = False
        tasks, self._tasks = list(self._tasks), set()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.ils.close()
        if self.reader is not None and self._own_reader:
            await self.reader.close()
        if self._own_store:
            self.store.close()

    async def __aenter__(self) -> CirculationService:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()

    # ================================================================ patrons

    async def identify(self, credential: Credential, pin: str | None = None) -> IdentifyResult:
        """Who this is. ``pin_required``: ask for the PIN, then call again
        with the same credential and ``pin``."""
        return await self.identifier.identify(credential, pin)

    async def summary(self, patron: Patron) -> SummaryResult:
        """Loans (with due dates), holds, fines and blocks, for the account screen."""
        return await self.accounts.summary(patron, self.clock())

    # ================================================================ the pad

    @property
    def stack(self) -> Stack:
        """What is on the pad now (also sent as StackChanged events)."""
        return self.watcher.stack if self.watcher is not None else Stack()

    # =========================================================== transactions

    async def checkout(self, patron: Patron, items: Sequence[str] | None = None, *,
                       stated_count: int | None = None) -> TransactionResult:
        """Lend ``items`` (PIIs on the pad; default: every item on it) to
        ``patron``. ``stated_count``: the number of pieces the patron said
        they put down, compared with the tags on the pad."""
        if patron.blocked:
            return self._refuse_all("checkout", patron, items, Reason.PATRON_BLOCKED,
                                    patron.block_reason)
        return await self._on_pad("checkout", patron, items, stated_count)

    async def checkin(self, items: Sequence[str] | None = None, *,
                      stated_count: int | None = None) -> TransactionResult:
        """Return ``items`` on the pad (default: all). Each result carries the
        ILS's routing for a book drop to sort by."""
        return await self._on_pad("checkin", None, items, stated_count)

    async def checkin_read(self, items: Sequence[StackItem]) -> TransactionResult:
        """Return items whose tags the caller has already read on the
        service's reader (a book drop that polls its own chute): each names
        its PII, the UIDs of every part read and the parts found. An
        incomplete set is refused (``set_incomplete``) and left as it is."""
        if self.reader is None or self.reader.state is not ReaderState.CONNECTED:
            return TransactionResult("checkin", reason=Reason.READER_UNAVAILABLE)
        settled: list[ItemResult] = []
        units: list[Unit] = []
        for item in items:
            if not item.complete:
                settled.append(ItemResult(item.pii, "refused", item.title,
                                          Reason.SET_INCOMPLETE, uids=item.uids,
                                          missing_parts=item.missing_parts))
            else:
                title = item.title or await asyncio.to_thread(self.caches.title, item.pii)
                units.append(Unit(item.pii, item.uids, title))
        return await self._run("checkin", None, units, settled)

    async def renew(self, patron: Patron, items: Sequence[str]) -> TransactionResult:
        """Renew loans of ``patron`` by PII (the books need not be on the pad)."""
        if not items:
            return TransactionResult("renew", patron_id=patron.id, reason=Reason.NOTHING_TO_DO)
        units = [Unit(pii, (), await asyncio.to_thread(self.caches.title, pii),
                      prior_due=self.accounts.known_due.get(pii)) for pii in items]
        for unit in units:
            if unit.prior_due is None and self.ils.online:
                with contextlib.suppress(IlsUnavailable):
                    info = await self.ils.call(lambda c, p=unit.pii: c.item_information(p))  # type: ignore[misc]
                    if info.due is not None:
                        unit.prior_due = info.due.replace(microsecond=0).isoformat()
        return await self._run("renew", patron, units, [])

    async def renew_all(self, patron: Patron) -> TransactionResult:
        """Renew every loan of ``patron`` (each one its own journaled renewal)."""
        found = await self.summary(patron)
        if found.summary is None:
            return TransactionResult("renew", patron_id=patron.id, reason=found.reason)
        if found.summary.offline:
            return TransactionResult("renew", patron_id=patron.id, offline=True,
                                     reason=Reason.ILS_UNAVAILABLE)
        return await self.renew(patron, [loan.pii for loan in found.summary.loans])

    # ================================================================ offline

    async def flush(self) -> FlushReport:
        """Replay the offline journal now (the agent's "flush offline queue"
        command and the kiosk's staff screen)."""
        async with self._operation:
            if not self.ils.online:
                await self.ils.probe()
            if not self.ils.online:
                counts = await asyncio.to_thread(self.journal.counts)
                return FlushReport(0, 0, counts.queued)
            await self.recovery.run()
            report = await self.replayer.flush()
        await self._refresh_status()
        return report

    async def recover(self) -> RecoveryReport:
        """Finish or undo interrupted transactions (also run at start)."""
        async with self._operation:
            report = await self.recovery.run()
        await self._refresh_status()
        return report

    def status(self) -> ServiceStatus:
        lock = self._lock_state
        return ServiceStatus(self._status, self._reader_state, lock.locked, lock.reason,
                             lock.version)

    @property
    def offline_status(self) -> OfflineStatus:
        return self._status

    # ================================================================ receipts

    def receipt(self, patron: Patron | None, results: Sequence[TransactionResult],
                language: str | None = None) -> Receipt:
        """A receipt of this session's transactions (patron name masked)."""
        return build_receipt(self.settings, patron, results, self.clock(),
                             language or (patron.language if patron else None)
                             or self.settings.language)

    async def print_receipt(self, receipt: Receipt) -> bool:
        """Print on the configured ESC/POS printer; False when there is none
        or it failed (logged; the screen offers e-mail instead)."""
        from edge.circulation.delivery import print_receipt

        return await print_receipt(self.settings, receipt)

    async def email_receipt(self, receipt: Receipt, to: str | None = None) -> bool:
        """Send by e-mail (to ``to`` or the patron's address from the ILS)."""
        from edge.circulation.delivery import email_receipt

        return await email_receipt(self.settings, receipt, to)

    # ================================================================ events

    async def events(self) -> AsyncIterator[ServiceEvent]:
        """The state stream for a UI: first the current ILS, lock and stack
        state, then every change and each item's progress."""
        queue: asyncio.Queue[ServiceEvent] = asyncio.Queue(SUBSCRIBER_BACKLOG)
        self._subscribers.add(queue)
        try:
            lock = self._lock_state
            yield IlsChanged(self._status.ils_online, self._status)
            yield ReaderChanged(self._reader_state)
            yield LockChanged(lock.locked, lock.reason, lock.version)
            yield StackChanged(self.stack)
            while True:
                yield await queue.get()
        finally:
            self._subscribers.discard(queue)

    async def acknowledge_lock(self, version: int) -> None:
        """The kiosk now shows the lock state of ``version``."""
        await asyncio.to_thread(self.store.kiosk_lock.acknowledge, version)

    # ============================================================== internals

    async def _on_pad(self, operation: Operation, patron: Patron | None,
                      items: Sequence[str] | None, stated_count: int | None
                      ) -> TransactionResult:
        pid = patron.id if patron else None
        if self._lock_state.locked:
            return TransactionResult(operation, patron_id=pid, reason=Reason.DEVICE_LOCKED,
                                     detail=self._lock_state.reason)
        if self.watcher is None or self.reader is None or \
                self.reader.state is not ReaderState.CONNECTED:
            return TransactionResult(operation, patron_id=pid, reason=Reason.READER_UNAVAILABLE)
        stack = self.stack
        if stated_count is not None and not stack.count_matches(stated_count):
            return TransactionResult(operation, patron_id=pid, reason=Reason.COUNT_MISMATCH,
                                     detail=f"{stated_count} != {stack.tag_count}")
        wanted = [item.pii for item in stack.items] if items is None else list(items)
        if not wanted:
            return TransactionResult(operation, patron_id=pid, reason=Reason.NOTHING_TO_DO)
        settled: list[ItemResult] = []
        units: list[Unit] = []
        for pii in dict.fromkeys(wanted):
            item = stack.item(pii)
            earlier = self._recent.get(pii)
            if earlier is not None and earlier[:2] == (operation, pid):
                # Asked again (a second tap) while the item never left the pad:
                # the answer stands; nothing is done or recorded twice.
                settled.append(earlier[2])
            elif item is None:
                settled.append(ItemResult(pii, "refused", reason=Reason.NOT_ON_PAD))
            elif not item.complete:
                settled.append(ItemResult(pii, "refused", item.title, Reason.SET_INCOMPLETE,
                                          uids=item.uids, missing_parts=item.missing_parts))
            else:
                units.append(Unit(pii, item.uids, item.title))
        return await self._run(operation, patron, units, settled)

    async def _run(self, operation: Operation, patron: Patron | None, units: list[Unit],
                   settled: list[ItemResult]) -> TransactionResult:
        pid = patron.id if patron else None
        if self._lock_state.locked:
            return TransactionResult(operation, patron_id=pid, reason=Reason.DEVICE_LOCKED)
        async with self._operation:
            if self.ils.online and self._status.queued:
                await self.recovery.run()
                await self.replayer.flush()  # what was done offline goes first
            if self.watcher is not None and operation != "renew":
                async with self.watcher.exclusive():
                    done, offline = await self.engine.run(operation, patron, units)
            else:
                done, offline = await self.engine.run(operation, patron, units)
        await self._refresh_status()
        on_pad = {item.pii for item in self.stack.items}
        for result in done:
            if result.status in ("done", "queued") and result.pii in on_pad:
                self._recent[result.pii] = (operation, pid, result)
        order = {unit.pii: i for i, unit in enumerate(units)}
        results = sorted(done, key=lambda r: order.get(r.pii, 0)) + settled
        return TransactionResult(operation, tuple(results), pid, offline)

    def _stack_changed(self, stack: Stack) -> None:
        if self._recent:
            present = {item.pii for item in stack.items}
            for pii in [p for p in self._recent if p not in present]:
                del self._recent[pii]
        super()._stack_changed(stack)

    def _refuse_all(self, operation: Operation, patron: Patron, items: Sequence[str] | None,
                    reason: Reason, detail: str | None) -> TransactionResult:
        piis = list(items) if items is not None else [i.pii for i in self.stack.items]
        return TransactionResult(operation, tuple(
            ItemResult(pii, "refused", reason=reason, detail=detail) for pii in piis),
            patron.id, patron.offline, reason, detail)

    async def _title(self, pii: str) -> str | None:
        title = await asyncio.to_thread(self.caches.title, pii)
        if title is not None or not self.ils.online:
            return title
        try:
            item = await self.ils.call(lambda c: c.item_information(pii))
        except IlsUnavailable:
            return None
        if item.title_identifier:
            await asyncio.to_thread(self.caches.remember_title, pii, item.title_identifier)
            return item.title_identifier
        return None

    # ------------------------------------------------------------ events

    def _ils_changed(self, online: bool) -> None:
        self._spawn("ILS change", self._after_ils_change, online)

    async def _after_ils_change(self, online: bool) -> None:
        await self._refresh_status()
        self._emit(IlsChanged(online, self._status))
        await self._report("ils")
        if online:
            await self.recover()
            await self.flush()

    def _queue_changed(self) -> None:
        self._spawn("queue status", self._refresh_status)

    # ------------------------------------------------------------ tasks

    async def _watch_ils(self) -> None:
        interval = self.settings.offline.probe_interval_s
        while True:
            await asyncio.sleep(interval)
            if not self.ils.online:
                await self.ils.probe()
            elif self._status.unfinished:
                await self.recover()
