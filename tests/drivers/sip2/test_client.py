"""The client against the demo ILS over real sockets: every typed call,
login, unreachable servers, TLS, the pool."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from drivers.sim.ils import DemoIls
from drivers.sip2 import (
    Sip2Client,
    Sip2ConnectionError,
    Sip2Error,
    Sip2LoginError,
    Sip2Pool,
    Sip2Settings,
)
from tests.peers.sip2 import Certificates

Settings = Callable[..., Sip2Settings]


async def test_connect_logs_in_and_learns_the_acs_rules(demo_ils: DemoIls,
                                                         settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        assert client.connected
        status = client.acs_status
        assert status is not None and status.ok and status.online
        assert status.institution_id == "TVTPHN"
        assert status.library_name == "Thư viện Thành phố Hà Nội"
        assert status.supports("11") and status.supported_messages >= {"11", "09", "29"}
    logins = [m for m in demo_ils.requests if m.code == "93"]
    assert [(m.get("CN"), m.get("CP")) for m in logins] == [("kiosk01", "TANG1")]


async def test_a_refused_login_is_a_login_error(demo_ils: DemoIls,
                                                settings_for: Settings) -> None:
    client = Sip2Client(settings_for(demo_ils, login_password="wrong"))
    with pytest.raises(Sip2LoginError) as caught:
        await client.connect()
    assert caught.value.user == "kiosk01" and not caught.value.transient
    assert not client.connected
    await client.close()


async def test_an_unreachable_ils_is_a_transient_connection_error(
        unused_tcp_port: int) -> None:
    client = Sip2Client(Sip2Settings(host="127.0.0.1", port=unused_tcp_port, timeout_s=2))
    with pytest.raises(Sip2ConnectionError) as caught:
        await client.checkout("P0001", "30000001")
    assert caught.value.transient
    assert not isinstance(caught.value, Sip2LoginError)


async def test_every_typed_call(demo_ils: DemoIls, settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        status = await client.patron_status("P0001", "1234")
        assert status.ok and status.personal_name == "Nguyễn Thị Minh Anh"
        assert status.valid_patron_password is True and not status.blocked
        assert (await client.patron_status("P0001", "0000")).ok is False

        info = await client.patron_information("P0001", summary="charged_items")
        assert info.charged_items_count == 2
        assert set(info.charged_items) == {"30000010", "30000011"}
        assert info.overdue_items_count == 1 and info.email_address == "minhanh@example.vn"
        assert info.patron_class == "reader" and info.extra == ()

        out = await client.checkout("P0001", "30000001", pin="1234")
        assert out.ok and out.desensitize and out.title_identifier == "Truyện Kiều"
        assert out.due is not None and out.due > datetime.now()
        assert out.screen_message == ("Mượn thành công / Checked out",)

        item = await client.item_information("30000001")
        assert item.ok and item.circulation_status_name == "charged"
        assert item.owner == "VN-TVTPHN" and item.due == out.due

        renewed = await client.renew("P0001", "30000001")
        assert renewed.ok and renewed.renewal_ok and renewed.due and out.due
        assert renewed.due > out.due

        back = await client.checkin("30000001")
        assert back.ok and back.route == "shelf" and back.resensitize
        assert back.permanent_location == "Kho mở tầng 1"

        all_renewed = await client.renew_all("P0002")
        assert all_renewed.ok and all_renewed.renewed_items == ("30000009",)

        hold = await client.hold("P0004", item="30000009")
        assert hold.ok and hold.queue_position == 1 and not hold.available
        cancelled = await client.hold("P0004", mode="-", item="30000009")
        assert cancelled.ok

        paid = await client.fee_paid("P0002", "5000", transaction_id="T-1")
        assert paid.ok and paid.transaction_id == "T-1"
        assert (await demo_ils.patron("P0002")).fines_vnd == 20_000  # type: ignore[union-attr]

        blocked = await client.block_patron("P0004", "Mất thẻ / Card lost")
        assert blocked.blocked
        enabled = await client.patron_enable("P0004")
        assert enabled.ok and not enabled.blocked

        updated = await client.item_status_update("30000002", "rfid=yes")
        assert updated.ok and updated.item_properties == "rfid=yes"

        ended = await client.end_patron_session("P0001")
        assert ended.ok

        raw = await client.raw("9900302.00")
        assert raw.code == "98" and raw.get("AO") == "TVTPHN"


async def test_refusals_are_results_not_exceptions(demo_ils: DemoIls,
                                                   settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        blocked = await client.checkout("P0003", "30000002")
        assert not blocked.ok and blocked.screen_message == ("Thẻ đã hết hạn / Card expired",)
        on_hold = await client.checkout("P0001", "30000006")
        assert not on_hold.ok and not on_hold.desensitize
        unknown = await client.checkin("99999999")
        assert not unknown.ok and unknown.route == "problem"
        assert not (await client.item_information("99999999")).ok


async def test_transaction_dates_and_no_block_are_sent(demo_ils: DemoIls,
                                                       settings_for: Settings) -> None:
    then = datetime(2025, 3, 14, 9, 26, 53)
    async with Sip2Client(settings_for(demo_ils)) as client:
        result = await client.checkout("P0001", "30000004", no_block=True,
                                       transaction_date=then,
                                       nb_due_date=then + timedelta(days=14))
        assert result.ok
    request = [m for m in demo_ils.requests if m.code == "11"][-1]
    assert request.fixed["no_block"] is True
    assert request.fixed["transaction_date"].raw == "20250314    092653"  # type: ignore[union-attr]
    loan = await demo_ils.loan("30000004")
    assert loan is not None and loan.loaned_at == then and loan.no_block
    assert loan.due_at == then + timedelta(days=14)


async def test_the_clock_gives_transaction_dates(demo_ils: DemoIls,
                                                 settings_for: Settings) -> None:
    fixed = datetime(2026, 1, 2, 3, 4, 5)
    async with Sip2Client(settings_for(demo_ils), clock=lambda: fixed) as client:
        await client.checkin("30000002")
    request = [m for m in demo_ils.requests if m.code == "09"][-1]
    assert request.fixed["transaction_date"].raw == "20260102    030405"  # type: ignore[union-attr]
    assert request.get("AP") == "TANG1" and request.get("AO") == "TVTPHN"


async def test_trace_sees_every_frame(demo_ils: DemoIls, settings_for: Settings) -> None:
    frames: list[tuple[str, bytes]] = []
    async with Sip2Client(settings_for(demo_ils),
                          trace=lambda d, f: frames.append((d, f))) as client:
        await client.sc_status()
    assert [(d, f[:2]) for d, f in frames] == [
        ("send", b"93"), ("recv", b"94"), ("send", b"99"), ("recv", b"98"),
        ("send", b"99"), ("recv", b"98")]


async def test_a_pool_runs_requests_side_by_side(demo_ils: DemoIls,
                                                 settings_for: Settings) -> None:
    demo_ils.faults.delay_s = 0.2
    async with Sip2Pool(settings_for(demo_ils), size=3) as pool:
        async def status(patron: str) -> bool:
            async with pool.acquire() as client:
                return (await client.patron_status(patron)).ok

        results = await asyncio.gather(*(status(p) for p in ("P0001", "P0002", "P0004")))
    assert results == [True, True, True]
    assert len([m for m in demo_ils.requests if m.code == "93"]) == 3


async def test_tls_with_verification_and_a_client_certificate(
        tmp_path_factory: pytest.TempPathFactory, tls_certificates: Certificates,
        settings_for: Settings) -> None:
    certs = tls_certificates
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(certs.ca))
    server.load_cert_chain(str(certs.server_cert), str(certs.server_key))
    server.verify_mode = ssl.CERT_REQUIRED
    names: list[str | None] = []
    server.sni_callback = lambda sock, name, ctx: names.append(name)  # type: ignore[assignment]
    ils = DemoIls(db_path=tmp_path_factory.mktemp("tls-ils") / "ils.db")
    await ils.start("127.0.0.1", 0, ssl_context=server)
    try:
        good = settings_for(ils, tls=True, ca_file=certs.ca, client_cert=certs.client_cert,
                            client_key=certs.client_key, server_name="ils.test")
        async with Sip2Client(good) as client:
            assert (await client.patron_status("P0001")).ok
        assert names == ["ils.test"]
        # Verification is on by default: the system CAs do not know our CA.
        with pytest.raises(Sip2ConnectionError, match="CERTIFICATE_VERIFY_FAILED"):
            await Sip2Client(settings_for(ils, tls=True, client_cert=certs.client_cert,
                                          client_key=certs.client_key)).connect()
        # The name must match the certificate.
        with pytest.raises(Sip2ConnectionError):
            await Sip2Client(settings_for(ils, tls=True, ca_file=certs.ca,
                                          client_cert=certs.client_cert,
                                          client_key=certs.client_key,
                                          server_name="other.test")).connect()
        # The server wants a client certificate.
        with pytest.raises(Sip2Error):
            async with Sip2Client(settings_for(ils, tls=True, ca_file=certs.ca,
                                               server_name="ils.test")) as client:
                await client.patron_status("P0001")
    finally:
        await ils.stop()


async def test_a_missing_certificate_file_is_a_lasting_connection_error(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    missing = tmp_path_factory.mktemp("no-ca") / "ca.pem"
    client = Sip2Client(Sip2Settings(host="127.0.0.1", port=1, tls=True, ca_file=missing))
    with pytest.raises(Sip2ConnectionError, match="cannot set up TLS") as caught:
        await client.connect()
    assert not caught.value.transient
