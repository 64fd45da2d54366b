"""What people at the gate see and hear when books pass, and what the
centre is told: one alarm per pass for a secured item, nothing for a book
on loan, the item's identity in the event, never the person's."""

from __future__ import annotations

import asyncio

from tests.edge.gate.conftest import BUZZER, GREEN, RED, GateRig


async def count(rig: GateRig, at_least: int | None = None) -> int | bool:
    n = len(await rig.events("gate_alarm"))
    return n if at_least is None else n >= at_least


SECURED = "30000001"   # in the library: AFI 0x07, EAS armed
ON_LOAN = "30000009"   # checked out: AFI 0xC2, EAS off


async def test_a_secured_book_lights_red_sounds_and_sends_one_alarm(gate) -> None:  # type: ignore[no-untyped-def]
    rig: GateRig = await gate()
    assert rig.pins.pin(GREEN).state and not rig.pins.pin(RED).state  # in service
    rig.pins.clear(RED)
    rig.pins.clear(BUZZER)
    book = rig.place(SECURED, antenna=2)
    await rig.eventually(lambda: rig.pins.pin(RED).state)
    assert not rig.pins.pin(GREEN).state  # only red while the alarm sounds
    alarms = await rig.eventually(lambda: rig.events("gate_alarm"))
    await asyncio.sleep(0.4)  # the book lingers in the field for many polls
    rig.remove(SECURED)
    await rig.eventually(lambda: not rig.service.indicators.alarming)
    await rig.eventually(lambda: rig.pins.pin(GREEN).state)  # back in service
    assert rig.pins.states(RED) == [False, True, False]  # one continuous alarm
    assert rig.pins.on_periods(RED)[0] >= 0.3 - 0.005
    beeps = rig.pins.states(BUZZER).count(True)
    assert beeps >= 2  # the "pulse" pattern, not a steady tone
    assert len(await rig.events("gate_alarm")) == 1
    (alarm,) = alarms
    assert alarm["_schema"] == 2
    assert alarm["uid"] == book.uid.hex().upper()
    assert (alarm["item"], alarm["owner"]) == (SECURED, "VN-TVTPHN")
    assert (alarm["antenna"], alarm["security"], alarm["afi"]) == (2, "afi", 0x07)
    assert alarm["detected_at"].endswith("+07:00")
    assert "patron" not in alarm and "title" not in alarm


async def test_a_book_on_loan_passes_quietly(gate) -> None:  # type: ignore[no-untyped-def]
    rig: GateRig = await gate()
    rig.pins.clear(RED)
    rig.place(ON_LOAN)
    polls = rig.service.detector.polls
    await rig.eventually(lambda: rig.service.detector.polls > polls + 10)
    rig.remove(ON_LOAN)
    assert rig.pins.states(RED) == [False]
    assert await rig.events("gate_alarm") == []
    assert rig.pins.pin(GREEN).state


async def test_the_same_book_alarms_again_on_its_next_pass(gate) -> None:  # type: ignore[no-untyped-def]
    rig: GateRig = await gate(rearm_after_s=0.5)
    rig.place(SECURED)
    await rig.eventually(lambda: count(rig, 1))
    rig.remove(SECURED)
    await asyncio.sleep(0.2)  # back through the gate before it re-arms: same pass
    rig.place(SECURED)
    await asyncio.sleep(0.2)
    rig.remove(SECURED)
    await asyncio.sleep(0.8)  # gone longer than rearm_after_s
    assert await count(rig) == 1
    rig.place(SECURED)
    await rig.eventually(lambda: count(rig, 2))


async def test_two_secured_books_in_one_bag_are_two_alarm_events(gate) -> None:  # type: ignore[no-untyped-def]
    rig: GateRig = await gate()
    for pii in (SECURED, "30000002", ON_LOAN):
        rig.place(pii)
    await rig.eventually(lambda: count(rig, 2))
    await asyncio.sleep(0.2)
    assert sorted(a["item"] for a in await rig.events("gate_alarm")) == [SECURED, "30000002"]


async def test_a_tag_from_another_library_alarms_only_if_the_site_asks(gate) -> None:  # type: ignore[no-untyped-def]
    rig: GateRig = await gate(alarm_unknown_afi=True, afi_filter=False)
    book = rig.book(SECURED)
    book.afi = 0x1E  # neither 07 nor C2
    rig.place(SECURED)
    (alarm,) = await rig.eventually(lambda: rig.events("gate_alarm"))
    assert alarm["afi"] == 0x1E


async def test_with_the_afi_filter_books_on_loan_never_answer(gate) -> None:  # type: ignore[no-untyped-def]
    rig: GateRig = await gate()
    rig.place(ON_LOAN)
    rig.place(SECURED)
    await rig.eventually(lambda: rig.events("gate_alarm"))
    inventories = [raw for raw in rig.feig.sent() if raw[2:4] == b"\xb0\x01"]
    assert inventories and rig.feig.emulator.afi_filter == 0x07
    assert rig.service.detector.classified == 1  # only the secured book was asked its AFI


async def test_eas_sites_alarm_on_the_eas_answer(gate) -> None:  # type: ignore[no-untyped-def]
    rig: GateRig = await gate(tags={"use_afi": False, "use_eas": True})
    book = rig.place(SECURED)  # alone in the field: the EAS answer is its own
    (alarm,) = await rig.eventually(lambda: rig.events("gate_alarm"))
    assert (alarm["uid"], alarm["security"]) == (book.uid.hex().upper(), "eas")
    rig.remove(SECURED)
    await asyncio.sleep(0.8)
    # two books, one armed: EAS cannot say which, the alarm still sounds
    rig.place(ON_LOAN)
    rig.place("30000002")
    await rig.eventually(lambda: count(rig, 2))
    alarms = await rig.events("gate_alarm")
    assert alarms[1]["security"] == "eas" and "uid" not in alarms[1]
