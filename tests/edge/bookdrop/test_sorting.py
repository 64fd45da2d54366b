"""Books returned through the slot of a book drop with a GPIO sorter: each
is checked in at the (demo) ILS, its tag secured again, and it lands in the
bin its routing names; what cannot be checked in lands in the problem bin
and staff are told."""

from __future__ import annotations

import asyncio
import json

from drivers.sim.tags import SimTag
from drivers.tags import ItemTag, encode
from tests.edge.bookdrop.conftest import FULL, READY, SLOT, Drop

ON_LOAN = "30000010"    # on loan, overdue: back to the shelf
HOLD = "30000006"       # a patron is waiting for it: the hold shelf
TRANSIT = "30000008"    # belongs to another library: transit


async def test_a_returned_book_is_checked_in_secured_and_shelved(drop) -> None:  # type: ignore[no-untyped-def]
    rig: Drop = await drop()
    assert rig.pins.pin(READY).state  # the green "insert a book" light
    book = rig.catalog[ON_LOAN]
    assert book.afi == 0xC2  # on loan: unsecured
    assert await rig.ils.loan(ON_LOAN) is not None
    await rig.insert(book)
    await rig.eventually(lambda: rig.landed_count(1))
    assert rig.landed == [(ON_LOAN, "shelf")]
    assert book.afi == 0x07  # secured again by the check-in
    assert await rig.ils.loan(ON_LOAN) is None  # the ILS has it back
    await rig.eventually(lambda: rig.pins.pin(READY).state)
    assert rig.service.bins["shelf"].count == 1
    assert await rig.returned() == [ON_LOAN]  # checked in once, though it lay there a while


async def test_holds_and_transit_go_to_their_bins(drop) -> None:  # type: ignore[no-untyped-def]
    rig: Drop = await drop()
    for n, pii in enumerate((HOLD, TRANSIT, ON_LOAN), start=1):
        await rig.insert(rig.catalog[pii])
        await rig.eventually(lambda n=n: rig.landed_count(n))
        await rig.eventually(lambda: rig.pins.pin(READY).state)  # ready for the next
    assert rig.landed == [(HOLD, "holds"), (TRANSIT, "transit"), (ON_LOAN, "shelf")]
    assert await rig.ils.item_status(HOLD) == "hold_shelf"
    assert await rig.ils.item_status(TRANSIT) == "in_transit"
    counts = {b.name: b.count for b in rig.service.bins.bins}
    assert counts == {"shelf": 1, "holds": 1, "transit": 1, "problem": 0}


async def test_an_item_the_ils_does_not_know_goes_to_the_problem_bin(drop) -> None:  # type: ignore[no-untyped-def]
    rig: Drop = await drop()
    encoded = encode(ItemTag.new("99999999", "VN-TVTPHN"), block_size=4, capacity=112)
    stranger = SimTag(bytes.fromhex("E004015099999999"), memory=encoded.memory,
                      dsfid=encoded.dsfid, afi=0xC2)
    await rig.insert(stranger)
    await rig.eventually(lambda: rig.landed_count(1))
    assert rig.landed == [("E004015099999999", "problem")]
    assert stranger.afi == 0xC2  # not checked in: its tag is left as it was
    (alert,) = await rig.eventually(lambda: rig.events("staff_alert"))
    assert (alert["alert"], alert["item"]) == ("bookdrop_problem_item", "99999999")
    assert "item_unknown" in alert["message"]
    assert await rig.checkins() == [("99999999", "online", "refused")]
    assert await rig.events("return") == []


async def test_a_tag_that_cannot_be_read_goes_to_the_problem_bin_with_an_alert(drop) -> None:  # type: ignore[no-untyped-def]
    rig: Drop = await drop()
    blank = SimTag(bytes.fromhex("E004015012340000"))  # blank memory: no item data
    await rig.insert(blank)
    await rig.eventually(lambda: rig.landed_count(1))
    assert rig.landed[0][1] == "problem"
    (alert,) = await rig.eventually(lambda: rig.events("staff_alert"))
    assert alert["alert"] == "bookdrop_unreadable" and alert["uid"] == "E004015012340000"
    assert await rig.returned() == []


