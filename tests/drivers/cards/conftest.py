"""Real peers for patron card readers: this process's pcscd with vpcd
readers, and virtual cards connecting to them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from drivers.sim.vicc import VpcdSlot
from tests.peers.pcscd import Pcscd, pcscd, wait_card  # noqa: F401 - fixture

__all__ = ["pcscd"]


@pytest.fixture
async def desk(pcscd: Pcscd) -> AsyncIterator[tuple[str, VpcdSlot]]:  # noqa: F811
    """(reader name, slot) of "Smartlib Desk 00 00", the patron card reader."""
    name, port = pcscd.reader("Smartlib Desk", 0)
    slot = VpcdSlot(port)
    try:
        yield name, slot
    finally:
        await slot.remove()
        await asyncio.to_thread(wait_card, name, False)
