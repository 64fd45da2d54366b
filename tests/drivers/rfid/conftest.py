"""Real peers for the reader drivers: socat pty pairs with the FEIG
emulator on the device end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from drivers.sim.feig import FeigEmulator
from drivers.sim.link import PtyEndpoint
from drivers.sim.pad import VirtualPad
from drivers.sim.vicc import VpcdSlot
from tests.peers.pcscd import Pcscd, pcscd, vpcd_slot  # noqa: F401 - fixture
from tests.peers.pty import PtyPair, pty_pair  # noqa: F401 - fixture

__all__ = ["FeigBench", "pcscd", "pty_pair"]


@dataclass
class FeigBench:
    """A FEIG emulator on the device end of a pty pair."""

    pair: PtyPair
    pad: VirtualPad
    emulator: FeigEmulator
    endpoint: PtyEndpoint

    @property
    def url(self) -> str:
        return f"feig://{self.pair.host}?gap_ms=0"

    async def pad_polled(self) -> None:
        """Wait until the emulator has answered one more inventory."""
        polled = asyncio.Event()

        def observe(raw: bytes) -> None:
            if raw[2:4] == b"\xb0\x01":
                polled.set()

        self.emulator.observers.append(observe)
        try:
            await polled.wait()
        finally:
            self.emulator.observers.remove(observe)

    def sent(self) -> list[bytes]:
        """Frames the driver sent, in order."""
        return [raw for direction, raw in self.emulator.log if direction == "rx"]

    async def unplug(self) -> None:
        await self.endpoint.close()
        self.pair.unplug()

    async def plug(self) -> None:
        self.pair.plug()
        self.endpoint = await PtyEndpoint(self.emulator, self.pair.device,
                                          self.pair.host).start()


@pytest.fixture
async def feig(pty_pair: PtyPair) -> AsyncIterator[FeigBench]:  # noqa: F811
    pad = VirtualPad()
    emulator = FeigEmulator(pad)
    endpoint = await PtyEndpoint(emulator, pty_pair.device, pty_pair.host).start()
    bench = FeigBench(pty_pair, pad, emulator, endpoint)
    try:
        yield bench
    finally:
        await bench.endpoint.close()


@pytest.fixture
async def item_slot(pcscd: Pcscd) -> AsyncIterator[tuple[str, VpcdSlot]]:  # noqa: F811
    """(reader name, slot) of "Smartlib Desk 00 01", the PC/SC item reader."""
    async with vpcd_slot(pcscd, "Smartlib Desk", 1) as slot:
        yield slot
