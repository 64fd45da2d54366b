"""The book drop's sorter on a microcontroller board, over the firmware
bridge (docs/firmware_bridge.md): the board's input 0 is the slot sensor,
inputs 1.. are the bins' full sensors, ``Sort`` moves the item in the chute
to a bin and ``SortDone`` says how that went. The ready light and slot lock
may still be on the Pi's pins.

The link is opened in the background and reopened whenever it drops (the
board's USB cable pulled, the board hung); meanwhile the sorter's health is
"down" and the book drop stops taking items.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Literal

from drivers.gpio import GpioBoard
from edge.bookdrop.bins import BinState
from edge.bookdrop.sorters import NoSorter, SortResult, SortStatus
from edge.config.models import BookdropSection
from firmware_bridge import (
    BoardRestarted,
    Fault,
    InputChanged,
    Inputs,
    LinkError,
    LinkState,
    McuLink,
    QueryInputs,
    Sort,
    SortDone,
    Subscription,
)
from firmware_bridge import SortStatus as BoardStatus

log = logging.getLogger(__name__)

SLOT = 0
STATUS = {BoardStatus.OK: SortStatus.OK, BoardStatus.JAM: SortStatus.JAM,
          BoardStatus.TIMEOUT: SortStatus.JAM, BoardStatus.BIN_FULL: SortStatus.BIN_FULL,
          BoardStatus.NO_SUCH_BIN: SortStatus.UNAVAILABLE, BoardStatus.NO_ITEM: SortStatus.JAM}


class McuSorter(NoSorter):
    wants_gpio_slot = False
    wants_gpio_bins = False

    def __init__(self, board: GpioBoard | None, section: BookdropSection, link: McuLink) -> None:
        super().__init__(board, section)
        self.link = link
        self._slot = False
        self._slot_changed = asyncio.Event()
        self._sorts: dict[int, asyncio.Future[SortDone]] = {}
        self._cookies = itertools.count(1)
        self._events: Subscription | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._on_full: Callable[[int, bool], None] = lambda i, full: None
        self._on_fault: Callable[[str], None] = lambda text: None
        #: bin number on the board -> bin index in the configuration
        self._bin_index = {(spec.mcu_bin if spec.mcu_bin is not None else i): i
                           for i, spec in enumerate(section.bins)}

    @property
    def has_slot_sensor(self) -> bool:
        return True

    async def start(self, on_full: Callable[[int, bool], None],
                    on_fault: Callable[[str], None]) -> None:
        await super().start(on_full, on_fault)
        self._on_full, self._on_fault = on_full, on_fault
        self._events = self.link.subscribe()
        self.link.add_state_listener(self._state)
        self._spawn(self._listen())
        self._spawn(self._keep_open())

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _keep_open(self) -> None:
        """Open the link, retrying until the board answers; once open, the
        link reconnects by itself."""
        delay = 0.5
        while True:
            try:
                await self.link.open()
                break
            except LinkError as exc:
                log.warning("sorter board not reachable; retrying in %.1f s", delay,
                            extra={"fields": {"url": self.link.url, "error": str(exc)}})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
        await self._query_inputs()

    def _state(self, state: LinkState) -> None:
        if state is LinkState.CONNECTED and self.link.info is not None:
            self._spawn(self._query_inputs())
        elif state is not LinkState.CONNECTED:
            self._fail_sorts(f"sorter board {state.value}")

    async def _query_inputs(self) -> None:
        """After (re)connecting: the slot and full sensors as they are now."""
        try:
            answer = await self.link.call(QueryInputs(), lambda m: isinstance(m, Inputs))
        except LinkError as exc:
            log.info("sorter inputs not read", extra={"fields": {"error": str(exc)}})
            return
        assert isinstance(answer, Inputs)
        self._set_slot(answer.active(SLOT))
        for number, index in self._bin_index.items():
            self._on_full(index, answer.active(1 + number))

    def _set_slot(self, present: bool) -> None:
        if present != self._slot:
            self._slot = present
            self._slot_changed.set()

    async def _listen(self) -> None:
        assert self._events is not None
        async for event in self._events:
            if isinstance(event, InputChanged):
                if event.channel == SLOT:
                    self._set_slot(event.active)
                elif event.channel - 1 in self._bin_index:
                    self._on_full(self._bin_index[event.channel - 1], event.active)
            elif isinstance(event, SortDone):
                future = self._sorts.pop(event.cookie, None)
                if future is not None and not future.done():
                    future.set_result(event)
            elif isinstance(event, Fault):
                self._on_fault(f"sorter board fault {event.code}: {event.text}")
            elif isinstance(event, BoardRestarted):
                self._fail_sorts("the sorter board restarted")

    def _fail_sorts(self, why: str) -> None:
        sorts, self._sorts = self._sorts, {}
        for future in sorts.values():
            if not future.done():
                future.set_exception(LinkError(why))

    async def wait_item(self) -> None:
        while not self._slot:
            self._slot_changed.clear()
            await self._slot_changed.wait()

    def item_present(self) -> bool | None:
        return self._slot

    async def wait_clear(self) -> None:
        while self._slot:
            self._slot_changed.clear()
            await self._slot_changed.wait()

    async def sort(self, target: BinState) -> SortResult:
        spec = target.spec
        number = spec.mcu_bin if spec.mcu_bin is not None else target.index
        cookie = next(self._cookies) & 0xFFFF
        future: asyncio.Future[SortDone] = asyncio.get_running_loop().create_future()
        self._sorts[cookie] = future
        timeout_s = self.section.sort_timeout_s
        try:
            await self.link.send(Sort(cookie, number, min(int(timeout_s * 1000), 0xFFFF)))
            async with asyncio.timeout(timeout_s + 2.0):
                done = await future
        except LinkError as exc:
            return SortResult(SortStatus.UNAVAILABLE, str(exc))
        except TimeoutError:
            return SortResult(SortStatus.JAM, f"no answer from the sorter board within "
                                              f"{timeout_s} s")
        finally:
            self._sorts.pop(cookie, None)
        if done.status is BoardStatus.OK:
            self._set_slot(False)  # the board clears it too; do not wait for that message
        return SortResult(STATUS[done.status], done.status.name.lower())

    def status(self) -> tuple[Literal["ok", "degraded", "down"], str]:
        link = self.link
        if link.state is not LinkState.CONNECTED:
            error = f" ({link.last_error})" if link.last_error else ""
            return "down", f"{link.url}: {link.state.value}{error}"[:500]
        info = link.info
        return "ok", f"{link.url}: {info.board}, firmware {info.firmware}" if info else "ok"

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._events is not None:
            self._events.close()
        await self.link.close()
        await super().close()
