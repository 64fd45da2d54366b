"""The gate under test runs the real FEIG driver against the FEIG emulator
on a socat pty pair, GPIO on gpiozero's mock pins, and a real device store
(SQLite) in a temporary directory."""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from drivers.gpio import GpioBoard
from drivers.rfid import make_reader
from drivers.sim.library import demo_tags, load_demo_library
from drivers.sim.tags import SimTag
from edge.config.models import GateConfig
from edge.gate.service import GateService
from edge.store import Store, open_store
from tests.drivers.rfid.conftest import FeigBench, feig  # noqa: F401 - fixture
from tests.peers.gpio import MockPins, mock_pins  # noqa: F401 - fixture
from tests.peers.pty import pty_pair  # noqa: F401 - fixture

__all__ = ["GateRig", "feig", "gate", "gate_config", "mock_pins", "pty_pair"]

RED, GREEN, BUZZER, OUTER, INNER = 17, 27, 22, 23, 24


def gate_config(tmp_path: Path, url: str, tags: dict[str, Any] | None = None,
                **gate: Any) -> GateConfig:
    settings: dict[str, Any] = {"alarm_duration_s": 0.3, "rearm_after_s": 0.6,
                                "status_interval_s": 1, "direction_window_s": 0.5}
    settings.update(gate)
    return GateConfig.model_validate({
        "role": "gate", "site": "hn-tvtp", "device": "gate-01",
        "library": {"isil": "VN-TVTPHN", "name": "Thư viện Thành phố Hà Nội"},
        "store": {"path": str(tmp_path / "device.db")},
        "reader": {"url": url, "poll_interval_s": 0.02},
        "tags": tags or {},
        "gpio": {"pin_factory": "mock"},
        "gate": settings,
    })


@dataclass
class GateRig:
    feig: FeigBench
    pins: MockPins
    store: Store
    service: GateService
    task: asyncio.Task[None]
    catalog: dict[str, SimTag] = field(default_factory=dict)

    async def status(self) -> dict[str, tuple[str, str | None]]:
        """The components as the agent's health telemetry will report them."""
        board = await asyncio.to_thread(self.store.status.snapshot)
        return {name: (state.status, state.detail) for name, state in board.items()}

    def book(self, pii: str) -> SimTag:
        return self.catalog[pii]

    def place(self, pii: str, antenna: int = 1) -> SimTag:
        return self.feig.pad.place(self.catalog[pii], antenna)

    def remove(self, pii: str) -> None:
        self.feig.pad.remove(self.catalog[pii].uid)

    async def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """Events in the outbox (read on a worker thread, as the agent does:
        a SQLite read on the loop would stall the gate)."""
        rows = await asyncio.to_thread(self.store.outbox.pending, 0, 10_000)
        return [json.loads(p.payload) | {"_type": p.type, "_schema": p.schema}
                for p in rows if event_type is None or p.type == event_type]

    async def eventually(self, check: Callable[[], Any], timeout_s: float = 10.0) -> Any:
        """Wait until ``check()`` (a value or an awaitable) is true; return it."""
        async with asyncio.timeout(timeout_s):
            while True:
                value = check()
                if inspect.isawaitable(value):
                    value = await value
                if value:
                    return value
                await asyncio.sleep(0.02)

    async def stop(self) -> None:
        self.service.request_stop()
        await self.task


Factory = Callable[..., "asyncio.Future[GateRig]"]


@pytest.fixture
async def gate(tmp_path: Path, feig: FeigBench,  # noqa: F811
               mock_pins: MockPins) -> AsyncIterator[Callable[..., Any]]:  # noqa: F811
    """``await gate(**gate_settings)``: a running gate service."""
    rigs: list[GateRig] = []
    stores: list[Store] = []
    boards: list[GpioBoard] = []
    library = load_demo_library()
    by_uid = {t.uid: t for t in demo_tags()}
    catalog = {i["pii"]: by_uid[bytes.fromhex(i["tag_uid"])] for i in library["items"]}

    async def start(tags: dict[str, Any] | None = None,
                    wall_clock: Callable[[], float] = time.time, wait: bool = True,
                    **settings: Any) -> GateRig:
        # a gate reader multiplexes two antennas, one in each panel
        config = gate_config(tmp_path, feig.url + "&antennas=0x03", tags, **settings)
        store = open_store(config.store.path, timezone=config.library.timezone)
        stores.append(store)
        board = GpioBoard(mock_pins.factory)
        boards.append(board)
        service = GateService(config, store, make_reader(config.reader.url), board,
                              wall_clock=wall_clock)
        task = asyncio.create_task(service.run())
        rig = GateRig(feig, mock_pins, store, service, task, catalog)
        rigs.append(rig)
        if settings.get("count_visitors", True):
            # the beams' receivers are pulled up, high when broken: aligned beams read low
            await rig.eventually(lambda: service.beams is not None)
            for beam in (OUTER, INNER):
                await mock_pins.drive(beam, False)
        if wait:
            await rig.eventually(lambda: service.reader.state.value == "connected")
        return rig

    try:
        yield start
    finally:
        for rig in rigs:
            if not rig.task.done():
                await rig.stop()
        for board in boards:
            await board.close()
        for store in stores:
            store.close()
