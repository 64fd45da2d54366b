"""``sim://`` readers: a :class:`~drivers.rfid.reader.Reader` working directly
on a :class:`~drivers.sim.pad.VirtualPad` in this process, no wire. For trying
the product without hardware; tests of drivers use the wire emulators.

``sim://demo`` puts the demo library's items on the pad, ``sim://empty``
starts empty; ``?timing=1`` waits the ISO 15693 air time of each command.
"""

from __future__ import annotations

import asyncio

from drivers.rfid.errors import (
    ReaderConfigError,
    TagError,
    TagLeftError,
    TagLockedError,
    TagNotPresentError,
    TagRfError,
    TagWriteError,
)
from drivers.rfid.iso15693 import AirTiming
from drivers.rfid.model import InventoryTag, ReaderInfo, SystemInfo
from drivers.rfid.reader import Reader
from drivers.rfid.url import ReaderUrl, flag

from .errors import IsoError, NoResponse
from .pad import VirtualPad
from .tags import SimTag


class SimReader(Reader):
    def __init__(self, url: str, pad: VirtualPad) -> None:
        super().__init__(url)
        self.pad = pad

    async def _air(self) -> None:
        spent = self.pad.take_air_time()
        if spent > 0:
            await asyncio.sleep(spent)

    async def _connect(self) -> None:
        self.pad.rf_reset()

    async def _disconnect(self) -> None:
        return None

    async def _info(self) -> ReaderInfo:
        return ReaderInfo("sim", "virtual pad", "", {"tags": str(len(self.pad.tags))})

    def _tag(self, uid: bytes) -> SimTag:
        try:
            return self.pad.addressed(uid)
        except NoResponse:
            raise TagNotPresentError(uid, "no answer (not in the field)") from None

    async def _inventory(self, afi: int | None) -> list[InventoryTag]:
        found = self.pad.inventory(afi)
        await self._air()
        return [InventoryTag(p.tag.uid, p.tag.dsfid, p.antenna) for p in found]

    async def _read(self, uid: bytes, first: int, count: int) -> list[bytes]:
        try:
            blocks = self.pad.read_blocks(self._tag(uid), first, count)
        except IsoError as exc:
            raise TagError(uid, f"read: ISO error {exc.code:02X}", exc.code) from None
        await self._air()
        return [data for _, data in blocks]

    async def _write(self, uid: bytes, first: int, blocks: list[bytes], block_size: int) -> None:
        tag = self._tag(uid)
        for i, data in enumerate(blocks):
            try:
                self.pad.write_block(tag, first + i, data)
            except NoResponse:
                await self._air()
                if i:
                    raise TagLeftError(uid, f"left the field at block {first + i}") from None
                raise TagNotPresentError(uid, "no answer during the write") from None
            except IsoError as exc:
                await self._air()
                kind = TagLockedError if exc.code in (0x11, 0x12) else TagWriteError
                raise kind(uid, f"ISO error {exc.code:02X}", first + i, exc.code) from None
        await self._air()

    async def _system_info(self, uid: bytes) -> SystemInfo:
        tag = self.pad.system_info(self._tag(uid))
        await self._air()
        return SystemInfo(uid, tag.dsfid, tag.afi, tag.chip.block_size, tag.chip.block_count,
                          tag.chip.ic_ref)

    async def _write_afi(self, uid: bytes, afi: int) -> None:
        try:
            self.pad.write_afi(self._tag(uid), afi)
        except IsoError as exc:
            raise TagLockedError(uid, "AFI is locked", None, exc.code) from None
        await self._air()

    async def _lock(self, uid: bytes, first: int, count: int) -> None:
        tag = self._tag(uid)
        for block in range(first, first + count):
            try:
                self.pad.lock_block(tag, block)
            except IsoError as exc:
                if exc.code != 0x11:
                    raise TagWriteError(uid, f"ISO error {exc.code:02X}", block,
                                        exc.code) from None
        await self._air()

    async def _eas(self, uid: bytes, armed: bool) -> None:
        try:
            self.pad.set_eas(self._tag(uid), armed)
        except IsoError as exc:
            raise TagRfError(uid, f"EAS: ISO error {exc.code:02X}", exc.code) from None
        await self._air()

    async def _eas_alarm(self) -> bool:
        alarm = self.pad.eas_alarm()
        await self._air()
        return alarm


def from_url(url: ReaderUrl) -> SimReader:
    url.check(("timing", "seed"))
    timing = AirTiming() if url.get("timing", flag, False) else None
    pad = VirtualPad(timing, seed=url.get("seed", int, 15693))
    if url.target == "demo":
        from .library import demo_tags

        for tag in demo_tags():
            pad.place(tag)
    elif url.target not in ("", "empty"):
        raise ReaderConfigError(f"sim: unknown pad {url.target!r}; use sim://demo or sim://empty")
    return SimReader(url.url, pad)
