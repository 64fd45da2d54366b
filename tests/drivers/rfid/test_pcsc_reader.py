"""ISO 15693 item tags on a PC/SC reader: the PcscReader through pyscard,
this process's pcscd and vpcd, to our virtual reader-and-tag on vpcd's
socket; both APDU layouts."""

from __future__ import annotations

import asyncio

import pytest

from drivers.rfid import (
    InventoryTag,
    Reader,
    ReaderState,
    TagLeftError,
    TagLockedError,
    TransportError,
    UnsupportedError,
    open_reader,
)
from drivers.rfid.pcsc import END_SESSION, START_SESSION, SWITCH_15693
from drivers.sim.pad import VirtualPad
from drivers.sim.tags import SimTag
from drivers.sim.vicc import Iso15693Slot, PatronCard, VpcdSlot
from tests.peers.pcscd import Pcscd, wait_card

UID = bytes.fromhex("E004015000000001")


async def on_reader(slot: VpcdSlot, name: str, card: object) -> None:
    await slot.insert(card)  # type: ignore[arg-type]
    await asyncio.to_thread(wait_card, name, True)


async def tags_seen(reader: Reader) -> list[InventoryTag]:
    """The inventory once pcscd has powered the card (at its next poll)."""
    async with asyncio.timeout(10):
        for _ in range(1000):
            if tags := await reader.inventory():
                return tags
            await asyncio.sleep(0.05)
    raise AssertionError("no tag")


async def test_transparent_exchange_does_everything(item_slot: tuple[str, VpcdSlot]) -> None:
    name, slot = item_slot
    pad = VirtualPad()
    sim = pad.place(SimTag(UID, memory=b"library!", afi=0x07, dsfid=0x06))
    await on_reader(slot, name, Iso15693Slot(pad))
    async with await open_reader(f"pcsc://{name}") as reader:
        assert await tags_seen(reader) == [InventoryTag(UID, 0x06, 1)]
        assert slot.apdus[:3] == [START_SESSION, SWITCH_15693, bytes.fromhex(
            "FFC200010C 5F4604 40420F00 9503 260100 00".replace(" ", ""))]
        info = await reader.system_info(UID)
        assert (info.block_size, info.block_count, info.afi, info.dsfid) == (4, 28, 0x07, 0x06)
        assert await reader.read_blocks(UID, 0, 2) == b"library!"
        await reader.write_blocks(UID, 2, b"ISO 15693 tag ok")
        assert sim.memory[:24] == b"library!ISO 15693 tag ok"
        await reader.write_afi(UID, 0xC2)
        assert sim.afi == 0xC2
        await reader.set_eas(UID)
        assert sim.eas and await reader.eas_alarm()
        await reader.reset_eas(UID)
        assert not sim.eas and not await reader.eas_alarm()
        await reader.lock_blocks(UID, 6, 1)
        with pytest.raises(TagLockedError):
            await reader.write_blocks(UID, 6, b"nope")
    assert END_SESSION not in slot.apdus  # the session lives as long as the card connection


async def test_a_tag_leaving_mid_write_is_reported(item_slot: tuple[str, VpcdSlot]) -> None:
    name, slot = item_slot
    pad = VirtualPad()
    sim = pad.place(SimTag(UID))
    await on_reader(slot, name, Iso15693Slot(pad))
    async with await open_reader(f"pcsc://{name}") as reader:
        await tags_seen(reader)
        await reader.system_info(UID)
        pad.remove_during_write(UID, after_blocks=1)
        with pytest.raises(TagLeftError):
            await reader.write_blocks(UID, 0, bytes(range(12)))
    assert sim.memory[:4] == bytes(range(4)) and sim.memory[4:12] == bytes(8)


async def test_no_tag_or_a_patron_card_is_no_item(item_slot: tuple[str, VpcdSlot]) -> None:
    name, slot = item_slot
    async with await open_reader(f"pcsc://{name}") as reader:
        assert await reader.inventory() == []
        await on_reader(slot, name, PatronCard(bytes.fromhex("04A1B2C3D4E5F6")))
        assert await reader.inventory() == []


async def test_storage_layout_reads_and_writes_blocks_and_says_what_it_cannot(
        item_slot: tuple[str, VpcdSlot]) -> None:
    name, slot = item_slot
    pad = VirtualPad()
    sim = pad.place(SimTag(UID, memory=b"ABCDEFGH"))
    await on_reader(slot, name, Iso15693Slot(pad))
    async with await open_reader(f"pcsc://{name}?layout=part3-storage") as reader:
        assert [t.uid for t in await tags_seen(reader)] == [UID]
        assert await reader.read_blocks(UID, 0, 2) == b"ABCDEFGH"
        await reader.write_blocks(UID, 1, b"efgh")
        assert sim.memory[:8] == b"ABCDefgh"
        with pytest.raises(UnsupportedError):
            await reader.write_afi(UID, 0xC2)
    assert bytes.fromhex("FFB0000104") in slot.apdus and bytes.fromhex(
        "FFD6000104") + b"efgh" in slot.apdus


async def test_pcscd_stopping_disconnects_and_the_reader_comes_back(
        pcscd: Pcscd, item_slot: tuple[str, VpcdSlot]) -> None:
    name, slot = item_slot
    pad = VirtualPad()
    pad.place(SimTag(UID))
    await on_reader(slot, name, Iso15693Slot(pad))
    async with await open_reader(f"pcsc://{name}?reconnect_max_s=0.2") as reader:
        await tags_seen(reader)
        pcscd.stop()
        try:
            with pytest.raises(TransportError) as info:
                await reader.inventory()
            assert info.value.transient and reader.state is ReaderState.DISCONNECTED
        finally:
            pcscd.start()
        await reader.wait_state(ReaderState.CONNECTED, 10)
        await slot.insert(Iso15693Slot(pad))  # the card connection died with pcscd
        assert [t.uid for t in await tags_seen(reader)] == [UID]
