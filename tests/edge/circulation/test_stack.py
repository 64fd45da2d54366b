"""The stack on the pad: every tag decoded, multi-part sets checked from
their set information, the tag count compared with what the patron states,
titles from the ILS cached in the store."""

from __future__ import annotations

import asyncio

from drivers.sim.library import AFI_IN_LIBRARY, AFI_ON_LOAN
from drivers.sim.tags import SimTag
from drivers.tags import ItemTag, encode
from edge.circulation.reasons import Reason
from edge.circulation.service import CirculationService
from edge.circulation.stack import build_stack, read_tag
from tests.edge.circulation.conftest import CARD_P0001, patron, place, start_service
from tests.peers.circulation import Rig, wait_for

SET_PART_1, SET_PART_2 = "E004015000000071", "E004015000000072"


def _memory(pii: str, parts: tuple[int, int] | None = None) -> bytes:
    tag = ItemTag.new(pii, "VN-TVTPHN", *(parts or (None, None)))
    return encode(tag, "28560-2", 4, 112).memory


def test_sets_group_and_name_their_missing_parts() -> None:
    uid = bytes.fromhex
    tags = [read_tag(uid("E0040150000000A1"), _memory("40000001", (3, 1)), 0x06),
            read_tag(uid("E0040150000000A3"), _memory("40000001", (3, 3)), 0x06),
            read_tag(uid("E0040150000000B1"), _memory("40000002"), 0x06),
            read_tag(uid("E0040150000000C1"), bytes(112), 0x06)]
    stack = build_stack(tags)
    assert [(i.pii, i.parts_in_item, i.parts_present, i.missing_parts) for i in stack.items] == [
        ("40000001", 3, (1, 3), (2,)), ("40000002", 1, (), ())]
    assert [(p.reason, p.pii, p.missing_parts) for p in stack.problems] == [
        (Reason.TAG_BLANK, None, ()), (Reason.SET_INCOMPLETE, "40000001", (2,))]
    assert stack.problems[0].uid == "E0040150000000C1"
    assert stack.tag_count == 4 and not stack.ready
    assert stack.count_matches(4) and not stack.count_matches(3)


async def test_an_incomplete_set_is_refused_naming_the_missing_part(
        rig: Rig, service: CirculationService) -> None:
    reader = await patron(service, CARD_P0001)
    await place(rig, service, SET_PART_1, "30000001")
    item = service.stack.item("30000007")
    assert item is not None and item.missing_parts == (2,)
    result = await service.checkout(reader)
    by_pii = {i.pii: i for i in result.items}
    assert by_pii["30000007"].status == "refused"
    assert by_pii["30000007"].reason is Reason.SET_INCOMPLETE
    assert by_pii["30000007"].missing_parts == (2,)
    assert by_pii["30000001"].status == "done"
    assert await rig.ils.loan("30000007") is None
    assert rig.tag(SET_PART_1).afi == AFI_IN_LIBRARY


async def test_a_complete_set_is_one_loan_and_every_part_unsecured(
        rig: Rig, service: CirculationService) -> None:
    reader = await patron(service, CARD_P0001)
    await place(rig, service, SET_PART_1, SET_PART_2)
    assert [(i.pii, i.parts_present) for i in service.stack.items] == [("30000007", (1, 2))]
    result = await service.checkout(reader, stated_count=2)
    assert [(i.pii, i.status, len(i.uids)) for i in result.items] == [("30000007", "done", 2)]
    checkouts = [e for e in await rig.ils.events("checkout") if e.pii == "30000007"]
    assert len(checkouts) == 1
    assert rig.tag(SET_PART_1).afi == AFI_ON_LOAN and rig.tag(SET_PART_2).afi == AFI_ON_LOAN


async def test_a_stated_count_that_differs_refuses_everything(
        rig: Rig, service: CirculationService) -> None:
    reader = await patron(service, CARD_P0001)
    await place(rig, service, "30000001", "30000002", "30000003")
    result = await service.checkout(reader, stated_count=2)
    assert result.reason is Reason.COUNT_MISMATCH and result.items == ()
    loans = await rig.ils.loans()
    assert not {"30000001", "30000002", "30000003"} & set(loans)
    assert rig.tag("30000001").afi == AFI_IN_LIBRARY


async def test_a_blank_tag_is_a_problem_the_others_go_on(
        rig: Rig, service: CirculationService) -> None:
    blank = SimTag(bytes.fromhex("E0040150000000EE"), "icode-slix", afi=AFI_IN_LIBRARY)
    rig.hardware.pad.place(blank)
    await place(rig, service, "30000002")
    await wait_for(lambda: any(p.reason is Reason.TAG_BLANK for p in service.stack.problems),
                   what="the blank tag's problem")
    reader = await patron(service, CARD_P0001)
    result = await service.checkout(reader)
    assert [(i.pii, i.status) for i in result.items] == [("30000002", "done")]
    assert blank.afi == AFI_IN_LIBRARY


async def test_titles_come_from_the_ils_and_stay_in_the_store(rig: Rig) -> None:
    service = await start_service(rig)
    try:
        await place(rig, service, "30000004")
        await wait_for(lambda: service.stack.items[0].title == "Tắt đèn", what="the title")
    finally:
        await service.close()
    rig.hardware.clear()
    await rig.ils.go_offline()
    service = await start_service(rig)
    try:
        await place(rig, service, "30000004")
        await wait_for(lambda: service.stack.items[0].title == "Tắt đèn",
                       what="the cached title, offline")
        assert not service.status().offline.ils_online
    finally:
        await service.close()
    await asyncio.sleep(0)


async def test_removing_a_book_takes_it_off_the_stack(
        rig: Rig, service: CirculationService) -> None:
    await place(rig, service, "30000001", "30000002")
    rig.hardware.remove("30000001")
    await wait_for(lambda: [i.pii for i in service.stack.items] == ["30000002"],
                   what="the lifted book to leave the stack")
