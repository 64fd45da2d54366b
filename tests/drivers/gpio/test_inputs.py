"""Sensor lines: gpiozero's callbacks arrive on the loop, in the sensor's
own sense whatever the wiring."""

from __future__ import annotations

import asyncio
import threading

import pytest

from drivers.gpio import Change, GpioBoard
from tests.peers.gpio import MockPins


async def test_changes_arrive_on_the_loop_thread_in_order(mock_pins: MockPins) -> None:
    async with GpioBoard(mock_pins.factory) as board:
        slot = board.input(5, "slot", pull="up", active="low")
        seen: list[tuple[bool, bool]] = []
        loop_thread = threading.get_ident()
        slot.add_listener(lambda c: seen.append((c.active, threading.get_ident() == loop_thread)))
        await mock_pins.drive(5, False)  # pulled up; low = item in the slot
        await mock_pins.drive(5, True)
        await asyncio.sleep(0.01)
    assert seen == [(True, True), (False, True)]


@pytest.mark.parametrize(("pull", "active", "idle_level", "active_level"), [
    ("up", "low", True, False),      # switch to ground with the internal pull-up
    ("up", "high", False, True),     # open-collector beam receiver: high when broken
    ("down", "high", False, True),
    ("none", "high", False, True),   # external resistor
    ("none", "low", True, False),
])
async def test_the_sensor_sense_follows_the_wiring(mock_pins: MockPins, pull: str, active: str,
                                                   idle_level: bool, active_level: bool) -> None:
    async with GpioBoard(mock_pins.factory) as board:
        if pull == "none":  # the external resistor holds the idle level
            await mock_pins.drive(6, idle_level)
        line = board.input(6, "beam", pull=pull, active=active)  # type: ignore[arg-type]
        await mock_pins.drive(6, idle_level)
        assert line.active is False
        changes = line.changes()
        await mock_pins.drive(6, active_level)
        change = await asyncio.wait_for(anext(changes), 5)
        assert isinstance(change, Change) and change.active and change.line == "beam"
        assert line.active is True
        changes.close()


async def test_wait_for_returns_when_the_line_gets_there(mock_pins: MockPins) -> None:
    async with GpioBoard(mock_pins.factory) as board:
        full = board.input(19, "bin-full", pull="up", active="low")
        waiter = asyncio.create_task(full.wait_for(True, timeout_s=5))
        await asyncio.sleep(0.01)
        assert not waiter.done()
        await mock_pins.drive(19, False)
        change = await waiter
        assert change is not None and change.active
        assert await full.wait_for(True, timeout_s=5) is None  # already there
        with pytest.raises(TimeoutError):
            await full.wait_for(False, timeout_s=0.05)
