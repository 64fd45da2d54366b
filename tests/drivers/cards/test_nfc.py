"""NFC patron cards: the real nfcpy stack (ContactlessFrontend, tag
activation, NDEF parsing) on its udp transport, with our emulated card or
phone on the other end of the datagrams."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

from drivers.cards import CardPresented, CardReaderStatus, CardRemoved, open_card_reader
from drivers.rfid.model import ReaderState
from drivers.sim.nfc_card import HcePhone, NfcUdpField, Ntag213, ndef_message
from tests.drivers.cards.streams import first_event

CARD_UID = bytes.fromhex("04A1B2C3D4E5F6")


@pytest.fixture
async def field() -> AsyncIterator[NfcUdpField]:
    nfc_field = await NfcUdpField().start()
    try:
        yield nfc_field
    finally:
        nfc_field.close()


async def test_a_library_card_is_identified_by_uid_and_ndef_text(field: NfcUdpField) -> None:
    reader = open_card_reader(f"nfc://{field.path}?interval_s=0.05")
    async with contextlib.aclosing(reader.events()) as events:
        status = await first_event(events, CardReaderStatus)
        assert status == CardReaderStatus(ReaderState.CONNECTED)
        field.tap(Ntag213(CARD_UID, ndef_message(text="P0001")))
        presented = await first_event(events, CardPresented)
        assert isinstance(presented, CardPresented)
        assert (presented.uid, presented.text, presented.uri) == (CARD_UID, "P0001", None)
        assert presented.technology == "NFC Forum Type 2: NXP NTAG213"
        field.remove()
        assert await first_event(events, CardRemoved) == CardRemoved(field.path, CARD_UID)
    assert (b"\x60", Ntag213.VERSION) in field.log  # nfcpy asked the NXP version


async def test_a_blank_card_gives_its_uid_only(field: NfcUdpField) -> None:
    reader = open_card_reader(f"nfc://{field.path}?interval_s=0.05")
    async with contextlib.aclosing(reader.events()) as events:
        field.tap(Ntag213(CARD_UID))
        presented = await first_event(events, CardPresented)
    assert isinstance(presented, CardPresented)
    assert (presented.uid, presented.text, presented.uri) == (CARD_UID, None, None)


async def test_a_phone_presents_a_uri_through_a_type4_application(field: NfcUdpField) -> None:
    uri = "https://thuvien.example.vn/the/P0002"
    reader = open_card_reader(f"nfc://{field.path}?interval_s=0.05")
    async with contextlib.aclosing(reader.events()) as events:
        field.tap(HcePhone(bytes.fromhex("08123456"), ndef_message(uri=uri)))
        presented = await first_event(events, CardPresented)
        assert isinstance(presented, CardPresented)
        assert (presented.uid, presented.uri) == (bytes.fromhex("08123456"), uri)
        assert presented.technology.startswith("NFC Forum Type 4")
        field.remove()
        await first_event(events, CardRemoved)


async def test_a_missing_reader_shows_disconnected_and_keeps_trying() -> None:
    reader = open_card_reader("nfc://usb:ffff:ffff?reconnect_max_s=0.1")
    async with contextlib.aclosing(reader.events()) as events:
        status = await first_event(events, CardReaderStatus)
    assert isinstance(status, CardReaderStatus)
    assert status.state is ReaderState.DISCONNECTED and "usb:ffff:ffff" in (status.error or "")
