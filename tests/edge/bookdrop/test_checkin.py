"""The book drop with circulation's check-in (edge.circulation.bookdrop)
against real peers: the demo ILS over SIP2, the FEIG emulator's tag memory,
GPIO mock pins. Each return is made in the ILS, the tag secured again (read
back from the emulated tag), journaled with its ``return`` event, and the
item sorted by the ILS's routing; offline within policy it is queued,
sorted to the problem bin, and replayed when the ILS is back."""

from __future__ import annotations

from drivers.sim.library import demo_tags
from tests.edge.bookdrop.conftest import Drop

ON_LOAN = "30000010"    # on loan to P0001, overdue
HOLD = "30000006"       # P0002 is waiting for it
TRANSIT = "30000008"    # owned by VN-TVQG
SET = "30000007"        # two parts, one tag each
SECURED, ON_LOAN_AFI = 0x07, 0xC2


async def test_a_return_is_made_in_the_ils_secured_journaled_and_sent(drop) -> None:  # type: ignore[no-untyped-def]
    rig: Drop = await drop()
    book = rig.catalog[ON_LOAN]
    assert book.afi == ON_LOAN_AFI
    await rig.insert(book)
    await rig.eventually(lambda: rig.landed_count(1))
    assert rig.landed == [(ON_LOAN, "shelf")]
    assert await rig.ils.loan(ON_LOAN) is None
    assert book.afi == SECURED
    assert await rig.checkins() == [(ON_LOAN, "online", "done")]
    (event,) = await rig.events("return")
    assert (event["item"], event["mode"], event["routing"]["action"]) == (ON_LOAN, "online",
                                                                          "shelf")
    assert event["title"] == "Mắt biếc"  # from the ILS's answer
    assert await rig.events("staff_alert") == []


async def test_the_ils_routing_sorts_holds_and_transit(drop) -> None:  # type: ignore[no-untyped-def]
    rig: Drop = await drop()
    for n, pii in enumerate((HOLD, TRANSIT), start=1):
        await rig.insert(rig.catalog[pii])
        await rig.eventually(lambda n=n: rig.landed_count(n))
        await rig.eventually(lambda: rig.pins.pin(rig.service.sorter.section.pins.ready_light
                                                  ).state)
    assert rig.landed == [(HOLD, "holds"), (TRANSIT, "transit")]
    routed = {e["item"]: e["routing"] for e in await rig.events("return")}
    assert routed[HOLD]["action"] == "hold"
    assert routed[TRANSIT] == {"action": "transit", "destination": "VN-TVQG",
                               "message": routed[TRANSIT]["message"]}
    assert rig.catalog[HOLD].afi == SECURED and rig.catalog[TRANSIT].afi == SECURED


async def test_a_set_is_returned_whole_and_an_incomplete_one_goes_to_the_problem_bin(drop) -> None:  # type: ignore[no-untyped-def]
    rig: Drop = await drop()
    part_one, part_two = (t for t in demo_tags() if t.uid.hex().upper() in (
        "E004015000000071", "E004015000000072"))
    part_one.afi = part_two.afi = ON_LOAN_AFI
    await rig.insert(part_one)  # part 2 is missing
    await rig.eventually(lambda: rig.landed_count(1))
    assert rig.landed[0][1] == "problem"
    assert part_one.afi == ON_LOAN_AFI  # nothing done to it
    assert await rig.checkins() == []
    (alert,) = await rig.eventually(lambda: rig.events("staff_alert"))
    assert (alert["alert"], alert["item"]) == ("bookdrop_problem_item", SET)
    assert "2" in alert["message"]
    await rig.eventually(lambda: rig.pins.pin(rig.service.sorter.section.pins.ready_light
                                              ).state)
    await rig.insert(part_one, part_two)  # both parts together
    await rig.eventually(lambda: rig.landed_count(3))
    assert [b for _, b in rig.landed[1:]] == ["shelf", "shelf"]
    assert part_one.afi == part_two.afi == SECURED
    assert await rig.checkins() == [(SET, "online", "done")]  # one item, not two


async def test_offline_a_return_is_queued_sorted_to_the_problem_bin_and_replayed(drop) -> None:  # type: ignore[no-untyped-def]
    rig: Drop = await drop()
    await rig.ils.go_offline()
    book = rig.catalog[ON_LOAN]
    await rig.insert(book)
    await rig.eventually(lambda: rig.landed_count(1))
    assert rig.landed == [(ON_LOAN, "problem")]  # the route is unknown until the ILS says
    assert book.afi == SECURED  # secured at once, offline too
    assert await rig.checkins() == [(ON_LOAN, "offline", "queued")]
    (queued,) = await rig.events("offline_transaction")
    assert (queued["operation"], queued["item"]) == ("checkin", ON_LOAN)
    (alert,) = await rig.eventually(lambda: rig.events("staff_alert"))
    assert (alert["alert"], alert["item"]) == ("bookdrop_problem_item", ON_LOAN)
    assert await rig.events("return") == []
    assert await rig.ils.loan(ON_LOAN) is not None  # the ILS does not know yet

    await rig.ils.come_back()
    await rig.eventually(lambda: rig.events("return"))
    assert await rig.checkins() == [(ON_LOAN, "offline", "replayed")]
    (event,) = await rig.events("return")
    assert (event["mode"], event["routing"]["action"]) == ("offline", "shelf")
    assert "transaction_time" in event
    assert await rig.ils.loan(ON_LOAN) is None
