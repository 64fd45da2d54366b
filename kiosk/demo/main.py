"""``smartlib demo``: everything on one machine. With a display, the kiosk
window with the demo control panel beside it; without one (or headless),
the scripted session on a private X server, screenshots and a transcript
written to a directory."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.util
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.sim.ils import DemoIls
from drivers.sim.server import SimServer
from edge.circulation import CardUid
from edge.circulation.factory import service_from_config
from edge.circulation.service import CirculationService
from edge.store import open_store
from kiosk.demo.rig import STAFF_PIN, DemoRig
from kiosk.display import configure_window, prepare_kivy, private_display
from kiosk.flow import KioskFlow
from kiosk.settings import KioskSettings
from kiosk.texts import Texts

log = logging.getLogger(__name__)

WIDTH, HEIGHT, PANEL = 1280, 800, 340


@dataclass
class DemoOutcome:
    directory: Path
    screenshots: list[Path] = field(default_factory=list)
    transcript: Path | None = None


async def run_demo(directory: Path, *, headless: bool, language: str = "vi") -> DemoOutcome:
    """Run the demo; its files (state, and with ``headless`` the screenshots
    and transcript) go to ``directory``."""
    directory = _fresh(directory, screenshots=headless)
    level = logging.getLogger().getEffectiveLevel()
    if importlib.util.find_spec("nfc") is not None:
        importlib.import_module("nfc")  # which sets its logger to info when imported
    logging.getLogger("nfc").setLevel(max(level, logging.WARNING))  # nfcpy chats at info
    prepare_kivy(directory / "state" / "kivy", audio=not headless)
    display = private_display() if headless else contextlib.nullcontext()
    with display:
        panel = int(HEIGHT * 0.42) if not headless else 0
        configure_window(fullscreen=False, width=WIDTH + panel, height=HEIGHT)
        rig = DemoRig(directory / "state", language)
        try:
            loaded = await rig.start()
            service = service_from_config(loaded)
            async with service:
                settings = KioskSettings.from_config(loaded)
                if headless:
                    return await _walk(rig, service, settings, directory)
                await _interactive(rig, service, settings, language)
                return DemoOutcome(directory)
        finally:
            await rig.close()


def _fresh(directory: Path, *, screenshots: bool) -> Path:
    """A previous demo's state and screenshots go: start from the demo library."""
    directory = directory.absolute()
    directory.mkdir(parents=True, exist_ok=True)
    state = directory / "state"
    if (state / "kiosk.toml").exists():
        shutil.rmtree(state)
    if screenshots:
        for old in directory.glob("[0-9][0-9]-*.png"):
            old.unlink()
    return directory


async def _walk(rig: DemoRig, service: CirculationService, settings: KioskSettings,
                directory: Path) -> DemoOutcome:
    from kiosk.demo.script import Walk
    from kiosk.runtime import KioskRuntime
    from kiosk.ui.driver import UiDriver

    runtime = KioskRuntime(service, settings, allow_close=True, sounds=False)
    app = await runtime.start()
    try:
        walk = Walk(UiDriver(app, timeout_s=30), rig, service, directory)
        shots = await walk.run()
        transcript = walk.write_transcript()
    finally:
        await runtime.stop()
    return DemoOutcome(directory, shots, transcript)


def panel_factory(hardware: SimServer, ils: DemoIls, service: CirculationService,
                  flow: Callable[[], KioskFlow | None], language: str,
                  tasks: set[asyncio.Task[Any]], height_px: int = HEIGHT) -> Callable[[], Any]:
    """The control panel beside the kiosk: cards are tapped on the NFC
    field (or, without nfcpy, presented to the flow), books placed on the
    pad, the ILS taken away, the kiosk locked as the centre would."""
    from kiosk.demo.panel import DemoPanel, spawner

    async def tap(patron: str) -> None:
        if hardware.nfc is not None:
            await hardware.tap(patron)
            await asyncio.sleep(1.0)
            await hardware.untap()
        elif (running := flow()) is not None:
            card = next(p["card_uid"] for p in hardware.library["patrons"]
                        if p["id"] == patron)
            await running.present(CardUid(bytes.fromhex(card)))

    async def ils_offline(offline: bool) -> None:
        await (ils.go_offline() if offline else ils.come_back())

    async def lock(locked: bool) -> None:
        # As the agent does: through its own connection to the device's store.
        def set_lock() -> None:
            with open_store(service.store.path) as agent_side:
                agent_side.kiosk_lock.set(locked, "Bảo trì / Maintenance" if locked else None,
                                          "demo")

        await asyncio.to_thread(set_lock)

    def panel() -> DemoPanel:
        return DemoPanel(hardware, texts=Texts(language), height_px=height_px, tap=tap,
                         ils_offline=ils_offline, lock=lock, staff_pin=STAFF_PIN,
                         spawn=spawner(tasks))

    return panel


async def _interactive(rig: DemoRig, service: CirculationService, settings: KioskSettings,
                       language: str) -> None:
    from kiosk.runtime import KioskRuntime

    tasks: set[asyncio.Task[Any]] = set()
    runtime: KioskRuntime | None = None
    assert rig.hardware is not None and rig.ils is not None
    panel = panel_factory(rig.hardware, rig.ils, service,
                          lambda: runtime.flow if runtime is not None else None, language, tasks)
    runtime = KioskRuntime(service, settings, side_panel=panel, allow_close=True)
    try:
        await runtime.run()
    finally:
        for task in list(tasks):
            task.cancel()
