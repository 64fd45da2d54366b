"""A tag that will not take its new state is never silently left: the
checkout is undone in the ILS (checked back in) and staff are alerted; a
return stands and is alerted; if even the undo fails the entry stays open
and is undone once the ILS answers again."""

from __future__ import annotations

import json
from typing import Any

from drivers.sim.library import AFI_IN_LIBRARY, AFI_ON_LOAN
from edge.circulation.reasons import Reason
from edge.circulation.service import CirculationService
from tests.edge.circulation.conftest import CARD_P0001, patron, place, start_service
from tests.peers.circulation import Rig, wait_for


def sent(service: CirculationService) -> list[tuple[str, dict[str, Any]]]:
    return [(p.type, json.loads(p.payload)) for p in service.store.outbox.pending()]


def alerts(service: CirculationService) -> list[dict[str, Any]]:
    return [payload for kind, payload in sent(service) if kind == "staff_alert"]


async def checkout_with(rig: Rig, items: list[str], step: str | None = None,
                        act: Any = None) -> tuple[CirculationService, Any]:
    def checkpoint(name: str) -> None:
        if name == step:
            act()

    service = await start_service(rig, checkpoint=checkpoint)
    await place(rig, service, *items)
    reader = await patron(service, CARD_P0001)
    return service, await service.checkout(reader)


async def test_a_locked_afi_undoes_the_checkout_and_alerts_staff(rig: Rig) -> None:
    rig.tag("30000002").afi_locked = True
    service, result = await checkout_with(rig, ["30000001", "30000002"])
    try:
        by_pii = {i.pii: i for i in result.items}
        assert by_pii["30000001"].status == "done"
        assert (by_pii["30000002"].status, by_pii["30000002"].reason) == (
            "refused", Reason.TAG_WRITE_FAILED)
        assert await rig.ils.loan("30000002") is None
        assert [e.kind for e in await rig.ils.events() if e.pii == "30000002"] == [
            "checkout", "checkin"]
        assert rig.tag("30000002").afi == AFI_IN_LIBRARY
        [alert] = alerts(service)
        assert (alert["alert"], alert["item"], alert["uid"]) == (
            "tag_write_failed", "30000002", "E004015000000002")
        assert [p["item"] for k, p in sent(service) if k == "loan"] == ["30000001"]
    finally:
        await service.close()


async def test_a_chip_that_acknowledges_but_does_not_store_fails_verification(
        rig: Rig) -> None:
    tag = rig.tag("30000003")
    tag.write_afi = lambda afi: None  # type: ignore[method-assign]  # a broken chip
    service, result = await checkout_with(rig, ["30000003"])
    try:
        assert (result.items[0].status, result.items[0].reason) == (
            "refused", Reason.TAG_WRITE_FAILED)
        assert "reads back" in (result.items[0].detail or "")
        assert await rig.ils.loan("30000003") is None
        assert tag.afi == AFI_IN_LIBRARY
    finally:
        await service.close()


async def test_a_book_lifted_before_its_tag_is_written(rig: Rig) -> None:
    service, result = await checkout_with(
        rig, ["30000004"], "ils_recorded", lambda: rig.hardware.remove("30000004"))
    try:
        assert (result.items[0].status, result.items[0].reason) == ("refused", Reason.TAG_LEFT)
        assert await rig.ils.loan("30000004") is None
        assert rig.tag("30000004").afi == AFI_IN_LIBRARY  # never written
        [alert] = alerts(service)
        assert (alert["alert"], alert["severity"]) == ("tag_state_unknown", "critical")
    finally:
        await service.close()


async def test_the_second_part_of_a_set_fails_the_first_is_secured_again(rig: Rig) -> None:
    rig.tag("E004015000000072").afi_locked = True
    service, result = await checkout_with(rig, ["E004015000000071", "E004015000000072"])
    try:
        assert (result.items[0].pii, result.items[0].status) == ("30000007", "refused")
        assert await rig.ils.loan("30000007") is None
        assert rig.tag("E004015000000071").afi == AFI_IN_LIBRARY
        assert rig.tag("E004015000000072").afi == AFI_IN_LIBRARY
    finally:
        await service.close()


async def test_a_return_whose_tag_cannot_be_secured_goes_to_staff(
        rig: Rig, service: CirculationService) -> None:
    rig.tag("30000010").afi_locked = True  # on loan to P0001, AFI on loan
    await place(rig, service, "30000010")
    result = await service.checkin()
    item = result.items[0]
    assert (item.status, item.reason) == ("alert", Reason.TAG_WRITE_FAILED)
    assert item.routing is not None and item.routing.action == "alert"
    assert await rig.ils.loan("30000010") is None  # the book is back
    assert rig.tag("30000010").afi == AFI_ON_LOAN
    kinds = [(k, p.get("alert") or p.get("routing", {}).get("action")) for k, p in sent(service)]
    assert kinds == [("return", "alert"), ("staff_alert", "checkin_not_secured")]


async def test_when_the_undo_fails_too_the_entry_waits_for_the_ils(rig: Rig) -> None:
    def break_both() -> None:
        rig.tag("30000005").afi_locked = True
        rig.ils.faults.drop_next = 10  # the check-in that would undo it never arrives

    service, result = await checkout_with(rig, ["30000005"], "ils_recorded", break_both)
    try:
        item = result.items[0]
        assert (item.status, item.reason) == ("alert", Reason.TAG_WRITE_FAILED)
        assert (await rig.ils.loan("30000005")) is not None
        assert [a["alert"] for a in alerts(service)] == ["loan_not_unsecured"]
        assert service.status().offline.unfinished == 1
        rig.ils.faults.clear()
        await wait_for(lambda: service.status().offline.unfinished == 0, what="recovery")
        assert await rig.ils.loan("30000005") is None
        assert rig.tag("30000005").afi == AFI_IN_LIBRARY
    finally:
        await service.close()
