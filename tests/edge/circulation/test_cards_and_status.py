"""Patron cards on the configured card reader (nfcpy's udp transport with
an emulated card and phone) reach the UI as CardPresented events; an ILS
that says it is off line, or stalls, puts the service offline."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from drivers.cards import open_card_reader
from drivers.sim.nfc_card import HcePhone, NfcUdpField, Ntag213, ndef_message
from drivers.sip2.messages import Message
from edge.circulation.factory import service_from_config
from edge.circulation.model import CardPresented, IlsChanged, TypedNumber
from tests.edge.circulation.conftest import start_service
from tests.peers.circulation import Rig, wait_for


@pytest.fixture
async def field() -> AsyncIterator[NfcUdpField]:
    nfc_field = await NfcUdpField().start()
    try:
        yield nfc_field
    finally:
        nfc_field.close()


async def next_of(events: AsyncIterator[Any], kind: type) -> Any:
    async with asyncio.timeout(15):
        async for event in events:
            if isinstance(event, kind):
                return event
    raise AssertionError("the stream ended")


async def test_a_tapped_card_and_a_phone_identify_their_patrons(
        rig: Rig, field: NfcUdpField) -> None:
    loaded = rig.load(patron='id_pattern = "(?:https://thuvien[.]example[.]vn/the/)?'
                              '(?P<id>[0-9A-Z]{5,14})"')
    reader = open_card_reader(f"nfc://{field.path}?interval_s=0.05")
    service = service_from_config(loaded, card_reader=reader)
    async with service, contextlib.aclosing(service.events()) as events:
        field.tap(Ntag213(bytes.fromhex("04A1B2C3D4E5F6")))
        card = await next_of(events, CardPresented)
        found = await service.identify(card.credential)
        assert found.patron is not None and found.patron.id == "P0001"
        field.remove()
        field.tap(HcePhone(bytes.fromhex("08123456"),
                           ndef_message(uri="https://thuvien.example.vn/the/P0002")))
        phone = await next_of(events, CardPresented)
        found = await service.identify(phone.credential)
        assert found.patron is not None and found.patron.name == "Trần Văn Đức"


async def test_an_ils_that_says_it_is_off_line(rig: Rig) -> None:
    original = rig.ils.acs_status

    def off_line() -> Message:
        status = original()
        return Message("98", {**status.fixed, "online_status": False}, status.fields)

    rig.ils.acs_status = off_line  # type: ignore[method-assign]
    service = await start_service(rig)
    try:
        assert not service.status().offline.ils_online
        found = await service.identify(TypedNumber("P0001"))
        assert found.patron is not None and found.patron.offline
        rig.ils.acs_status = original  # type: ignore[method-assign]
        await wait_for(lambda: service.status().offline.ils_online, what="the ILS back")
    finally:
        await service.close()


async def test_a_stalled_ils_shows_offline_and_work_goes_on(rig: Rig) -> None:
    service = await start_service(rig, ils_timeout_s=1.0)
    events = service.events()
    try:
        assert (await next_of(events, IlsChanged)).online
        rig.ils.faults.delay_s = 30  # answers come too late
        found = await service.identify(TypedNumber("P0001"))
        assert found.patron is not None and found.patron.offline
        changed = await next_of(events, IlsChanged)
        assert not changed.online and changed.status.accepting
        rig.ils.faults.clear()
        assert (await next_of(events, IlsChanged)).online
    finally:
        await events.aclose()
        await service.close()
