"""The kiosk runs against real peers: the demo ILS (SIP2 on 127.0.0.1), the
demo's simulated hardware (FEIG reader emulator on TCP over a virtual pad;
an NFC field on nfcpy's udp transport for library cards) and a real device
store. View-model and flow tests need no window; the UI tests
(``test_ui_*``) run Kivy in a real window on a private Xvfb."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from edge.circulation.factory import service_from_config
from edge.circulation.service import CirculationService
from kiosk.flow import KioskFlow
from kiosk.settings import KioskSettings
from tests.kiosk.ui import KioskUi, private_window, start_kiosk
from tests.peers.circulation import *  # noqa: F403  (fixtures)
from tests.peers.circulation import Rig, wait_for

#: Demo library cards.
CARD_P0001 = "04A1B2C3D4E5F6"
CARD_P0002 = "04112233445566"
CARD_P0004 = "04CAFEBABE0001"
CARD_STAFF = "04DEADBEEF0099"
STAFF_PIN = "2580"


async def start_flow(rig: Rig, *, environ: dict[str, str] | None = None,
                     **options: Any) -> tuple[CirculationService, KioskFlow]:
    rig.environ.update({"SMARTLIB_STAFF_PIN": STAFF_PIN, **(environ or {})})
    loaded = rig.load(**options)
    service = service_from_config(loaded)
    await service.start()
    flow = KioskFlow(service, KioskSettings.from_config(loaded))
    await flow.start()
    await wait_for(lambda: flow.state.reader_state == "connected", what="reader connected")
    return service, flow


@pytest.fixture
async def flow(rig: Rig) -> AsyncIterator[KioskFlow]:
    service, running = await start_flow(rig)
    try:
        yield running
    finally:
        await running.close()
        await service.close()


@pytest.fixture(scope="session")
def kivy_window(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One private X server and Kivy environment per test process."""
    yield from private_window(tmp_path_factory.mktemp("kivy"))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def kiosk_ui(kivy_window: str, tmp_path_factory: pytest.TempPathFactory,
                   request: pytest.FixtureRequest) -> AsyncIterator[KioskUi]:
    """The kiosk in a real window, one per test module; the module's
    ``KIOSK`` string adds ``[kiosk]`` settings."""
    name = request.module.__name__.rpartition(".")[2]
    directory: Path = tmp_path_factory.mktemp(name)
    async with start_kiosk(directory, name, getattr(request.module, "KIOSK", ""),
                           panel=getattr(request.module, "PANEL", False)) as ui:
        yield ui
