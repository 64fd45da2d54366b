"""The book drop under test: the real FEIG driver against the FEIG emulator
on a socat pty pair, the demo ILS over SIP2 with circulation's check-in
(edge.circulation.bookdrop: the journaled return on the book drop's own
store and reader), GPIO on mock pins with a model of the chute (an item leaves it when the conveyor
runs, into the bin whose diverter is held), or the emulated sorter board on
a second pty pair; a real store in a temporary directory."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from drivers.gpio import GpioBoard
from drivers.rfid import make_reader
from drivers.sim.ils import DemoIls
from drivers.sim.library import demo_tags, load_demo_library
from drivers.sim.tags import SimTag
from edge.bookdrop.mcu import McuSorter
from edge.bookdrop.service import BookdropService
from edge.bookdrop.sorters import GpioSorter, NoSorter, Sorter
from edge.circulation.bookdrop import BookdropCheckIn, check_in_for
from edge.config.loader import LoadedConfig
from edge.config.models import BookdropConfig
from edge.config.secrets import Secrets
from edge.store import Store, open_store
from firmware_bridge import LinkOptions, McuLink
from firmware_bridge.emulator import BookdropBoard, PtyBoard, SortRecord
from tests.drivers.rfid.conftest import FeigBench, feig  # noqa: F401 - fixture
from tests.peers.gpio import MockPins, mock_pins  # noqa: F401 - fixture
from tests.peers.pty import PtyPair, make_pair, pty_pair  # noqa: F401 - fixture
from tests.peers.sip2 import SIP_PASSWORD, SIP_USER, demo_ils  # noqa: F401 - fixture

__all__ = ["Drop", "demo_ils", "drop", "feig", "mock_pins", "pty_pair"]

SLOT, READY, CONVEYOR = 5, 6, 13
FULL = {"shelf": 19, "holds": 26, "transit": 16}
DIVERTER = {"holds": 20, "transit": 21, "problem": 12}
BINS = ("shelf", "holds", "transit", "problem")


def bookdrop_config(tmp_path: Path, url: str, ils_port: int, sorter: str,
                    **section: Any) -> BookdropConfig:
    bins = []
    for index, name in enumerate(BINS):
        entry: dict[str, Any] = {"name": name, "capacity": 50}
        if sorter == "gpio":
            if name in FULL:
                entry["full_pin"] = FULL[name]
            if name in DIVERTER:
                entry["diverter_pin"] = DIVERTER[name]
        if sorter == "mcu":
            entry["mcu_bin"] = index
        bins.append(entry)
    settings: dict[str, Any] = {
        "sorter": sorter, "bins": bins if sorter != "none" else [{"name": "shelf"}],
        "settle_s": 0.02, "read_timeout_s": 0.5, "divert_s": 0.1, "sort_timeout_s": 2.0,
        "alert_after_s": 0.5, "status_interval_s": 1,
        "pins": {"conveyor": CONVEYOR} if sorter == "gpio" else {},
    }
    settings.update(section)
    return BookdropConfig.model_validate({
        "role": "bookdrop", "site": "hn-tvtp", "device": "bookdrop-01",
        "library": {"isil": "VN-TVTPHN", "name": "Thư viện Thành phố Hà Nội"},
        "store": {"path": str(tmp_path / "device.db")},
        "ils": {"host": "127.0.0.1", "port": ils_port, "login_user": SIP_USER,
                "institution": "TVTPHN", "location": "TANG1", "timeout_s": 2.0, "retries": 0,
                "keepalive_s": 3600.0},
        "offline": {"probe_interval_s": 0.1},
        "reader": {"url": url, "poll_interval_s": 0.02},
        "gpio": {"pin_factory": "mock"},
        "bookdrop": settings,
    })


@dataclass
class Drop:
    feig: FeigBench
    pins: MockPins
    ils: DemoIls
    store: Store
    service: BookdropService
    check_in: BookdropCheckIn
    task: asyncio.Task[None]
    catalog: dict[str, SimTag]
    gpio: GpioBoard
    board: BookdropBoard | None = None
    mcu: PtyBoard | None = None
    mcu_pair: PtyPair | None = None
    #: Where items physically ended up: (pii or uid, bin).
    landed: list[tuple[str, str]] = field(default_factory=list)
    _in_chute: list[SimTag] = field(default_factory=list)

    def label(self, tag: SimTag) -> str:
        for pii, known in self.catalog.items():
            if known is tag:
                return pii
        return tag.uid.hex().upper()

    async def insert(self, *tags: SimTag) -> None:
        """Items fall through the slot onto the reader's antenna."""
        for tag in tags:
            self.feig.pad.place(tag)
            self._in_chute.append(tag)
        if self.board is not None:
            self.board.insert_item()
        elif self.service.sorter.has_slot_sensor:
            await self.pins.drive(SLOT, False)  # pulled up, low = an item in the slot

    def _leave_chute(self, bin_name: str) -> None:
        for tag in self._in_chute:
            self.feig.pad.remove(tag.uid)
            self.landed.append((self.label(tag), bin_name))
        self._in_chute.clear()

    async def physics(self) -> None:
        """The GPIO chute: while the conveyor runs, the item slides into the
        bin whose diverter is held (the first bin when none is)."""
        conveyor = self.pins.pin(CONVEYOR)
        while True:
            await asyncio.sleep(0.005)
            if not (conveyor.state and self._in_chute):
                continue
            held = [name for name, pin in DIVERTER.items() if self.pins.pin(pin).state]
            await asyncio.sleep(0.02)
            self._leave_chute(held[0] if held else "shelf")
            await self.pins.drive(SLOT, True)

    def mcu_sorted(self, record: SortRecord) -> None:
        self._leave_chute(BINS[record.bin])

    async def checkins(self) -> list[tuple[str, str, str]]:
        """Circulation's journal of returns: (pii, mode, state), oldest first."""
        rows = await asyncio.to_thread(
            self.store.db.query, "SELECT item, mode, state FROM circulation_journal "
            "WHERE operation = 'checkin' ORDER BY id")
        return [(str(item), str(mode), str(state)) for item, mode, state in rows]

    async def returned(self) -> list[str]:
        """The PIIs circulation was asked to return, in order."""
        return [pii for pii, _mode, _state in await self.checkins()]

    async def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        rows = await asyncio.to_thread(self.store.outbox.pending, 0, 10_000)
        return [json.loads(p.payload) | {"_type": p.type} for p in rows
                if event_type is None or p.type == event_type]

    async def status(self) -> dict[str, tuple[str, str | None]]:
        board = await asyncio.to_thread(self.store.status.snapshot)
        return {name: (s.status, s.detail) for name, s in board.items()}

    async def eventually(self, check: Callable[[], Any], timeout_s: float = 10.0) -> Any:
        async with asyncio.timeout(timeout_s):
            while True:
                value = check()
                if inspect.isawaitable(value):
                    value = await value
                if value:
                    return value
                await asyncio.sleep(0.02)

    async def landed_count(self, n: int) -> bool:
        return len(self.landed) >= n and not self.service.sorter.item_present()

    async def stop(self) -> None:
        self.service.request_stop()
        await self.task
        await self.gpio.close()