async def test_two_books_dropped_together_with_different_routes(drop) -> None:  # type: ignore[no-untyped-def]
    rig: Drop = await drop()
    await rig.insert(rig.catalog[ON_LOAN], rig.catalog[HOLD])
    await rig.eventually(lambda: rig.landed_count(2))
    assert {bin_name for _, bin_name in rig.landed} == {"problem"}
    assert sorted(await rig.returned()) == sorted([ON_LOAN, HOLD])  # both checked in
    alerts = await rig.eventually(lambda: rig.events("staff_alert"))
    assert alerts[0]["alert"] == "bookdrop_mixed_items"


async def test_a_full_bin_closes_the_slot_until_it_is_emptied(drop) -> None:  # type: ignore[no-untyped-def]
    rig: Drop = await drop()
    rig.service.bins["shelf"].spec.__dict__["capacity"] = 1  # a small shelf bin
    await rig.insert(rig.catalog[ON_LOAN])
    await rig.eventually(lambda: rig.landed_count(1))
    # full by count: nothing else could go on the shelf, so the slot closes
    await rig.eventually(lambda: not rig.pins.pin(READY).state)
    alerts = await rig.eventually(lambda: rig.events("staff_alert"))
    assert alerts[0]["alert"] == "bookdrop_bin_full" and alerts[0]["severity"] == "critical"
    status = await rig.eventually(lambda: _bins_degraded(rig))
    assert "shelf 1/1 FULL" in (status[1] or "")
    # staff empty it: the full sensor trips and clears as the bin is pulled and put back
    await rig.pins.drive(FULL["shelf"], False)
    await asyncio.sleep(0.05)
    await rig.pins.drive(FULL["shelf"], True)
    await rig.eventually(lambda: rig.pins.pin(READY).state)
    assert rig.service.bins["shelf"].count == 0


async def _bins_degraded(rig: Drop) -> tuple[str, str | None] | None:
    status = (await rig.status()).get("bins")
    return status if status and status[0] == "degraded" else None


async def test_counts_survive_a_restart(drop) -> None:  # type: ignore[no-untyped-def]
    rig: Drop = await drop()
    await rig.insert(rig.catalog[HOLD])
    await rig.eventually(lambda: rig.landed_count(1))
    await rig.eventually(lambda: rig.pins.pin(READY).state)
    await rig.stop()
    again: Drop = await drop()
    assert again.service.bins["holds"].count == 1


async def test_a_jammed_chute_is_a_critical_alert(drop) -> None:  # type: ignore[no-untyped-def]
    rig: Drop = await drop()
    rig._in_chute.clear()  # noqa: SLF001 - the book will not move
    rig.feig.pad.place(rig.catalog[ON_LOAN])
    await rig.pins.drive(SLOT, False)
    alerts = await rig.eventually(lambda: rig.events("staff_alert"))
    assert alerts[0]["alert"] == "bookdrop_jam" and alerts[0]["severity"] == "critical"
    await asyncio.sleep(1.5)  # the status checks come and go...
    assert not rig.pins.pin(READY).state  # ...the slot stays closed while the chute is blocked
    rig.feig.pad.remove(rig.catalog[ON_LOAN].uid)
    await rig.pins.drive(SLOT, True)  # staff clear the chute
    await rig.eventually(lambda: rig.pins.pin(READY).state)


async def test_staff_empty_a_bin_from_the_command_line_while_it_runs(drop, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.edge.cli.test_bookdrop_cmd import bookdrop_toml
    from tests.edge.cli.test_reader_cmd import smartlib

    rig: Drop = await drop()
    await rig.insert(rig.catalog[HOLD])
    await rig.eventually(lambda: rig.service.bins["holds"].count == 1)
    config = bookdrop_toml(tmp_path)  # the same store as the running book drop
    result = await smartlib("bookdrop", "empty", "holds", "--config", str(config), "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["running_book_drop_told"] is True
    assert rig.service.bins["holds"].count == 0
