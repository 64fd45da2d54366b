"""The book drop's mechanics behind one interface: the slot sensor, moving
the item in the chute to a bin, the bins' full sensors, the ready light and
slot lock.

* :class:`GpioSorter`: sensors and outputs on the Pi's pins. A bin is chosen
  by holding its diverter (a flap solenoid) while the conveyor runs for
  ``divert_s``; the bin without a diverter is where items go by default.
  The item has left the chute when the slot sensor clears; if it has not
  within twice ``divert_s``, that is a jam.
* :class:`NoSorter`: one bin under the slot; the item falls in.
* :class:`~edge.bookdrop.mcu.McuSorter`: a sorter board over the firmware
  bridge.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from drivers.gpio import Change, GpioBoard, InputLine, Output
from edge.bookdrop.bins import BinState
from edge.config.models import BookdropSection


class SortStatus(enum.StrEnum):
    OK = "ok"
    JAM = "jam"
    BIN_FULL = "bin_full"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class SortResult:
    status: SortStatus
    detail: str = ""


class Sorter(Protocol):
    """What the book drop's service needs from its mechanics."""

    @property
    def has_slot_sensor(self) -> bool:
        """The slot sensor exists (else the reader notices items)."""

    async def start(self, on_full: Callable[[int, bool], None],
                    on_fault: Callable[[str], None]) -> None:
        """Start; ``on_full(bin_index, full)`` is called on the loop when a
        bin's full sensor changes, ``on_fault(text)`` when the mechanics
        report a fault staff must see."""

    async def wait_item(self) -> None:
        """Until the slot sensor sees an item (only with a slot sensor)."""

    def item_present(self) -> bool | None:
        """The slot sensor's state now (None: no sensor)."""

    async def wait_clear(self) -> None:
        """Until the slot sensor sees the chute empty (only with a slot sensor)."""

    async def sort(self, target: BinState) -> SortResult:
        """Move the item in the chute to ``target``."""

    def set_accepting(self, accepting: bool) -> None:
        """Ready light on and slot open, or light off and slot locked."""

    def status(self) -> tuple[Literal["ok", "degraded", "down"], str]:
        """The sorter's health for the agent."""

    async def close(self) -> None: ...


def _full_listener(on_full: Callable[[int, bool], None],
                   index: int) -> Callable[[Change], None]:
    return lambda change: on_full(index, change.active)


class NoSorter:
    """A single bin under the slot (no mechanics beyond sensors and light)."""

    def __init__(self, board: GpioBoard | None, section: BookdropSection) -> None:
        self.board, self.section = board, section
        self.slot: InputLine | None = None
        self.ready: Output | None = None
        self.lock: Output | None = None
        self.full_lines: dict[int, InputLine] = {}

    @property
    def has_slot_sensor(self) -> bool:
        return self.slot is not None

    async def start(self, on_full: Callable[[int, bool], None],
                    on_fault: Callable[[str], None]) -> None:
        board, section = self.board, self.section
        if board is None:
            return
        pins = section.pins
        high = not section.outputs_active_low
        pull, active = section.sensor_pull, section.sensor_active_level
        if pins.slot is not False and self.wants_gpio_slot:
            self.slot = board.input(pins.slot, "slot sensor", pull=pull, active=active,
                                    bounce_ms=5)
        if pins.ready_light is not False:
            self.ready = board.output(pins.ready_light, "ready light", active_high=high)
        if pins.slot_lock is not False:
            self.lock = board.output(pins.slot_lock, "slot lock", active_high=high)
        for index, spec in enumerate(section.bins):
            if spec.full_pin is not False and self.wants_gpio_bins:
                line = board.input(spec.full_pin, f"bin {spec.name} full", pull=pull,
                                   active=active, bounce_ms=50)
                self.full_lines[index] = line
                line.add_listener(_full_listener(on_full, index))
                on_full(index, line.active)

    #: Subclasses whose slot / bin sensors are elsewhere (a board) say so.
    wants_gpio_slot = True
    wants_gpio_bins = True

    async def wait_item(self) -> None:
        assert self.slot is not None
        await self.slot.wait_for(True)

    def item_present(self) -> bool | None:
        return None if self.slot is None else self.slot.active

    async def wait_clear(self) -> None:
        assert self.slot is not None
        await self.slot.wait_for(False)

    async def sort(self, target: BinState) -> SortResult:
        return SortResult(SortStatus.OK)

    def set_accepting(self, accepting: bool) -> None:
        if self.ready is not None:
            (self.ready.on if accepting else self.ready.off)()
        if self.lock is not None:
            (self.lock.off if accepting else self.lock.on)()

    def status(self) -> tuple[Literal["ok", "degraded", "down"], str]:
        return "ok", "single bin"

    async def close(self) -> None:
        for line in [*self.full_lines.values(), *([self.slot] if self.slot else [])]:
            line.close()


class GpioSorter(NoSorter):
    """Diverters and a conveyor on the Pi's pins."""

    def __init__(self, board: GpioBoard, section: BookdropSection) -> None:
        super().__init__(board, section)
        self.diverters: dict[int, Output] = {}
        self.conveyor: Output | None = None
        self.jams = 0

    async def start(self, on_full: Callable[[int, bool], None],
                    on_fault: Callable[[str], None]) -> None:
        await super().start(on_full, on_fault)
        board, section = self.board, self.section
        assert board is not None
        high = not section.outputs_active_low
        if section.pins.conveyor is not False:
            self.conveyor = board.output(section.pins.conveyor, "conveyor", active_high=high)
        for index, spec in enumerate(section.bins):
            if spec.diverter_pin is not False:
                self.diverters[index] = board.output(spec.diverter_pin,
                                                     f"diverter {spec.name}", active_high=high)

    async def sort(self, target: BinState) -> SortResult:
        hold_s = self.section.divert_s
        diverter = self.diverters.get(target.index)
        moving = [o for o in (diverter, self.conveyor) if o is not None]
        for output in moving:
            output.signal(hold_s)
        for output in moving:
            await output.wait_idle()
        if self.slot is not None and self.slot.active:
            with contextlib.suppress(TimeoutError):
                await self.slot.wait_for(False, timeout_s=hold_s)
            if self.slot.active:
                self.jams += 1
                return SortResult(SortStatus.JAM, "the item is still in the chute")
        return SortResult(SortStatus.OK)

    def status(self) -> tuple[Literal["ok", "degraded", "down"], str]:
        if self.slot is not None and self.slot.active and self.jams:
            return "degraded", f"jam: an item is stuck in the chute ({self.jams} jams)"
        return "ok", f"{len(self.diverters)} diverters" + (", conveyor" if self.conveyor else "")

    async def close(self) -> None:
        for output in [*self.diverters.values(), *([self.conveyor] if self.conveyor else [])]:
            output.off()
        await super().close()