@pytest.fixture
async def drop(tmp_path: Path, feig: FeigBench, mock_pins: MockPins,  # noqa: F811
               demo_ils: DemoIls,  # noqa: F811
               ) -> AsyncIterator[Callable[..., Any]]:
    """``await drop(sorter="gpio"|"mcu"|"none", **bookdrop_settings)``."""
    started: list[Drop] = []
    closers: list[Callable[[], Any]] = []
    library = load_demo_library()
    by_uid = {t.uid: t for t in demo_tags()}
    catalog = {i["pii"]: by_uid[bytes.fromhex(i["tag_uid"])] for i in library["items"]}

    async def start(sorter: str = "gpio", mcu_faults: dict[str, Any] | None = None,
                    **section: Any) -> Drop:
        board_emulator: BookdropBoard | None = None
        mcu: PtyBoard | None = None
        pair: PtyPair | None = None
        if sorter == "mcu":
            pair = make_pair(tmp_path, "mcu")
            closers.append(pair.unplug)
            board_emulator = BookdropBoard(bins=4, sort_time_s=0.02, require_item=True)
            mcu = await PtyBoard(board_emulator, pair.device).start()
            section.setdefault("mcu_port", pair.host)
        config = bookdrop_config(tmp_path, feig.url, demo_ils.port, sorter, **section)
        store = open_store(config.store.path, timezone=config.library.timezone)
        closers.append(store.close)
        gpio = GpioBoard(mock_pins.factory)
        closers.append(gpio.close)
        reader = make_reader(config.reader.url)
        circulation = contextlib.AsyncExitStack()
        closers.append(circulation.aclose)
        loaded = LoadedConfig(tmp_path / "bookdrop.toml", config,
                              Secrets(sip2_password=SIP_PASSWORD))
        check_in = await circulation.enter_async_context(check_in_for(loaded, store, reader))
        if sorter == "gpio":
            await mock_pins.drive(SLOT, True)  # chute empty (pulled up)
            for pin in FULL.values():
                await mock_pins.drive(pin, True)
            the_sorter: Sorter = GpioSorter(gpio, config.bookdrop)
        elif sorter == "mcu":
            link = McuLink(config.bookdrop.mcu_port or "", LinkOptions(
                ack_timeout_s=0.05, attempts=4, reply_timeout_s=1.0, ping_interval_s=0.3,
                reconnect_max_s=0.2))
            the_sorter = McuSorter(gpio, config.bookdrop, link)
        else:
            the_sorter = NoSorter(gpio, config.bookdrop)
        service = BookdropService(config, store, reader, the_sorter, check_in)
        task = asyncio.create_task(service.run())
        rig = Drop(feig, mock_pins, demo_ils, store, service, check_in, task, catalog, gpio,
                   board_emulator, mcu, pair)
        if board_emulator is not None:
            board_emulator.on_sorted = rig.mcu_sorted
        if sorter == "gpio":
            physics = asyncio.create_task(rig.physics())
            closers.append(physics.cancel)
        started.append(rig)
        await rig.eventually(lambda: service.accepting)
        return rig

    try:
        yield start
    finally:
        for rig in started:
            if not rig.task.done():
                await rig.stop()
            if rig.mcu is not None:
                await rig.mcu.close()
        for close in reversed(closers):
            result = close()
            if inspect.isawaitable(result):
                await result
