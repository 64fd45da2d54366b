"""The book drop (``smartlib bookdrop``): an item in the slot is read, handed
to circulation's check-in, and sorted into the bin its routing names.

One item at a time: when the slot sensor (or, without one, the reader)
sees an item, the slot closes (ready light off, lock on), the tag is read,
the check-in answers with a routing, the sorter moves the item to its bin,
and the slot opens again. Whatever cannot be checked in (no tag, an
unreadable tag, the ILS refusing, the check-in failing) goes to the problem
bin and staff are told; several items dropped at once are each checked in
and go together to their common bin, or to the problem bin. Bins are
counted (kept across restarts) and watched by their sensors; when an item
could have nowhere to go the slot stays closed until a bin is emptied.

Health for the agent: ``reader``, ``sorter`` and ``bins``; staff alerts for
a full bin, a jam, a fault of the sorter board, and a reader or sorter gone
for ``alert_after_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from drivers.rfid import InventoryTag, Reader, ReaderError, ReaderState, TransportError, uid_hex
from drivers.tags import decode
from edge.bookdrop.bins import Bins, BinState
from edge.bookdrop.checkin import CheckIn, ReturnedItem, route_of
from edge.bookdrop.sorters import Sorter, SortStatus
from edge.config.models import BookdropConfig, Route
from edge.contract import events
from edge.contract.envelope import Event
from edge.contract.events import Severity
from edge.errors import EdgeError
from edge.eventqueue import EventQueue
from edge.i18n import _
from edge.store import Store, StoreError
from edge.supervisor import Supervisor

log = logging.getLogger(__name__)


def counts_file(device: BookdropConfig) -> Path:
    return device.bookdrop.counts_file or device.store.path.with_name("bookdrop-bins.json")


class BookdropService:
    def __init__(self, device: BookdropConfig, store: Store, reader: Reader, sorter: Sorter,
                 check_in: CheckIn, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.device = device
        self.section = device.bookdrop
        self.store = store
        self.reader = reader
        self.sorter = sorter
        self.check_in = check_in
        self._clock = clock
        self.bins = Bins(self.section, counts_file(device))
        self.supervisor = Supervisor()
        self.events = EventQueue(store)
        self._stop: asyncio.Event | None = None
        self._changed = asyncio.Event()
        self._lingering: set[bytes] = set()
        self._down_since: dict[str, float] = {}
        self._alerted: set[str] = set()
        self.accepting = False
        self._busy = False
        self._reader_opened = False
        #: Items sorted since start, by bin; problems; the last item handled.
        self.sorted: dict[str, int] = {b.name: 0 for b in self.bins.bins}
        self.problems = 0
        self.last: tuple[str, str] | None = None

    # ---------------------------------------------------------------- events

    def emit(self, event: Event) -> None:
        self.events.emit(event)

    def alert(self, alert: str, message: str, severity: Severity = "warning",
              item: str | None = None, uid: bytes | None = None) -> None:
        log.warning("staff alert", extra={"fields": {"alert": alert, "item": item}})
        self.emit(events.staff_alert(alert=alert, message=message, severity=severity, item=item,
                                     uid=uid_hex(uid) if uid else None))

    # ------------------------------------------------------------------- run

    def request_stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    async def run(self) -> None:
        self._stop = asyncio.Event()
        def warm_up() -> None:
            # schemas compiled and counts read on a worker thread, not at the first item
            _ = self.store.outbox, self.store.status
            self.bins.load()

        await asyncio.to_thread(warm_up)
        await self.sorter.start(self._on_full, self._on_fault)
        self.sorter.set_accepting(False)
        self.supervisor.start("events", self.events.run)
        self.supervisor.start("items", self._item_loop)
        self.supervisor.start("status", self._status_loop)
        self.supervisor.start("requests", self._serve_requests)
        try:
            await self._stop.wait()
        finally:
            await self.supervisor.stop("items", "status", "requests")
            self.sorter.set_accepting(False)
            await self.events.drain()
            await self.supervisor.stop()
            await self.sorter.close()
            await self.reader.close()

    # ----------------------------------------------------------------- items

    async def _item_loop(self) -> None:
        await self._open_reader()
        while True:
            self._update_accepting()
            if not self.accepting:
                self._changed.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await self._changed.wait()
                continue
            tags = await self._next_item()
            if tags is None:
                continue
            self._busy = True  # one item at a time: the slot closes
            self._update_accepting()
            try:
                await self._handle(tags)
                await self._wait_chute_clear()
            finally:
                self._busy = False

    async def _open_reader(self) -> None:
        """Open the reader until it answers; once opened, it reconnects by
        itself after losing the link."""
        delay = 0.5
        while not self._reader_opened:
            try:
                await self.reader.open()
                self._reader_opened = True
            except ReaderError as exc:
                log.warning("cannot open the book drop's reader; retrying in %.1f s", delay,
                            extra={"fields": {"url": self.reader.url, "error": str(exc)}})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    def _update_accepting(self) -> None:
        sorter_ok = self.sorter.status()[0] != "down"
        accepting = (self.reader.state is ReaderState.CONNECTED and sorter_ok
                     and self.bins.accepting and not self._busy)
        if accepting != self.accepting:
            log.info("book drop %s", "open" if accepting else "closed")
        self.accepting = accepting
        self.sorter.set_accepting(accepting)

    async def _next_item(self) -> list[InventoryTag] | None:
        """Wait for an item; its tags (empty: an item without a readable
        tag), or None when the book drop should look at its state again."""
        poll_s = self.device.reader.poll_interval_s
        if self.sorter.has_slot_sensor:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self.sorter.wait_item()
            if not self.sorter.item_present():
                return None
            await asyncio.sleep(self.section.settle_s)
            return await self._tags_within(self.section.read_timeout_s)
        try:  # no slot sensor: the reader notices a new tag
            tags = await self._fresh(await self.reader.inventory())
        except ReaderError:
            await asyncio.sleep(poll_s)
            return None
        if not tags:
            await asyncio.sleep(poll_s)
            return None
        await asyncio.sleep(self.section.settle_s)
        return await self._tags_within(poll_s)  # the whole drop, settled

    async def _fresh(self, tags: list[InventoryTag]) -> list[InventoryTag]:
        """Tags not already handled (a sorted book still in the antenna's
        field is not returned twice); a handled tag is forgotten once it is
        out of the field."""
        seen = {t.uid for t in tags}
        self._lingering &= seen
        return [t for t in tags if t.uid not in self._lingering]

    async def _tags_within(self, timeout_s: float) -> list[InventoryTag]:
        deadline = self._clock() + timeout_s
        while True:
            try:
                tags = await self._fresh(await self.reader.inventory())
            except TransportError:
                tags = []
            if tags or self._clock() >= deadline:
                return tags
            await asyncio.sleep(self.device.reader.poll_interval_s)

    async def _read(self, tags: list[InventoryTag]) -> tuple[list[ReturnedItem], list[bytes]]:
        """Decode each tag; the parts of a set (same PII) are one item."""
        items: dict[str, ReturnedItem] = {}
        unreadable: list[bytes] = []
        for tag in tags:
            try:
                memory = await self.reader.read_memory(tag.uid, self.device.reader.data_blocks)
                decoded = decode(memory, tag.dsfid, self.device.tags.model)
            except (ReaderError, ValueError) as exc:
                log.info("tag unreadable", extra={"fields": {"uid": tag.uid_hex,
                                                             "error": str(exc)}})
                unreadable.append(tag.uid)
                continue
            known = items.get(decoded.pii)
            if known is None:
                items[decoded.pii] = ReturnedItem(tag.uid, decoded, tag.dsfid, tag.antenna,
                                                  (tag.uid,), (decoded,))
            else:
                items[decoded.pii] = ReturnedItem(known.uid, known.tag, known.dsfid,
                                                  known.antenna, (*known.uids, tag.uid),
                                                  (*known.tags, decoded))
        return list(items.values()), unreadable

    async def _handle(self, tags: list[InventoryTag]) -> None:
        items, unreadable = await self._read(tags)
        routes: list[Route] = []
        for item in items:
            routes.append(await self._check_in(item))
        if unreadable or not items:
            routes.append("problem")
            self.alert("bookdrop_unreadable", _(
                "An item in the book drop has no readable tag; it is in the problem bin."),
                uid=unreadable[0] if unreadable else None)
        route: Route = routes[0] if len(set(routes)) == 1 else "problem"
        if len(set(routes)) > 1:
            self.alert("bookdrop_mixed_items", _(
                "Several items were dropped at once and go to different bins; they are in "
                "the problem bin."), severity="info", item=items[0].tag.pii if items else None)
        await self._sort(route, items[0].tag.pii if len(items) == 1 else None)
        self._lingering |= {t.uid for t in tags}

    async def _check_in(self, item: ReturnedItem) -> Route:
        pii = item.tag.pii
        try:
            async with asyncio.timeout(self.section.checkin_timeout_s):
                routing = await self.check_in(item)
        except Exception as exc:  # noqa: BLE001 - the injected check-in: whatever it
            # raises, the item must still leave the chute (problem bin) and staff be told
            if not isinstance(exc, TimeoutError | EdgeError | ReaderError | OSError):
                log.exception("the check-in failed unexpectedly")
            self.alert("bookdrop_checkin_failed", _(
                "Item {item} could not be checked in ({error}); it is in the problem bin."
            ).format(item=pii, error=str(exc) or type(exc).__name__), item=pii, uid=item.uid)
            return "problem"
        route = route_of(routing)
        log.info("checked in", extra={"fields": {"item": pii, "route": route}})
        if routing.action == "alert":
            self.alert("bookdrop_problem_item", _(
                "Item {item} is in the problem bin: {why}.").format(
                    item=pii, why=routing.message or _("the ILS gave no routing")),
                item=pii, uid=item.uid)
        return route

    async def _sort(self, route: Route, item: str | None) -> None:
        for _attempt in range(3):
            target = self.bins.target(route)
            if target is None:
                self._bin_full_alert(self.bins[self.section.bin_for(route).name])
                self._update_accepting()
                self._changed.clear()
                await self._changed.wait()  # a bin emptied, or the sorter back
                continue
            result = await self.sorter.sort(target)
            if result.status is SortStatus.OK:
                await self._counted(target, route, item)
                return
            if result.status is SortStatus.BIN_FULL:
                target.sensor_full = True
                continue
            if result.status is SortStatus.JAM:
                self.alert("bookdrop_jam", _(
                    "The book drop's sorter jammed ({detail}); clear the chute.").format(
                        detail=result.detail), severity="critical", item=item)
                return
            self.alert("bookdrop_sorter_failed", _(
                "The book drop's sorter could not sort an item ({detail}).").format(
                    detail=result.detail), severity="critical", item=item)
            return

    async def _counted(self, target: BinState, route: Route, item: str | None) -> None:
        was_full = target.full
        target.count += 1
        self.sorted[target.name] += 1
        if route == "problem":
            self.problems += 1
        self.last = (item or "?", target.name)
        try:
            await asyncio.to_thread(self.bins.save)
        except OSError as exc:
            log.warning("bin counts not saved", extra={"fields": {"error": str(exc)}})
        if target.full and not was_full:
            self._bin_full_alert(target)
        self._changed.set()

    def _bin_full_alert(self, target: BinState) -> None:
        key = f"full:{target.name}"
        if key in self._alerted:
            return
        self._alerted.add(key)
        stopped = not self.bins.accepting
        self.alert("bookdrop_bin_full", _(
            "Bin {bin} of the book drop is full ({count} items); please empty it.").format(
                bin=target.name, count=target.count)
            + (" " + _("The book drop takes no more items until then.") if stopped else ""),
            severity="critical" if stopped else "warning")

    async def _wait_chute_clear(self) -> None:
        if self.sorter.has_slot_sensor:
            await self.sorter.wait_clear()
            # The chute is empty: what was handled has left, so the same
            # item dropped again later is a new return.
            self._lingering.clear()

    # ----------------------------------------------------- sensors, control

    def _on_full(self, index: int, full: bool) -> None:
        state = self.bins.bins[index]
        if state.sensor_full and not full:  # staff emptied it
            self._emptied(state.name)
        state.sensor_full = full
        if full:
            self._bin_full_alert(state)
        self._changed.set()

    def _on_fault(self, text: str) -> None:
        self.alert("bookdrop_sorter_fault", text[:500], severity="critical")

    def _emptied(self, name: str) -> None:
        self.bins.emptied(name)
        self._alerted.discard(f"full:{name}")
        self._changed.set()
        log.info("bin emptied", extra={"fields": {"bin": name}})

    async def _serve_requests(self) -> None:
        async def empty(args: dict[str, Any]) -> dict[str, Any]:
            name = str(args.get("bin", ""))
            if name not in self.sorted:
                raise ValueError(f"no bin {name!r}")
            self._emptied(name)
            await asyncio.to_thread(self.bins.save)
            return {"bin": name, "count": 0}

        await self.store.requests.serve({"bookdrop_empty_bin": empty})

    # ---------------------------------------------------------------- status

    async def _status_loop(self) -> None:
        reported = float("-inf")
        while True:
            now = self._clock()
            self._update_accepting()
            sorter = self.sorter.status()
            self._watch("reader", self.reader.state is not ReaderState.CONNECTED, now, _(
                "The book drop's RFID reader has been disconnected for {seconds} s; the book "
                "drop is closed."))
            self._watch("sorter", sorter[0] == "down", now, _(
                "The book drop's sorter has not answered for {seconds} s; the book drop is "
                "closed."))
            if now - reported >= self.section.status_interval_s or self._changed.is_set():
                reported = now
                await self._report(sorter)
            await asyncio.sleep(1.0)

    def _watch(self, part: str, down: bool, now: float, message: str) -> None:
        if not down:
            self._down_since.pop(part, None)
            self._alerted.discard(part)
            return
        since = self._down_since.setdefault(part, now)
        if now - since >= self.section.alert_after_s and part not in self._alerted:
            self._alerted.add(part)
            self.alert(f"bookdrop_{part}_down", message.format(seconds=int(now - since)),
                       severity="critical")

    async def _report(self, sorter: tuple[Literal["ok", "degraded", "down"], str]) -> None:
        reader = self.reader
        reader_ok = reader.state is ReaderState.CONNECTED
        counts = ", ".join(
            f"{b.name} {b.count}" + (f"/{b.spec.capacity}" if b.spec.capacity else "")
            + (" FULL" if b.full else "") for b in self.bins.bins)
        bins_status: Literal["ok", "degraded"] = "degraded" if self.bins.full else "ok"
        reports: list[tuple[str, Literal["ok", "degraded", "down"], str]] = [
            ("reader", "ok" if reader_ok else "down", f"{reader.url}: {reader.state.value}"),
            ("sorter", *sorter),
            ("bins", bins_status, counts + ("" if self.accepting else "; slot closed")),
        ]

        def write() -> None:
            for component, status, detail in reports:
                self.store.status.report(component, status, detail[:2000])

        try:
            await asyncio.to_thread(write)
        except (StoreError, sqlite3.Error, OSError) as exc:
            log.warning("cannot report status", extra={"fields": {"error": str(exc)}})
