"""Acceptance of item-tag readers and patron card readers: the scenarios of
tests/drivers/ against real hardware (hil_tests/README.md, "Readers").

    SMARTLIB_HIL_FEIG=/dev/ttyUSB0            a FEIG ISO-Host reader (or a full feig:// URL)
    SMARTLIB_HIL_PCSC_ITEMS="READER NAME"     a PC/SC reader for ISO 15693 item tags
                                              (add ?layout=part3-storage if needed)
    SMARTLIB_HIL_PCSC="READER NAME"           a PC/SC reader for patron cards
    SMARTLIB_HIL_NFC=usb                      an nfcpy reader for patron cards
    SMARTLIB_HIL_UNPLUG=1                     also run the unplug / replug scenario
    SMARTLIB_HIL_LIFT=1                       also run the lift-during-write scenario

Put ONE writable test tag (ICODE SLIX or similar, not a library's item) on
the item reader before starting. Every check restores what it changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Callable

import pytest

from drivers.cards import CardPresented, CardRemoved, open_card_reader
from drivers.rfid import (
    Reader,
    ReaderState,
    TagNotPresentError,
    TransportError,
    UnsupportedError,
    open_reader,
)

WINDOW_S = 30.0


def tell(message: str) -> None:
    """Instructions for the person at the bench, past pytest's capture."""
    stream = sys.__stderr__
    if stream is not None:
        stream.write(message + "\n")
        stream.flush()
Device = Callable[[str, str], str]


def item_urls(hil_device: Device, variable: str) -> str:
    if variable == "SMARTLIB_HIL_FEIG":
        value = hil_device(variable, "a FEIG reader's serial port, e.g. /dev/ttyUSB0")
        return value if "://" in value else f"feig://{value}?baud=auto"
    value = hil_device(variable, "the PC/SC name of a reader for ISO 15693 tags")
    return value if value.startswith("pcsc://") else f"pcsc://{value}"


@pytest.fixture(params=["SMARTLIB_HIL_FEIG", "SMARTLIB_HIL_PCSC_ITEMS"])
def item_url(request: pytest.FixtureRequest, hil_device: Device) -> str:
    return item_urls(hil_device, request.param)


async def one_tag(reader: Reader) -> bytes:
    tags = await reader.inventory()
    assert len(tags) == 1, f"put exactly one test tag on the reader (found {len(tags)})"
    return tags[0].uid


def test_reader_answers_and_finds_the_test_tag(item_url: str) -> None:
    async def check() -> None:
        async with await open_reader(item_url) as reader:
            assert reader.state is ReaderState.CONNECTED
            uid = await one_tag(reader)
            assert uid[0] == 0xE0, "an ISO 15693 UID starts with E0"
            assert await reader.inventory() != []  # what is on the pad now, every time

    asyncio.run(check())


def test_write_read_back_and_restore(item_url: str) -> None:
    async def check() -> None:
        async with await open_reader(item_url) as reader:
            uid = await one_tag(reader)
            size, count = await reader.geometry(uid)
            block = (count or 8) - 1
            original = await reader.read_blocks(uid, block, 1)
            changed = bytes(b ^ 0xFF for b in original)
            await reader.write_blocks(uid, block, changed)
            assert await reader.read_blocks(uid, block, 1) == changed
            await reader.write_blocks(uid, block, original)
            assert await reader.read_blocks(uid, block, 1) == original and len(original) == size

    asyncio.run(check())


def test_afi_written_verified_and_restored(item_url: str) -> None:
    async def check() -> None:
        async with await open_reader(item_url) as reader:
            uid = await one_tag(reader)
            try:
                original = (await reader.system_info(uid)).afi
            except UnsupportedError:
                pytest.skip("this reader's layout has no system information (part3-storage)")
            assert original is not None
            other = 0xC2 if original != 0xC2 else 0x07
            await reader.write_afi(uid, other)
            assert [t.uid for t in await reader.inventory(afi=other)] == [uid]
            await reader.write_afi(uid, original)
            assert (await reader.system_info(uid)).afi == original

    asyncio.run(check())


