"""The client survives what servers do in the field, each fault injected in
the demo ILS over a real socket."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

import pytest

from drivers.sim.ils import DemoIls, Policy
from drivers.sip2 import (
    Sip2Client,
    Sip2ConnectionError,
    Sip2ProtocolError,
    Sip2Settings,
    Sip2TimeoutError,
)
from drivers.sip2.codec import decode, encode
from drivers.sip2.fields import SipDate
from drivers.sip2.requests import Terminal, patron_status

Settings = Callable[..., Sip2Settings]


def _codes(ils: DemoIls) -> list[str]:
    return [m.code for m in ils.requests]


async def test_idle_drop_reconnects_logs_in_and_resends(demo_ils: DemoIls,
                                                        settings_for: Settings) -> None:
    demo_ils.faults.drop_idle_s = 0.2
    async with Sip2Client(settings_for(demo_ils)) as client:
        assert (await client.patron_status("P0001")).ok
        await asyncio.sleep(0.5)  # the server closes the idle socket
        result = await client.checkout("P0001", "30000001")
        assert result.ok
    assert _codes(demo_ils) == ["93", "99", "23", "93", "99", "11"]


async def test_a_drop_mid_session_is_resent_once_and_done_once(
        demo_ils: DemoIls, settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        demo_ils.faults.drop_next = 1  # the next request is received, then the socket closes
        result = await client.checkout("P0001", "30000001")
        assert result.ok
    checkouts = await demo_ils.events("checkout")
    assert [(e.pii, e.ok) for e in checkouts] == [("30000001", True)]
    assert _codes(demo_ils).count("93") == 2


async def test_a_server_that_keeps_dropping_is_unreachable(
        demo_ils: DemoIls, settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        demo_ils.faults.drop_next = 5
        with pytest.raises(Sip2ConnectionError) as caught:
            await client.patron_status("P0001")
        assert caught.value.transient


async def test_bad_checksum_from_us_gets_96_and_a_resend(demo_ils: DemoIls,
                                                         settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        demo_ils.faults.resend_next = 2
        assert (await client.patron_status("P0001")).ok
    assert _codes(demo_ils)[-3:] == ["23", "23", "23"]


async def test_endless_96_is_bounded(demo_ils: DemoIls, settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils, retries=2)) as client:
        demo_ils.faults.resend_next = 50
        with pytest.raises(Sip2ProtocolError, match="resend"):
            await client.patron_status("P0001")
    # the ACS's own retries (3, from 98) win over the setting
    assert _codes(demo_ils).count("23") == 4


async def test_a_corrupt_answer_is_asked_again_with_97(demo_ils: DemoIls,
                                                       settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        demo_ils.faults.corrupt_checksum_next = 1
        result = await client.checkout("P0001", "30000001")
        assert result.ok and result.title_identifier == "Truyện Kiều"
    assert _codes(demo_ils)[-2:] == ["11", "97"]
    assert len(await demo_ils.events("checkout")) == 1


async def test_slow_server_times_out_then_recovers(demo_ils: DemoIls,
                                                   settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils, timeout_s=0.3, min_timeout_s=0.1)) as client:
        demo_ils.faults.delay_s = 1.0
        with pytest.raises(Sip2TimeoutError) as caught:
            await client.patron_status("P0001")
        assert isinstance(caught.value, TimeoutError) and caught.value.transient
        assert not client.connected  # a late answer cannot be taken for the next one
        demo_ils.faults.delay_s = 0
        assert (await client.patron_status("P0002")).patron_identifier == "P0002"


async def test_no_answer_at_all_times_out(demo_ils: DemoIls, settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils, timeout_s=0.3, min_timeout_s=0.1)) as client:
        demo_ils.faults.silent_next = 1
        with pytest.raises(Sip2TimeoutError):
            await client.item_information("30000001")
        assert (await client.item_information("30000001")).ok


async def test_the_acs_timeout_from_98_is_honoured(tmp_path_factory: pytest.TempPathFactory,
                                                   settings_for: Settings) -> None:
    ils = DemoIls(db_path=tmp_path_factory.mktemp("ils") / "ils.db",
                  policy=Policy(timeout_period=3, retries_allowed=1))
    await ils.start()
    try:
        settings = settings_for(ils, timeout_s=30, min_timeout_s=0.1)
        async with Sip2Client(settings) as client:
            assert client.timeout_s == pytest.approx(0.3) and client.retries == 1
            ils.faults.delay_s = 1.0
            with pytest.raises(Sip2TimeoutError):
                await client.patron_status("P0001")
    finally:
        await ils.stop()


async def test_garbage_before_an_answer_is_skipped(demo_ils: DemoIls,
                                                   settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        demo_ils.faults.garbage_next = 1
        assert (await client.patron_status("P0001")).ok
        assert (await client.patron_status("P0002")).patron_identifier == "P0002"


async def test_a_stale_answer_is_skipped_by_its_sequence_number(
        demo_ils: DemoIls, settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils)) as client:
        assert (await client.patron_status("P0001")).patron_identifier == "P0001"
        demo_ils.faults.stale_next = 1  # the previous 24 is sent again first
        result = await client.patron_status("P0002")
        assert result.patron_identifier == "P0002"


async def test_a_server_that_does_not_echo_sequence_numbers_is_still_understood(
        demo_ils: DemoIls, settings_for: Settings) -> None:
    demo_ils.faults.wrong_sequence = True
    async with Sip2Client(settings_for(demo_ils)) as client:
        first = await client.patron_status("P0001")
        second = await client.patron_status("P0002")
    assert first.patron_identifier == "P0001" and second.patron_identifier == "P0002"


async def test_split_frames_and_crlf_and_vendor_fields(demo_ils: DemoIls,
                                                       settings_for: Settings) -> None:
    demo_ils.faults.split_writes = True
    demo_ils.faults.crlf = True
    demo_ils.faults.extra_fields = (("ZZ", "vendor"), ("XQ", "42"))
    async with Sip2Client(settings_for(demo_ils)) as client:
        result = await client.checkin("30000008")
        assert result.ok and result.route == "transit"
        assert result.destination_location == "VN-TVQG"
        assert result.extra == (("ZZ", "vendor"), ("XQ", "42"))
        assert (await client.patron_status("P0001")).ok


async def test_an_oversized_message_is_a_protocol_error_and_memory_stays_bounded(
        demo_ils: DemoIls, settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils, max_message_bytes=4096)) as client:
        demo_ils.faults.oversize_next = 1
        with pytest.raises(Sip2ProtocolError, match="longer than 4096"):
            await client.patron_status("P0001")
        assert (await client.patron_status("P0001")).ok


async def test_offline_and_back(demo_ils: DemoIls, settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils, timeout_s=1)) as client:
        assert (await client.patron_status("P0001")).ok
        await demo_ils.go_offline()
        with pytest.raises(Sip2ConnectionError) as caught:
            await client.patron_status("P0001")
        assert caught.value.transient
        await demo_ils.come_back()
        assert (await client.patron_status("P0001")).ok


async def test_keepalive_sends_sc_status_when_idle(demo_ils: DemoIls,
                                                   settings_for: Settings) -> None:
    async with Sip2Client(settings_for(demo_ils, keepalive_s=0.1)):
        await asyncio.sleep(0.45)
    assert _codes(demo_ils).count("99") >= 3


async def test_the_server_answers_pipelined_and_split_requests(demo_ils: DemoIls) -> None:
    demo_ils.accounts = None  # no login needed for this raw socket
    terminal = Terminal(institution="TVTPHN")
    when = SipDate.local(datetime(2025, 3, 14, 9, 0, 0))
    frames = [encode(patron_status(terminal, when, p), error_detection=True, sequence=i)
              for i, p in enumerate(("P0001", "P0002", "P0004"))]
    reader, writer = await asyncio.open_connection("127.0.0.1", demo_ils.port)
    writer.write(frames[0] + frames[1])  # two requests in one write
    for byte in frames[2]:  # one request a byte at a time
        writer.write(bytes([byte]))
        await writer.drain()
    answers = [decode(await reader.readuntil(b"\r")) for _ in range(3)]
    writer.close()
    await writer.wait_closed()
    assert [(a.code, a.sequence, a.get("AA")) for a in answers] == [
        ("24", 0, "P0001"), ("24", 1, "P0002"), ("24", 2, "P0004")]


async def test_the_server_answers_a_bad_checksum_with_96(demo_ils: DemoIls) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", demo_ils.port)
    writer.write(b"9300CNuser_id|COpassw0rd|AY1AZF595\r")
    assert await reader.readuntil(b"\r") == b"96AZFEF6\r"
    writer.close()
    await writer.wait_closed()
