"""Circulation runs against real peers: the demo ILS (SIP2 over TCP on
127.0.0.1), the FEIG reader emulator on TCP over a virtual pad of demo
books, and a real device store file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from edge.circulation.factory import service_from_config
from edge.circulation.model import CardUid, Patron
from edge.circulation.service import CirculationService
from tests.peers.circulation import *  # noqa: F403  (fixtures)
from tests.peers.circulation import Rig, wait_for
from tests.peers.sip2 import tls_certificates  # noqa: F401 - fixture


async def start_service(rig: Rig, **options: Any) -> CirculationService:
    checkpoint = options.pop("checkpoint", None)
    loaded = rig.load(**options)
    service = service_from_config(loaded, **({"checkpoint": checkpoint} if checkpoint else {}))
    await service.start()
    return service


@pytest.fixture
async def service(rig: Rig) -> AsyncIterator[CirculationService]:
    running = await start_service(rig)
    try:
        yield running
    finally:
        await running.close()


async def place(rig: Rig, service: CirculationService, *items: str) -> None:
    """Put demo items on the pad and wait until the service has read them."""
    for item in items:
        rig.hardware.place(item)
    expected = {rig.tag(item).uid.hex().upper() for item in items}
    await wait_for(lambda: expected <= {t.uid for t in service.stack.tags if t.read},
                   what=f"{items} read from the pad")


async def only(rig: Rig, service: CirculationService, *items: str) -> None:
    """Clear the pad, put ``items`` on it, wait until the stack is just them."""
    rig.hardware.clear()
    await place(rig, service, *items)
    expected = {rig.tag(item).uid.hex().upper() for item in items}
    await wait_for(lambda: {t.uid for t in service.stack.tags} == expected,
                   what=f"the pad to hold only {items}")


async def patron(service: CirculationService, card_hex: str, pin: str | None = None) -> Patron:
    found = await service.identify(CardUid(bytes.fromhex(card_hex)), pin)
    assert found.status == "ok", found
    assert found.patron is not None
    return found.patron


#: Demo library cards.
CARD_P0001 = "04A1B2C3D4E5F6"
CARD_P0002 = "04112233445566"
CARD_P0003 = "0455667788AABB"
CARD_P0004 = "04CAFEBABE0001"
