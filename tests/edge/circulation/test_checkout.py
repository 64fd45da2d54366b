"""Checkout, return and renewal online: the ILS and the tags end in step,
each completed transaction leaves its event in the outbox."""

from __future__ import annotations

import json

from drivers.sim.library import AFI_IN_LIBRARY, AFI_ON_LOAN
from edge.circulation.reasons import Reason
from edge.circulation.service import CirculationService
from tests.edge.circulation.conftest import CARD_P0001, patron, place
from tests.peers.circulation import Rig, wait_for


def outbox(service: CirculationService) -> list[tuple[str, dict[str, object]]]:
    return [(p.type, json.loads(p.payload)) for p in service.store.outbox.pending()]


async def test_checkout_of_a_stack_loans_in_the_ils_and_unsecures_each_tag(
        rig: Rig, service: CirculationService) -> None:
    reader = await patron(service, CARD_P0001)
    assert reader.id == "P0001" and reader.name == "Nguyễn Thị Minh Anh"
    await place(rig, service, "30000001", "30000002", "30000003")
    await wait_for(lambda: all(i.title for i in service.stack.items), what="titles")
    assert {i.pii: i.title for i in service.stack.items} == {
        "30000001": "Truyện Kiều", "30000002": "Số đỏ", "30000003": "Dế Mèn phiêu lưu ký"}
    result = await service.checkout(reader)
    assert [(i.pii, i.status) for i in result.items] == [
        ("30000001", "done"), ("30000002", "done"), ("30000003", "done")]
    loans = await rig.ils.loans()
    for pii in ("30000001", "30000002", "30000003"):
        assert loans[pii].patron_id == "P0001"
        assert rig.tag(pii).afi == AFI_ON_LOAN
    assert all(item.due is not None for item in result.items)
    sent = outbox(service)
    assert [(t, p["item"], p["patron"], p["mode"]) for t, p in sent] == [
        ("loan", "30000001", "P0001", "online"), ("loan", "30000002", "P0001", "online"),
        ("loan", "30000003", "P0001", "online")]
    assert sent[0][1]["title"] == "Truyện Kiều"


async def test_return_secures_the_tag_and_carries_the_routing(
        rig: Rig, service: CirculationService) -> None:
    # 30000009 is on loan to P0002; 30000006 has a hold for P0002; 30000008 is another library's
    await place(rig, service, "30000009", "30000008")
    result = await service.checkin()
    by_pii = {i.pii: i for i in result.items}
    assert by_pii["30000009"].status == "done"
    assert by_pii["30000009"].routing is not None
    assert by_pii["30000009"].routing.action == "shelf"
    assert by_pii["30000008"].routing is not None
    assert by_pii["30000008"].routing.action == "transit"
    assert by_pii["30000008"].routing.destination == "VN-TVQG"
    assert await rig.ils.loan("30000009") is None
    assert rig.tag("30000009").afi == AFI_IN_LIBRARY


async def test_an_item_on_hold_for_another_reader_is_refused_and_stays_secured(
        rig: Rig, service: CirculationService) -> None:
    reader = await patron(service, CARD_P0001)
    await place(rig, service, "30000006")
    result = await service.checkout(reader)
    assert result.items[0].status == "refused"
    assert result.items[0].reason is Reason.ITEM_ON_HOLD
    assert await rig.ils.loan("30000006") is None
    assert rig.tag("30000006").afi == AFI_IN_LIBRARY
    assert outbox(service) == []


async def test_a_second_tap_does_not_lend_twice(rig: Rig, service: CirculationService) -> None:
    reader = await patron(service, CARD_P0001)
    await place(rig, service, "30000001", "30000002")
    first = await service.checkout(reader)
    again = await service.checkout(reader)
    assert [i.transaction_id for i in again.items] == [i.transaction_id for i in first.items]
    assert [e.pii for e in await rig.ils.events("checkout")] == ["30000001", "30000002"]
    assert [p["item"] for t, p in outbox(service) if t == "loan"] == ["30000001", "30000002"]
    back = await service.checkin()  # borrowed and returned on the spot: a new transaction
    assert [i.status for i in back.items] == ["done", "done"]
    assert await rig.ils.loan("30000001") is None


async def test_a_site_using_eas_and_afi(rig: Rig) -> None:
    from tests.edge.circulation.conftest import start_service

    service = await start_service(rig, extra="\n[tags]\nuse_eas = true\n")
    try:
        reader = await patron(service, CARD_P0001)
        await place(rig, service, "30000001")
        assert rig.tag("30000001").eas is True
        assert (await service.checkout(reader)).items[0].status == "done"
        tag = rig.tag("30000001")
        assert (tag.afi, tag.eas) == (AFI_ON_LOAN, False)
        assert (await service.checkin()).items[0].status == "done"
        assert (tag.afi, tag.eas) == (AFI_IN_LIBRARY, True)
    finally:
        await service.close()
