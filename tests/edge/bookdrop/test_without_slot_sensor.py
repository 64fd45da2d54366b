"""A single-bin book drop without a slot sensor: the reader notices each
new item; a book lying on the antenna is checked in once."""

from __future__ import annotations

import asyncio

from tests.edge.bookdrop.conftest import Drop


async def test_the_reader_notices_items_and_each_is_checked_in_once(drop) -> None:  # type: ignore[no-untyped-def]
    rig: Drop = await drop("none", pins={"slot": False})
    assert not rig.service.sorter.has_slot_sensor
    book = rig.catalog["30000010"]
    rig.feig.pad.place(book)
    await rig.eventually(lambda: _is(rig.returned(), ["30000010"]))
    await asyncio.sleep(0.3)  # it stays on the antenna (the bin is under it)
    assert await rig.returned() == ["30000010"]
    assert book.afi == 0x07
    rig.feig.pad.place(rig.catalog["30000009"])
    await rig.eventually(lambda: rig.service.bins["shelf"].count == 2)
    assert await rig.returned() == ["30000010", "30000009"]


async def _is(value, expected) -> bool:  # type: ignore[no-untyped-def]
    return await value == expected
