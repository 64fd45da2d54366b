"""Visitor counting from the beams (mock pins) into visitor_count events,
and the direction an alarmed item went."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from drivers.gpio import Passage
from edge.gate.visitors import VisitorPeriods
from tests.edge.gate.conftest import INNER, OUTER, GateRig

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


async def walk(rig: GateRig, direction: str) -> None:
    """Someone walks through: the beams break and clear in order (receivers
    pulled up, high when broken)."""
    first, second = (OUTER, INNER) if direction == "in" else (INNER, OUTER)
    for pin, broken in ((first, True), (second, True), (first, False), (second, False)):
        await rig.pins.drive(pin, broken)
        await asyncio.sleep(0.005)


async def beams_clear(rig: GateRig) -> None:
    for pin in (OUTER, INNER):
        await rig.pins.drive(pin, False)


async def test_visitors_in_and_out_are_counted_and_sent_when_the_gate_stops(gate) -> None:  # type: ignore[no-untyped-def]
    rig: GateRig = await gate()
    await beams_clear(rig)
    for direction in ("in", "in", "out", "in"):
        await walk(rig, direction)
    # someone steps into the outer beam and turns back: not a visitor
    await rig.pins.drive(OUTER, True)
    await rig.pins.drive(OUTER, False)
    await rig.eventually(lambda: rig.service.beams is not None
                         and rig.service.beams.counter.entered == 3)
    await rig.stop()
    counts = await rig.events("visitor_count")
    assert sum(c["entered"] for c in counts) == 3
    assert sum(c["exited"] for c in counts) == 1
    assert all(c["period_start"] <= c["period_end"] for c in counts)


async def test_a_period_that_ends_is_sent_at_its_end(gate) -> None:  # type: ignore[no-untyped-def]
    # the gate starts at 10:04 local time (5-minute periods), then the clock
    # is moved on to half a second before 10:05
    clock = {"offset": datetime(2026, 11, 21, 10, 4, 0, tzinfo=ZONE).timestamp() - time.time()}
    rig: GateRig = await gate(visitor_period_s=300,
                              wall_clock=lambda: time.time() + clock["offset"])
    await beams_clear(rig)
    await walk(rig, "in")
    await rig.eventually(lambda: rig.service.periods is not None
                         and rig.service.periods.entered == 1)
    clock["offset"] = datetime(2026, 11, 21, 10, 4, 59, 500_000,
                               tzinfo=ZONE).timestamp() - time.time()
    (first,) = await rig.eventually(lambda: rig.events("visitor_count"), timeout_s=5)
    assert first["period_end"] == "2026-11-21T10:05:00+07:00"
    assert first["entered"] == 1 and first["exited"] == 0
    await walk(rig, "out")
    await rig.stop()
    counts = await rig.events("visitor_count")
    assert counts[1]["period_start"] == "2026-11-21T10:05:00+07:00"
    assert (counts[1]["entered"], counts[1]["exited"]) == (0, 1)


async def test_an_alarm_carries_the_direction_of_the_passage(gate) -> None:  # type: ignore[no-untyped-def]
    rig: GateRig = await gate(direction_window_s=2.0)
    await beams_clear(rig)
    await rig.pins.drive(INNER, True)  # someone walking out breaks the inner beam
    rig.place("30000001")            # carrying a secured book
    await rig.eventually(lambda: rig.service.alarms == 1)
    await rig.pins.drive(OUTER, True)
    await rig.pins.drive(INNER, False)
    rig.remove("30000001")
    await rig.pins.drive(OUTER, False)
    (alarm,) = await rig.eventually(lambda: rig.events("gate_alarm"))
    assert alarm["direction"] == "out"


async def test_an_alarm_without_a_passage_is_sent_without_a_direction(gate) -> None:  # type: ignore[no-untyped-def]
    rig: GateRig = await gate(direction_window_s=0.3)
    rig.place("30000001")  # a book held into the field, nobody walks through
    (alarm,) = await rig.eventually(lambda: rig.events("gate_alarm"))
    assert "direction" not in alarm


def test_periods_line_up_from_midnight_and_survive_a_clock_jump() -> None:
    start = datetime(2026, 11, 21, 23, 52, 10, tzinfo=ZONE).timestamp()
    periods = VisitorPeriods(900, ZONE, start)
    periods.add(Passage("in", 2, 0, 1))
    (first,) = periods.due(start + 20 * 60)  # 00:12:10 the next day
    assert (first.payload["period_start"], first.payload["period_end"]) == (
        "2026-11-21T23:52:10+07:00", "2026-11-22T00:00:00+07:00")  # started counting 23:52:10
    assert first.payload["entered"] == 2
    (second,) = periods.flush(start + 21 * 60)
    assert (second.payload["period_start"], second.payload["period_end"]) == (
        "2026-11-22T00:00:00+07:00", "2026-11-22T00:13:10+07:00")  # cut short at the stop
    assert second.payload["entered"] == 0  # zero is a count
    # the clock jumps three days ahead: one period closed, none invented
    jumped = periods.due(start + 3 * 86400)
    assert len(jumped) == 1
