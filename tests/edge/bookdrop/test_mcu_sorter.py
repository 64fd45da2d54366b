"""The book drop with its sorter on a microcontroller board (the emulated
board on a pty pair, over the firmware bridge): sorting by the board's
bins, its full sensors, and the board rebooting or being unplugged."""

from __future__ import annotations

import asyncio

from tests.edge.bookdrop.conftest import READY, Drop

ON_LOAN, HOLD, TRANSIT = "30000010", "30000006", "30000008"


async def test_items_are_sorted_by_the_board(drop) -> None:  # type: ignore[no-untyped-def]
    rig: Drop = await drop("mcu")
    assert rig.board is not None
    for n, pii in enumerate((HOLD, TRANSIT, ON_LOAN), start=1):
        await rig.insert(rig.catalog[pii])
        await rig.eventually(lambda n=n: rig.landed_count(n))
        await rig.eventually(lambda: rig.pins.pin(READY).state)
    assert rig.landed == [(HOLD, "holds"), (TRANSIT, "transit"), (ON_LOAN, "shelf")]
    assert rig.board.counts == [1, 1, 1, 0]
    status = await rig.eventually(lambda: _status(rig, "sorter", "ok"))
    assert "smartlib-sim 1.0" in (status[1] or "")


async def _status(rig: Drop, part: str, want: str) -> tuple[str, str | None] | None:
    found = (await rig.status()).get(part)
    return found if found and found[0] == want else None


async def test_a_bin_full_sensor_on_the_board_sends_items_to_the_overflow_bin(drop) -> None:  # type: ignore[no-untyped-def]
    rig: Drop = await drop("mcu", overflow_bin="problem")
    assert rig.board is not None
    rig.board.set_input(1 + 0, True)  # the shelf bin's sensor: full
    (alert,) = await rig.eventually(lambda: rig.events("staff_alert"))
    assert (alert["alert"], alert["severity"]) == ("bookdrop_bin_full", "warning")
    assert rig.service.bins["shelf"].full
    await rig.eventually(lambda: rig.pins.pin(READY).state)  # the overflow bin has room
    await rig.insert(rig.catalog[ON_LOAN])
    await rig.eventually(lambda: rig.landed_count(1))
    assert rig.landed == [(ON_LOAN, "problem")]
    rig.board.empty_bin(0)  # staff empty it
    await rig.eventually(lambda: not rig.service.bins["shelf"].full)


async def test_a_board_fault_is_a_critical_alert(drop) -> None:  # type: ignore[no-untyped-def]
    rig: Drop = await drop("mcu")
    assert rig.board is not None
    rig.board.fault(7, "động cơ băng tải quá dòng / conveyor over-current")
    (alert,) = await rig.eventually(lambda: rig.events("staff_alert"))
    assert alert["alert"] == "bookdrop_sorter_fault" and alert["severity"] == "critical"
    assert "over-current" in alert["message"]


async def test_an_unplugged_board_closes_the_slot_and_it_reopens_when_back(drop) -> None:  # type: ignore[no-untyped-def]
    rig: Drop = await drop("mcu")
    assert rig.mcu is not None and rig.mcu_pair is not None
    await rig.mcu.close()
    rig.mcu_pair.unplug()
    await rig.eventually(lambda: not rig.pins.pin(READY).state)
    await rig.eventually(lambda: _status(rig, "sorter", "down"))
    (alert,) = await rig.eventually(lambda: rig.events("staff_alert"))
    assert alert["alert"] == "bookdrop_sorter_down"
    rig.mcu_pair.plug()
    from firmware_bridge.emulator import PtyBoard

    assert rig.board is not None
    rig.mcu = await PtyBoard(rig.board, rig.mcu_pair.device).start()
    await rig.eventually(lambda: rig.pins.pin(READY).state, timeout_s=20)
    await rig.insert(rig.catalog[HOLD])
    await rig.eventually(lambda: rig.landed_count(1))
    assert rig.landed == [(HOLD, "holds")]


async def test_a_board_that_reboots_mid_sort_sends_no_item_astray(drop) -> None:  # type: ignore[no-untyped-def]
    rig: Drop = await drop("mcu")
    board = rig.board
    assert board is not None
    board.sort_time_s = 0.5
    await rig.insert(rig.catalog[ON_LOAN])
    await rig.eventually(lambda: board.received and any(
        type(m).__name__ == "Sort" for m in board.received))
    board.reboot()  # power glitch on the board while the conveyor runs
    alerts = await rig.eventually(lambda: rig.events("staff_alert"))
    assert alerts[0]["alert"] == "bookdrop_sorter_failed"
    await asyncio.sleep(0.6)
    assert rig.landed == []  # the sort was lost with the reboot, and reported
