"""The demo ILS behaves like a library system: holds, transit, loan limits,
blocks, renewal limits, fines, and offline replays with SIP2 no block and
the original dates. Driven through our client over a real socket; state
checked through the server's inspection methods."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from drivers.sim.ils import DemoIls, Faults, parse_fault
from drivers.sip2 import Sip2Client, Sip2Settings

Settings = Callable[..., Sip2Settings]


async def test_seeded_from_the_demo_library(demo_ils: DemoIls) -> None:
    loans = await demo_ils.loans()
    assert {pii: loan.patron_id for pii, loan in loans.items()} == {
        "30000009": "P0002", "30000010": "P0001", "30000011": "P0001"}
    assert loans["30000010"].due_at < datetime.now() < loans["30000011"].due_at
    assert loans["30000011"].renewals_left == 0
    assert [(h.pii, h.patron_id) for h in await demo_ils.holds()] == [("30000006", "P0002")]
    p2 = await demo_ils.patron("P0002")
    assert p2 is not None and p2.fines_vnd == 25_000


async def test_an_item_on_hold_for_someone_else_cannot_be_borrowed(
        demo_ils: DemoIls, settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        refused = await client.checkout("P0001", "30000006")
        assert not refused.ok and "on hold for another patron" in refused.screen_message[0]
        taken = await client.checkout("P0002", "30000006")  # the hold's own patron
        assert taken.ok
    assert await demo_ils.holds("30000006") == []
    loan = await demo_ils.loan("30000006")
    assert loan is not None and loan.patron_id == "P0002"


async def test_returning_a_held_item_routes_it_to_the_hold_shelf(
        demo_ils: DemoIls, settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        result = await client.checkin("30000006")
        item = await client.item_information("30000006")
    assert result.ok and result.alert and result.route == "hold"
    assert (result.alert_type, result.alert_kind) == ("01", "hold_local")
    assert result.hold_patron_id == "P0002" and result.hold_patron_name == "Trần Văn Đức"
    assert result.destination_location == "VN-TVTPHN"
    assert await demo_ils.item_status("30000006") == "hold_shelf"
    assert item.circulation_status_name == "waiting_on_hold_shelf" and item.hold_pickup_date


async def test_another_librarys_item_routes_to_transit(demo_ils: DemoIls,
                                                       settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        result = await client.checkin("30000008")
    assert result.ok and result.alert and result.route == "transit"
    assert (result.alert_type, result.destination_location) == ("04", "VN-TVQG")
    assert result.permanent_location == "Mượn liên thư viện"
    assert await demo_ils.item_status("30000008") == "in_transit"


async def test_loan_limits_and_blocks_refuse_checkout(demo_ils: DemoIls,
                                                      settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        assert (await client.checkout("P0004", "30000001")).ok
        assert (await client.checkout("P0004", "30000002")).ok
        third = await client.checkout("P0004", "30000003")
        assert not third.ok and "Loan limit of 2" in third.screen_message[0]
        status = await client.patron_status("P0004")
        assert "too_many_items_charged" in status.patron_status and not status.blocked
        blocked = await client.checkout("P0003", "30000004")
        assert not blocked.ok and blocked.screen_message == ("Thẻ đã hết hạn / Card expired",)
        assert (await client.patron_status("P0003")).blocked
    assert set(await demo_ils.loans()) == {"30000001", "30000002", "30000009", "30000010",
                                           "30000011"}


async def test_a_wrong_pin_refuses_checkout(demo_ils: DemoIls, settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        wrong = await client.checkout("P0001", "30000001", pin="9999")
        assert not wrong.ok and wrong.screen_message == ("Sai mã PIN / Wrong PIN",)
        assert (await client.checkout("P0001", "30000001", pin="1234")).ok


async def test_renewal_limits_refuse_renew(demo_ils: DemoIls, settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        none_left = await client.renew("P0001", "30000011")
        assert not none_left.ok and none_left.screen_message == (
            "Đã hết lượt gia hạn / No renewals left",)
        one_left = await client.renew("P0001", "30000010")
        assert one_left.ok and one_left.renewal_ok
        assert not (await client.renew("P0001", "30000010")).ok
        assert not (await client.renew("P0002", "30000010")).ok  # not theirs


async def test_overdue_return_charges_a_fine(demo_ils: DemoIls, settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        result = await client.checkin("30000010")  # two days overdue
        info = await client.patron_information("P0001")
    assert result.ok and "4.000" in result.screen_message[1]
    assert info.fee_amount == "4000"


async def test_checking_out_twice_is_harmless(demo_ils: DemoIls,
                                              settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        first = await client.checkout("P0001", "30000001")
        again = await client.checkout("P0001", "30000001")
    assert first.ok and again.ok and first.due_date == again.due_date
    loan = await demo_ils.loan("30000001")
    assert loan is not None and loan.renewals_left == 2


async def test_offline_replay_is_accepted_with_its_original_dates(
        demo_ils: DemoIls, settings_for: Settings) -> None:
    """Offline the kiosk lent 30000006 (on hold for P0002) to blocked P0003
    and took back 30000010; the replay sends Y in no block and the original
    dates: the ILS accepts, records those dates and reports the conflict."""
    lent = datetime.now().replace(microsecond=0) - timedelta(hours=30)
    returned = lent + timedelta(minutes=5)
    async with Sip2Client(settings_for(demo_ils)) as client:
        back = await client.checkin("30000010", no_block=True, return_date=returned)
        out = await client.checkout("P0003", "30000006", no_block=True, transaction_date=lent,
                                    nb_due_date=lent + timedelta(days=7))
        online = await client.checkout("P0003", "30000002")
    assert back.ok and out.ok and not online.ok
    assert any("on hold for another patron" in line for line in out.screen_message)
    loan = await demo_ils.loan("30000006")
    assert loan is not None and loan.loaned_at == lent and loan.no_block
    assert loan.due_at == lent + timedelta(days=7)
    events = {(e.kind, e.pii): e for e in await demo_ils.events()}
    assert events[("checkin", "30000010")].transaction_date == returned
    assert events[("checkin", "30000010")].no_block
    assert events[("checkout", "30000006")].transaction_date == lent


async def test_offline_renewal_is_accepted_even_without_renewals_left(
        demo_ils: DemoIls, settings_for: Settings) -> None:
    then = datetime.now().replace(microsecond=0) - timedelta(hours=3)
    async with Sip2Client(settings_for(demo_ils)) as client:
        result = await client.renew("P0001", "30000011", no_block=True, transaction_date=then)
    assert result.ok and result.renewal_ok
    renewal = (await demo_ils.events("renew"))[-1]
    assert renewal.no_block and renewal.transaction_date == then


async def test_offline_checkout_of_an_item_still_on_loan_ends_the_old_loan(
        demo_ils: DemoIls, settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        result = await client.checkout("P0004", "30000009", no_block=True,
                                       transaction_date=datetime.now() - timedelta(hours=2))
    assert result.ok
    loan = await demo_ils.loan("30000009")
    assert loan is not None and loan.patron_id == "P0004"
    assert [e.detail for e in await demo_ils.events("checkin")] == [
        "implicit check-in before an offline checkout"]


async def test_offline_replay_of_the_impossible_is_refused(demo_ils: DemoIls,
                                                          settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        unknown = await client.checkout("P0001", "39999999", no_block=True)
        nobody = await client.checkout("P9999", "30000001", no_block=True)
    assert not unknown.ok and not nobody.ok


async def test_state_survives_a_restart_on_the_same_file(tmp_path: Path,
                                                         settings_for: Settings) -> None:
    ils = DemoIls(db_path=tmp_path / "ils.db")
    await ils.start()
    async with Sip2Client(settings_for(ils)) as client:
        assert (await client.checkout("P0001", "30000001")).ok
    await ils.stop()
    again = DemoIls(db_path=tmp_path / "ils.db")
    await again.start()
    try:
        assert "30000001" in await again.loans()
    finally:
        await again.stop()


def test_faults_parse_from_the_command_line() -> None:
    faults = Faults()
    for text in ("delay=1.5", "crlf", "drop-idle=30", "corrupt-next=2", "vendor-field=ZZ:x",
                 "split=no"):
        parse_fault(text, faults)
    assert (faults.delay_s, faults.crlf, faults.drop_idle_s) == (1.5, True, 30.0)
    assert faults.corrupt_checksum_next == 2 and faults.extra_fields == (("ZZ", "x"),)
    assert faults.take("corrupt_checksum_next") and faults.corrupt_checksum_next == 1
    for bad in ("nope", "delay=soon", "delay=-1", "vendor-field=Z", "crlf=maybe"):
        with pytest.raises(ValueError):
            parse_fault(bad, faults)
    faults.clear()
    assert faults == Faults()