def test_nxp_eas_arms_and_disarms(item_url: str) -> None:
    async def check() -> None:
        async with await open_reader(item_url) as reader:
            uid = await one_tag(reader)
            if uid[1] != 0x04:
                pytest.skip("the test tag is not an NXP chip (no NXP EAS)")
            was_armed = await reader.eas_alarm()
            await reader.set_eas(uid)
            assert await reader.eas_alarm()
            await reader.reset_eas(uid)
            assert not await reader.eas_alarm()
            if was_armed:
                await reader.set_eas(uid)

    asyncio.run(check())


@pytest.mark.skipif(not os.environ.get("SMARTLIB_HIL_UNPLUG"),
                    reason="set SMARTLIB_HIL_UNPLUG=1 to run the unplug / replug scenario")
def test_unplugged_reader_shows_disconnected_and_comes_back(item_url: str) -> None:
    async def check() -> None:
        async with await open_reader(item_url + ("&" if "?" in item_url else "?")
                                     + "reconnect_max_s=1") as reader:
            tell(f"\nUNPLUG the reader now (within {WINDOW_S:.0f} s), then plug it back in")
            async with asyncio.timeout(WINDOW_S):
                while reader.state is ReaderState.CONNECTED:
                    with contextlib.suppress(TransportError):
                        await reader.inventory()
                    await asyncio.sleep(0.2)
            with pytest.raises(TransportError):
                await reader.inventory()
            await reader.wait_state(ReaderState.CONNECTED, WINDOW_S)
            await one_tag(reader)

    asyncio.run(check())


@pytest.mark.skipif(not os.environ.get("SMARTLIB_HIL_LIFT"),
                    reason="set SMARTLIB_HIL_LIFT=1 to run the lift-during-write scenario")
def test_lifting_the_tag_during_writes_is_never_success(item_url: str) -> None:
    async def check() -> None:
        async with await open_reader(item_url) as reader:
            uid = await one_tag(reader)
            size, count = await reader.geometry(uid)
            blocks = min(count or 8, 8)
            original = await reader.read_blocks(uid, 0, blocks)
            tell(f"\nLIFT the test tag off the reader now (within {WINDOW_S:.0f} s)")
            with pytest.raises(TagNotPresentError):
                async with asyncio.timeout(WINDOW_S):
                    while True:  # every completed write was verified; one must fail
                        await reader.write_blocks(uid, 0, original)
            tell("put the tag back; its first blocks are restored by the next run")

    asyncio.run(check())


async def first_card(url: str) -> tuple[CardPresented, CardRemoved]:
    reader = open_card_reader(url)
    async with contextlib.aclosing(reader.events()) as events:
        tell(f"\nTAP a library card on {url}, then take it away (within {WINDOW_S:.0f} s)")
        presented = None
        async with asyncio.timeout(WINDOW_S):
            async for event in events:
                if isinstance(event, CardPresented):
                    presented = event
                elif isinstance(event, CardRemoved) and presented is not None:
                    return presented, event
    raise AssertionError("no card")


def test_patron_card_on_pcsc(hil_device: Device) -> None:
    name = hil_device("SMARTLIB_HIL_PCSC", "the PC/SC name of the patron card reader")
    presented, removed = asyncio.run(first_card(f"pcsc://{name}"))
    assert presented.uid and len(presented.uid) in (4, 7, 10)
    assert removed.uid == presented.uid


def test_patron_card_on_nfc(hil_device: Device) -> None:
    path = hil_device("SMARTLIB_HIL_NFC", "an nfcpy device path, e.g. usb or tty:AMA0:pn532")
    presented, removed = asyncio.run(first_card(f"nfc://{path}"))
    assert presented.uid and removed.uid == presented.uid
