"""Real peers for patron card readers: this process's pcscd with vpcd
readers, and virtual cards connecting to them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from drivers.sim.vicc import VpcdSlot
from tests.peers.pcscd import Pcscd, pcscd, vpcd_slot  # noqa: F401 - fixture

__all__ = ["pcscd"]


@pytest.fixture
async def desk(pcscd: Pcscd) -> AsyncIterator[tuple[str, VpcdSlot]]:  # noqa: F811
    """(reader name, slot) of "Smartlib Desk 00 00", the patron card reader."""
    async with vpcd_slot(pcscd, "Smartlib Desk", 0) as slot:
        yield slot
