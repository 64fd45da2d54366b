"""Patron cards on a PC/SC reader: pyscard through this process's own pcscd,
the vpcd driver, and our virtual card on vpcd's socket."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from drivers.cards import (
    CardError,
    CardPresented,
    CardReaderStatus,
    CardRemoved,
    CardUnreadable,
    ReaderAdded,
    ReaderNotFoundError,
    ReaderRemoved,
    open_card_reader,
)
from drivers.cards.model import CardEvent
from drivers.cards.pcsc import PcscClient
from drivers.rfid.model import ReaderState
from drivers.sim.vicc import PatronCard, VpcdSlot
from tests.drivers.cards.streams import first_event
from tests.peers.pcscd import Pcscd

UID = bytes.fromhex("04A1B2C3D4E5F6")


async def test_a_card_presented_gives_its_uid_and_lifting_it_a_removal(
        desk: tuple[str, VpcdSlot]) -> None:
    name, slot = desk
    reader = open_card_reader(f"pcsc://{name}")
    async with contextlib.aclosing(reader.events()) as events:
        assert await first_event(events, CardReaderStatus) == CardReaderStatus(
            ReaderState.CONNECTED)
        await slot.insert(PatronCard(UID))
        presented = await first_event(events, CardPresented)
        assert presented == CardPresented(name, UID, PatronCard(UID).atr(), "ISO 14443-A")
        assert presented.uid_hex == "04A1B2C3D4E5F6"
        assert slot.apdus == [bytes.fromhex("FFCA000000")]
        await slot.remove()
        assert await first_event(events, CardRemoved) == CardRemoved(name, UID)


async def test_a_card_without_get_data_is_reported_unreadable(
        desk: tuple[str, VpcdSlot]) -> None:
    class Stubborn(PatronCard):
        def apdu(self, command: bytes) -> bytes:
            return b"\x6A\x81"

    name, slot = desk
    async with contextlib.aclosing(open_card_reader(f"pcsc://{name}").events()) as events:
        await slot.insert(Stubborn(UID))
        event = await first_event(events, CardUnreadable)
    assert event.reader == name and "6A81" in event.error


async def test_apdus_through_the_client(desk: tuple[str, VpcdSlot]) -> None:
    name, slot = desk
    await slot.insert(PatronCard(UID))
    client = PcscClient()
    try:
        assert name in await client.readers()
        assert await client.find(name) == name
        with pytest.raises(ReaderNotFoundError, match="Smartlib Desk 00 01"):
            await client.find("Smartlib Desk")  # two readers start so
        answer = None
        async with asyncio.timeout(10):
            while answer is None:  # until pcscd has polled the slot and powered the card
                try:
                    card = await client.connect(name)
                    answer = await client.transmit(card, bytes.fromhex("FFCA000000"))
                except CardError:
                    await asyncio.sleep(0.1)
        assert answer == (UID, 0x9000)
        assert (await client.transmit(card, bytes.fromhex("00A4040000")))[1] == 0x6E00
        await client.disconnect(card)
    finally:
        await client.close()


async def test_pcscd_going_away_and_readers_coming_and_going(
        pcscd: Pcscd, desk: tuple[str, VpcdSlot]) -> None:
    name, slot = desk
    seen: list[CardEvent] = []
    async with contextlib.aclosing(open_card_reader("pcsc://").events()) as events:
        await first_event(events, CardReaderStatus, seen=seen)
        await slot.insert(PatronCard(UID))
        await first_event(events, CardPresented, seen=seen)
        pcscd.add_reader("Smartlib Kiosk")
        try:
            pcscd.restart()  # the card's connection drops with pcscd; a new reader appears
            lost = await first_event(events, CardReaderStatus, seen=seen)
            assert lost.state is ReaderState.DISCONNECTED
            back = await first_event(events, CardReaderStatus, seen=seen)
            assert back.state is ReaderState.CONNECTED
            added = await first_event(events, ReaderAdded, seen=seen)
            assert added.reader.startswith("Smartlib Kiosk")
        finally:
            del pcscd.readers["Smartlib Kiosk"]
            pcscd.restart()
        removed = await first_event(events, ReaderRemoved, seen=seen)
        assert removed.reader.startswith("Smartlib Kiosk")
    assert CardRemoved(name, UID) in seen  # the card was not silently forgotten
