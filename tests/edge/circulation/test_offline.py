"""Offline mode: the ILS is cut in the middle of a stack, the kiosk goes on
within its policy, every offline transaction is journaled before it is
confirmed, and when the ILS is back the journal is replayed in order (SIP2
no-block, original dates) and every conflict reported."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from drivers.sim.library import AFI_IN_LIBRARY, AFI_ON_LOAN
from drivers.sim.tags import SimTag
from drivers.tags import ItemTag, encode
from edge.circulation.ilslink import OFFLINE_SINCE
from edge.circulation.model import LockChanged, TypedNumber
from edge.circulation.reasons import Reason
from edge.circulation.service import CirculationService
from edge.store import open_store
from tests.conftest import CliResult
from tests.edge.circulation.conftest import CARD_P0001, only, patron, place, start_service
from tests.peers.circulation import Rig, wait_for

#: The demo library's clock: SIP2 dates are its local time.
LIBRARY_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def sent(service: CirculationService, kind: str) -> list[dict[str, Any]]:
    return [json.loads(p.payload) for p in service.store.outbox.pending() if p.type == kind]


async def test_ils_cut_mid_stack_continues_offline_and_replays_in_order(rig: Rig) -> None:
    seen = {"n": 0}
    cut: list[asyncio.Task[None]] = []

    def checkpoint(step: str) -> None:
        if step == "ils_answered":
            seen["n"] += 1
            if seen["n"] == 2:  # the ILS dies after answering the second book
                cut.append(asyncio.get_running_loop().create_task(rig.ils.go_offline()))

    service = await start_service(rig, checkpoint=checkpoint)
    try:
        reader = await patron(service, CARD_P0001)
        books = ["30000001", "30000002", "30000003", "30000004"]
        await place(rig, service, *books)
        before = datetime.now(LIBRARY_ZONE).replace(microsecond=0, tzinfo=None)
        result = await service.checkout(reader)
        await asyncio.gather(*cut)
        assert [(i.pii, i.status) for i in result.items] == [
            ("30000001", "done"), ("30000002", "done"), ("30000003", "queued"),
            ("30000004", "queued")]
        assert result.offline
        assert all(rig.tag(pii).afi == AFI_ON_LOAN for pii in books)
        assert not service.status().offline.ils_online
        assert service.status().offline.queued == 2
        queued_due = result.items[2].due
        assert queued_due is not None and queued_due.date() == (before + timedelta(days=14)).date()
        assert [p["item"] for p in sent(service, "offline_transaction")] == books[2:]

        await rig.ils.come_back()
        await wait_for(lambda: service.status().offline.queued == 0, what="the replay")
        loans = await rig.ils.loans()
        for pii in books:
            assert loans[pii].patron_id == "P0001", pii
        replayed = {e.pii: e for e in await rig.ils.events("checkout") if e.no_block}
        assert set(replayed) == {"30000003", "30000004"}
        for event in replayed.values():
            assert before <= event.transaction_date <= before + timedelta(seconds=30)
        assert loans["30000003"].due_at.date() == queued_due.date()
        offline_loans = [p for p in sent(service, "loan") if p["mode"] == "offline"]
        assert [p["item"] for p in offline_loans] == ["30000003", "30000004"]
        assert all("transaction_time" in p for p in offline_loans)
        assert sent(service, "offline_conflict") == []
    finally:
        await service.close()


def unknown_item_tag() -> SimTag:
    encoded = encode(ItemTag.new("39999999", "VN-TVTPHN"), "28560-2", 4, 112)
    return SimTag(bytes.fromhex("E004015000009999"), memory=encoded.memory,
                  dsfid=encoded.dsfid, afi=AFI_IN_LIBRARY)


async def test_every_conflict_is_reported(rig: Rig, cli: Callable[..., CliResult]) -> None:
    service = await start_service(rig)
    try:
        anh = await patron(service, CARD_P0001)
        await rig.ils.go_offline()
        yen = (await service.identify(TypedNumber("P0003"))).patron  # blocked, unknown here
        assert yen is not None and yen.offline and not yen.blocked
        stranger = unknown_item_tag()
        rig.hardware.pad.place(stranger)
        await place(rig, service, "30000006")
        await wait_for(lambda: service.stack.item("39999999") is not None, what="unknown item")
        first = await service.checkout(anh)
        assert sorted((i.pii, i.status) for i in first.items) == [
            ("30000006", "queued"), ("39999999", "queued")]
        await only(rig, service, "30000012")
        assert (await service.checkout(yen)).items[0].status == "queued"
        await only(rig, service, "30000001")
        back = await service.checkin()
        assert back.items[0].status == "queued"
        assert back.items[0].routing is not None and not back.items[0].routing.known

        await rig.ils.come_back()
        await wait_for(lambda: service.status().offline.queued == 0, what="the replay")
        conflicts = {p["item"]: p["conflict"] for p in sent(service, "offline_conflict")}
        assert conflicts == {"30000006": "on_hold", "39999999": "unknown_item",
                             "30000012": "patron_blocked", "30000001": "already_checked_in"}
        assert len([a for a in sent(service, "staff_alert")
                    if a["alert"] == "offline_conflict"]) == 4
        loans = await rig.ils.loans()
        assert loans["30000006"].patron_id == "P0001"  # the book is out: recorded anyway
        assert loans["30000012"].patron_id == "P0003"
        assert "39999999" not in loans and "30000001" not in loans
        assert service.status().offline.conflicts == 4
        config = str(rig.directory / "kiosk.toml")
    finally:
        await service.close()
    report = cli("offline", "report", "--config", config, "--json")
    assert report.code == 1, report.stderr
    data = json.loads(report.stdout)
    assert data["queued"] == [] and data["replayed"] == 3
    assert {(p["item"], p["problem"], p["state"]) for p in data["problems"]} == {
        ("30000006", "on_hold", "conflict"), ("39999999", "unknown_item", "failed"),
        ("30000012", "patron_blocked", "conflict"),
        ("30000001", "already_checked_in", "conflict")}
    text = cli("--lang", "en", "offline", "report", "--config", config)
    assert "unknown_item" in text.stdout and "Problems for staff: 4" in text.stdout


async def test_offline_policy_limits(rig: Rig) -> None:
    service = await start_service(rig, offline="max_items_per_patron = 2\n"
                                               'operations = ["checkout", "checkin"]')
    try:
        reader = await patron(service, CARD_P0001)
        await rig.ils.go_offline()
        await place(rig, service, "30000001", "30000002", "30000003")
        result = await service.checkout(reader)
        assert [(i.status, i.reason) for i in result.items] == [
            ("queued", None), ("queued", None), ("refused", Reason.OFFLINE_LIMIT)]
        assert rig.tag("30000003").afi == AFI_IN_LIBRARY
        renewal = await service.renew(reader, ["30000010"])
        assert [i.reason for i in renewal.items] == [Reason.OFFLINE_NOT_ALLOWED]
        # offline for too long: no more offline loans
        long_ago = (datetime.now().astimezone() - timedelta(hours=80)).isoformat()
        await asyncio.to_thread(service.journal.set_state, OFFLINE_SINCE, long_ago)
        await service.ils.restore()
        await only(rig, service, "30000004")
        late = await service.checkout(reader)
        assert [i.reason for i in late.items] == [Reason.OFFLINE_TOO_LONG]
        await service.recover()  # refreshes the status
        assert not service.status().offline.accepting
    finally:
        await service.close()


async def test_offline_disabled_refuses_identification(rig: Rig) -> None:
    await rig.ils.go_offline()
    service = await start_service(rig, offline="enabled = false")
    try:
        found = await service.identify(TypedNumber("P0001"))
        assert (found.status, found.reason) == ("refused", Reason.ILS_UNAVAILABLE)
    finally:
        await service.close()


async def test_borrowed_and_returned_offline_replays_in_that_order(rig: Rig) -> None:
    service = await start_service(rig)
    try:
        reader = await patron(service, CARD_P0001)
        await rig.ils.go_offline()
        await place(rig, service, "30000002")
        assert (await service.checkout(reader)).items[0].status == "queued"
        assert (await service.checkin()).items[0].status == "queued"
        assert rig.tag("30000002").afi == AFI_IN_LIBRARY
        await rig.ils.come_back()
        await wait_for(lambda: service.status().offline.queued == 0, what="the replay")
        assert await rig.ils.loan("30000002") is None
        kinds = [e.kind for e in await rig.ils.events() if e.pii == "30000002"]
        assert kinds == ["checkout", "checkin"]
        assert sent(service, "offline_conflict") == []
    finally:
        await service.close()


async def test_the_agents_flush_request_is_carried_out_by_the_service(
        rig: Rig, cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in rig.environ.items():
        monkeypatch.setenv(name, value)
    service = await start_service(rig, probe_interval_s=3600)
    try:
        reader = await patron(service, CARD_P0001)
        await rig.ils.go_offline()
        await service.ils.probe()
        await place(rig, service, "30000001")
        assert (await service.checkout(reader)).items[0].status == "queued"
        await rig.ils.come_back()  # nobody notices: the probe is an hour away
        with open_store(rig.directory / "device.db") as agent_side:
            outcome = await agent_side.requests.call("flush_offline_queue", {}, 10)
        assert outcome.state == "done"
        assert outcome.result == {"replayed": 1, "conflicts": 0, "remaining": 0}
        assert (await rig.ils.loan("30000001")) is not None
        config = str(rig.directory / "kiosk.toml")
        again = await asyncio.to_thread(cli, "offline", "flush", "--config", config, "--json")
        assert again.code == 0, again.stderr
        assert json.loads(again.stdout)["remaining"] == 0
    finally:
        await service.close()


async def test_the_kiosk_lock_refuses_transactions(
        rig: Rig, service: CirculationService) -> None:
    events = service.events()
    reader = await patron(service, CARD_P0001)
    await place(rig, service, "30000001")
    with open_store(rig.directory / "device.db") as agent_side:  # as the agent does
        state = await asyncio.to_thread(agent_side.kiosk_lock.set, True, "bảo trì", "remote")
    async with asyncio.timeout(10):
        while not isinstance(event := await anext(events), LockChanged) or not event.locked:
            pass
    assert event.reason == "bảo trì"
    result = await service.checkout(reader)
    assert result.reason is Reason.DEVICE_LOCKED
    await service.acknowledge_lock(event.version)
    assert service.store.kiosk_lock.get().applied_version == state.version
    await events.aclose()
