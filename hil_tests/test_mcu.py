"""Acceptance of a sorter board (or any board speaking the firmware bridge)
on its serial port: the scenarios of tests/firmware_bridge against real
firmware (hil_tests/README.md, "Microcontroller boards").

    SMARTLIB_HIL_MCU=/dev/serial/by-id/usb-...     the board's port (pyserial URL)
    SMARTLIB_HIL_MCU_BAUD=115200                   optional
    SMARTLIB_HIL_UNPLUG=1                          also pull and replug the board
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable

import pytest

from firmware_bridge import (
    BoardRestarted,
    Info,
    InputChanged,
    Inputs,
    LinkOptions,
    LinkState,
    McuLink,
    Ping,
    Pong,
    QueryInputs,
    SetOutput,
)

WINDOW_S = 30.0
Device = Callable[[str, str], str]


def tell(message: str) -> None:
    stream = sys.__stderr__
    if stream is not None:
        stream.write(message + "\n")
        stream.flush()


def link_for(hil_device: Device) -> McuLink:
    port = hil_device("SMARTLIB_HIL_MCU", "the board's serial port, e.g. /dev/ttyACM0")
    baud = int(os.environ.get("SMARTLIB_HIL_MCU_BAUD", "115200"))
    return McuLink(port, LinkOptions(baud=baud, reconnect_max_s=1.0))


async def test_the_board_greets_and_answers_every_ping(hil_device: Device) -> None:
    async with link_for(hil_device) as link:
        info = link.info
        assert isinstance(info, Info) and info.protocol == 1
        assert info.inputs >= 1 + info.bins, "input 0 (slot) and one full sensor per bin"
        for token in range(1, 201):
            answer = await link.call(Ping(token), lambda m, t=token: isinstance(m, Pong)
                                     and m.token == t)
            assert isinstance(answer, Pong)
        assert link.stats.failed == 0
        inputs = await link.call(QueryInputs(), lambda m: isinstance(m, Inputs))
        assert isinstance(inputs, Inputs)
        assert not inputs.active(0), "the slot sensor sees an item in an empty chute"


async def test_outputs_and_the_slot_sensor(hil_device: Device) -> None:
    async with link_for(hil_device) as link:
        assert link.info is not None
        for channel in range(link.info.outputs):
            tell(f"Output {channel} is on for 1 s")
            await link.send(SetOutput(channel, True, 1000))
            await asyncio.sleep(1.2)
        events = link.subscribe()
        tell(f"Put a book into the slot ({WINDOW_S:.0f} s)")
        async with asyncio.timeout(WINDOW_S):
            while True:
                event = await events.get()
                if isinstance(event, InputChanged) and event.channel == 0 and event.active:
                    break


async def test_a_board_reset_is_noticed_and_survived(hil_device: Device) -> None:
    async with link_for(hil_device) as link:
        events = link.subscribe()
        tell(f"Press the board's RESET button ({WINDOW_S:.0f} s)")
        async with asyncio.timeout(WINDOW_S):
            while not isinstance(await events.get(), BoardRestarted):
                pass
        answer = await link.call(Ping(7), lambda m: isinstance(m, Pong) and m.token == 7)
        assert isinstance(answer, Pong)


async def test_unplugged_and_plugged_back(hil_device: Device) -> None:
    if os.environ.get("SMARTLIB_HIL_UNPLUG") != "1":
        pytest.skip("set SMARTLIB_HIL_UNPLUG=1 to run the unplug / replug scenario")
    async with link_for(hil_device) as link:
        tell(f"Pull the board's USB cable ({WINDOW_S:.0f} s)")
        await link.wait_state(LinkState.DISCONNECTED, WINDOW_S)
        tell(f"Plug it back ({WINDOW_S:.0f} s)")
        await link.wait_state(LinkState.CONNECTED, WINDOW_S)
        answer = await link.call(Ping(9), lambda m: isinstance(m, Pong) and m.token == 9)
        assert isinstance(answer, Pong)
