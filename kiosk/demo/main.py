"""``smartlib demo``: everything on one machine. With a display, the kiosk
window with the demo control panel beside it; without one (or headless),
the scripted session on a private X server, screenshots and a transcript
written to a directory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge.circulation import CardUid
from edge.circulation.factory import service_from_config
from kiosk.demo.rig import STAFF_PIN, DemoRig
from kiosk.display import configure_window, prepare_kivy, private_display
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


async def _walk(rig: DemoRig, service: Any, settings: KioskSettings,
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


async def _interactive(rig: DemoRig, service: Any, settings: KioskSettings,
                       language: str) -> None:
    from kiosk.demo.panel import DemoPanel, spawner
    from kiosk.runtime import KioskRuntime

    tasks: set[asyncio.Task[Any]] = set()
    runtime: KioskRuntime | None = None
    assert rig.hardware is not None and rig.ils is not None
    hardware, ils = rig.hardware, rig.ils

    async def tap(patron: str) -> None:
        if hardware.nfc is not None:
            await rig.tap(patron)
        elif runtime is not None:
            card = next(p["card_uid"] for p in hardware.library["patrons"]
                        if p["id"] == patron)
            await runtime.flow.present(CardUid(bytes.fromhex(card)))

    async def ils_offline(offline: bool) -> None:
        await (ils.go_offline() if offline else ils.come_back())

    async def lock(locked: bool) -> None:
        await asyncio.to_thread(service.store.kiosk_lock.set, locked,
                                "Bảo trì / Maintenance" if locked else None, "demo")

    def panel() -> DemoPanel:
        return DemoPanel(hardware, texts=Texts(language), height_px=HEIGHT, tap=tap,
                         ils_offline=ils_offline, lock=lock, staff_pin=STAFF_PIN,
                         spawn=spawner(tasks))

    runtime = KioskRuntime(service, settings, side_panel=panel, allow_close=True)
    app = await runtime.start()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGTERM, app.stop)
    try:
        await runtime.wait()
    finally:
        with contextlib.suppress(NotImplementedError):
            loop.remove_signal_handler(signal.SIGTERM)
        await runtime.stop()
        for task in list(tasks):
            task.cancel()
